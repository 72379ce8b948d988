// `mlvc commit -m MSG [P...]`: sends local changes as one changeset.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/progress.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"

namespace mlvc::client::cli {
namespace {

struct CommitArgs {
  std::string message;
  bool keep_locks = false;
  std::vector<std::string> paths;
  bool json = false;
};

const char* ActionWord(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd:
      return "add";
    case remote::ChangeAction::kModify:
      return "modify";
    case remote::ChangeAction::kDelete:
      return "delete";
  }
  return "modify";
}

int RunCommit(const CommitArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  if (args.message.find_first_not_of(" \t\r\n") == std::string::npos) {
    return ReportError("the commit message is empty; give one with -m MESSAGE", kExitUsage);
  }
  absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, args.paths);
  if (!relpaths.ok()) return ReportError(relpaths.status(), server);
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);

  std::unique_ptr<ProgressRenderer> bar = MakeProgressBar(args.json);
  absl::StatusOr<ops::CommitResult> result = ops::Commit(*wc, *endpoint, args.message, *relpaths,
                                                         args.keep_locks, bar.get());
  if (bar) bar->Clear();
  if (!result.ok()) {
    if (ops::IsMissingFilesError(result.status())) {
      // A local problem the user fixes with rm or revert, not a server precondition.
      return ReportError(UserMessage(result.status(), server), kExitError);
    }
    return ReportError(result.status(), server);
  }
  if (result->nothing_to_commit) {
    if (args.json) {
      PrintJson({{"changeset", nullptr}, {"files", nlohmann::json::array()}});
    } else {
      std::cout << "Nothing to commit.\n";
    }
    return kExitOk;
  }
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const ops::CommittedFile& file : result->files) {
      files.push_back({{"path", file.path}, {"action", ActionWord(file.action)}});
    }
    PrintJson({{"changeset", result->number}, {"files", files},
               {"merged", result->merged_paths},
               {"transfer", TransferJson(result->transfer)}});
  } else {
    for (const std::string& path : result->merged_paths) {
      std::cout << "G " << path << " (merged with changes committed meanwhile)\n";
    }
    std::cout << "Committed changeset @" << result->number << ".\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCommitCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<CommitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "commit", "Send local changes to the server as one changeset");
  cmd->alias("ci");
  cmd->add_option("-m,--message", args->message, "The changeset's message")->required();
  cmd->add_option("PATH", args->paths, "Only changes under these files or folders");
  cmd->add_flag("--json", args->json, "Print {\"changeset\": N, \"files\": [...]}");
  cmd->add_flag("--keep-locks", args->keep_locks, "Keep your locks on the committed files");
  SetHelpFooter(cmd, "  mlvc commit -m 'Lower the learning rate'\n"
                     "  mlvc commit -m 'New config' configs/\n",
                "Sends every M, A and D within the working copy (or under PATH...). Only contents\n"
                "the server lacks are uploaded. Prints 'Committed changeset @N.', or 'Nothing to\n"
                "commit.' Missing files ('!') must be removed with 'mlvc rm' or restored with\n"
                "'mlvc revert' first (exit 1). If a file was changed on the server since your\n"
                "base, the commit is refused (exit 6) and nothing local changes: run 'mlvc update'\n"
                "and commit again.\n");
  cmd->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunCommit(*args); }; });
}

}  // namespace mlvc::client::cli
