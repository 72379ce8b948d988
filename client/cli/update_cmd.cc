// `mlvc update [-r REF]`: brings the working copy to the branch head (or REF).
#include <iostream>
#include <memory>
#include <string>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/progress.h"
#include "client/ops/update.h"

namespace mlvc::client::cli {
namespace {

struct UpdateArgs {
  std::string ref;
  bool json = false;
};

int RunUpdate(const UpdateArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);

  std::string ref = args.ref;
  if (!ref.empty() && ref.front() == '@') ref.erase(0, 1);
  std::unique_ptr<ProgressRenderer> bar = MakeProgressBar(args.json);
  const ops::ProgressCallback callback = PrintFileEvents(args.json, bar.get());
  absl::StatusOr<ops::UpdateResult> result =
      ops::Update(*wc, *endpoint, ref, callback, bar.get());
  if (bar) bar->Clear();
  if (!result.ok()) return ReportError(result.status(), server);
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const ops::FileEvent& event : result->events) {
      nlohmann::json item = {{"path", event.path}, {"action", EventWord(event.action)}};
      if (event.changeset != 0) item["changeset"] = event.changeset;
      files.push_back(std::move(item));
    }
    PrintJson({{"changeset", result->number}, {"files", files},
               {"transfer", TransferJson(result->transfer)}});
  } else {
    std::cout << "Updated to @" << result->number << ".\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterUpdateCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<UpdateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "update", "Bring the working copy to its branch head (or REF)");
  cmd->alias("up");
  cmd->add_option("-r,--ref", args->ref, "A branch name or changeset number (default: head)");
  cmd->add_flag("--json", args->json,
                "Print {\"changeset\": N, \"files\": [{\"path\", \"action\"}]}");
  SetHelpFooter(cmd, "  mlvc update\n  mlvc update -r 41\n",
                "Changes only files that changed upstream, printing 'U path' (updated), 'A path'\n"
                "(added) or 'D path' (deleted) per file, then 'Updated to @N.' A file you modified\n"
                "that also changed upstream is merged: 'G path' when your edits and the upstream\n"
                "ones combine cleanly (the file stays modified), 'C path' when they overlap: the\n"
                "file then holds conflict markers and path.base, path.mine, path.theirs are written\n"
                "next to it (for a binary, your version is kept as path.mine). A conflicted file\n"
                "cannot be committed until 'mlvc resolve path'. Your edit is never lost.\n");
  cmd->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunUpdate(*args); }; });
}

}  // namespace mlvc::client::cli
