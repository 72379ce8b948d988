// `mlvc status | add | rm | mv | revert`: the commands that look at or schedule changes in
// the working copy (revert also fetches base versions from the server).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/local_ops.h"
#include "client/ops/revert.h"
#include "common/status/status_macros.h"

namespace mlvc::client::cli {
namespace {

struct PathArgs {
  std::vector<std::string> paths;
  bool json = false;
};

char StatusLetter(wc::StatusCode code) {
  switch (code) {
    case wc::StatusCode::kModified:
      return 'M';
    case wc::StatusCode::kAdded:
      return 'A';
    case wc::StatusCode::kDeleted:
      return 'D';
    case wc::StatusCode::kMissing:
      return '!';
    case wc::StatusCode::kUnversioned:
      return '?';
  }
  return '?';
}

const char* StatusWord(wc::StatusCode code) {
  switch (code) {
    case wc::StatusCode::kModified:
      return "modified";
    case wc::StatusCode::kAdded:
      return "added";
    case wc::StatusCode::kDeleted:
      return "deleted";
    case wc::StatusCode::kMissing:
      return "missing";
    case wc::StatusCode::kUnversioned:
      return "unversioned";
  }
  return "unversioned";
}

// Opens the working copy of the current directory and turns `paths` into its relpaths.
struct Target {
  wc::WorkingCopy wc;
  std::vector<std::string> relpaths;
};

absl::StatusOr<Target> OpenWithPaths(const std::vector<std::string>& paths) {
  ASSIGN_OR_RETURN(std::string cwd, CurrentDir());
  ASSIGN_OR_RETURN(wc::WorkingCopy wc, OpenWorkingCopy(cwd));
  ASSIGN_OR_RETURN(std::vector<std::string> relpaths, ops::ToRelpaths(wc, cwd, paths));
  return Target{std::move(wc), std::move(relpaths)};
}

int RunStatus(const PathArgs& args) {
  absl::StatusOr<Target> target = OpenWithPaths(args.paths);
  if (!target.ok()) return ReportError(target.status(), "");
  absl::StatusOr<std::vector<wc::StatusItem>> items = ops::Status(target->wc, target->relpaths);
  if (!items.ok()) return ReportError(items.status(), target->wc.config().server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const wc::StatusItem& item : *items) {
      doc.push_back({{"path", item.relpath},
                     {"status", item.conflicted ? "conflicted" : StatusWord(item.code)}});
    }
    PrintJson(doc);
  } else {
    for (const wc::StatusItem& item : *items) {
      // 'C': conflicted by update or merge, whatever its content; see `mlvc resolve`.
      std::cout << (item.conflicted ? 'C' : StatusLetter(item.code)) << ' ' << item.relpath
                << '\n';
    }
  }
  return kExitOk;
}

int RunAdd(const PathArgs& args) {
  absl::StatusOr<Target> target = OpenWithPaths(args.paths);
  if (!target.ok()) return ReportError(target.status(), "");
  absl::StatusOr<std::vector<std::string>> added = ops::Add(target->wc, target->relpaths);
  if (!added.ok()) return ReportError(added.status(), target->wc.config().server);
  for (const std::string& path : *added) std::cout << "A " << path << '\n';
  return kExitOk;
}

int RunRemove(const PathArgs& args) {
  absl::StatusOr<Target> target = OpenWithPaths(args.paths);
  if (!target.ok()) return ReportError(target.status(), "");
  absl::StatusOr<std::vector<std::string>> removed = ops::Remove(target->wc, target->relpaths);
  if (!removed.ok()) return ReportError(removed.status(), target->wc.config().server);
  for (const std::string& path : *removed) std::cout << "D " << path << '\n';
  return kExitOk;
}

int RunMove(const std::string& from, const std::string& to) {
  absl::StatusOr<Target> target = OpenWithPaths({from, to});
  if (!target.ok()) return ReportError(target.status(), "");
  const std::string& from_relpath = target->relpaths[0];
  const std::string& to_relpath = target->relpaths[1];
  if (from_relpath.empty() || to_relpath.empty()) {
    return ReportError("cannot move the root of the working copy", kExitInvalid);
  }
  absl::Status status = ops::Move(target->wc, from_relpath, to_relpath);
  if (!status.ok()) return ReportError(status, target->wc.config().server);
  std::cout << "D " << from_relpath << "\nA " << to_relpath << '\n';
  return kExitOk;
}

int RunRevert(const PathArgs& args) {
  absl::StatusOr<Target> target = OpenWithPaths(args.paths);
  if (!target.ok()) return ReportError(target.status(), "");
  const std::string server = target->wc.config().server;
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  const std::optional<int64_t> pending = target->wc.config().pending_merge_parent;
  absl::StatusOr<std::vector<ops::FileEvent>> result =
      ops::Revert(target->wc, *endpoint, target->relpaths, [](const ops::FileEvent& event) {
        std::cout << "Reverted " << event.path << '\n';
      });
  if (!result.ok()) return ReportError(result.status(), server);
  if (pending.has_value() && !target->wc.config().pending_merge_parent.has_value()) {
    std::cout << "Dropped the pending merge of @" << *pending << '\n';
  }
  return kExitOk;
}

}  // namespace

void RegisterStatusCommands(CLI::App& app, Invocation& invocation) {
  {
    auto args = std::make_shared<PathArgs>();
    CLI::App* cmd = app.add_subcommand(
        "status",
        "Show local changes (M modified, A added, D deleted, ! missing, ? unversioned,\n"
        "C conflicted)");
    cmd->add_option("PATH", args->paths,
                    "Only these files or folders (relative to the current directory)");
    cmd->add_flag("--json", args->json,
                  "Print [{\"path\": ..., \"status\": \"modified|added|deleted|missing|"
                  "unversioned|conflicted\"}]");
    SetHelpFooter(cmd, "  mlvc status\n  mlvc status data/ --json\n",
                  "One line per changed file, sorted: 'M path' modified, 'A path' added, 'D path'\n"
                  "deleted, '! path' missing (versioned but gone from disk), '? path' unversioned,\n"
                  "'C path' conflicted by update or merge (fix it, then 'mlvc resolve path').\n"
                  "Paths are relative to the working copy root; only the sparse paths are looked at.\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunStatus(*args); }; });
  }
  {
    auto args = std::make_shared<PathArgs>();
    CLI::App* cmd = app.add_subcommand(
        "add", "Schedule unversioned files for addition (folders recursively)");
    cmd->add_option("PATH", args->paths, "Files or folders to add")->required();
    SetHelpFooter(cmd, "  mlvc add train.py configs/\n",
                  "Files already versioned are ignored quietly. Prints 'A path' per file added.\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunAdd(*args); }; });
  }
  {
    auto args = std::make_shared<PathArgs>();
    CLI::App* cmd = app.add_subcommand(
        "rm", "Delete versioned files from disk and schedule their deletion");
    cmd->alias("remove");
    cmd->add_option("PATH", args->paths, "Versioned files or folders to remove")->required();
    SetHelpFooter(cmd, "  mlvc rm old_model.bin\n",
                  "A file only scheduled for addition is unscheduled and deleted. An unversioned\n"
                  "path is refused (exit 4).\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunRemove(*args); }; });
  }
  {
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("mv", "Rename a versioned file or folder (delete A + add B)");
    cmd->alias("move");
    cmd->add_option("A", *from, "The versioned file or folder")->required();
    cmd->add_option("B", *to, "Its new name (must not exist)")->required();
    SetHelpFooter(cmd, "  mlvc mv train.py src/train.py\n");
    cmd->callback([&invocation, from, to]() {
      invocation.run = [from, to]() { return RunMove(*from, *to); };
    });
  }
  {
    auto args = std::make_shared<PathArgs>();
    CLI::App* cmd = app.add_subcommand(
        "revert", "Undo local changes to files (add, rm, edits, missing files)");
    cmd->add_option("PATH", args->paths, "Files or folders to revert")->required();
    SetHelpFooter(cmd, "  mlvc revert train.py\n  mlvc revert .\n",
                  "An added file is unscheduled (it stays on disk, unversioned); a removed file\n"
                  "is restored; a modified or missing file gets its base version back from the\n"
                  "server. Unversioned files are left alone.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunRevert(*args); }; });
  }
}

}  // namespace mlvc::client::cli
