// `mlvc resolve PATH... [--ours|--theirs|--mark]`: settles conflicted files.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/local_ops.h"
#include "client/ops/resolve.h"

namespace mlvc::client::cli {
namespace {

struct ResolveArgs {
  std::vector<std::string> paths;
  bool ours = false;
  bool theirs = false;
  bool mark = false;
};

int RunResolve(const ResolveArgs& args) {
  if (static_cast<int>(args.ours) + static_cast<int>(args.theirs) + static_cast<int>(args.mark) > 1) {
    return ReportError("choose one of --ours, --theirs and --mark", kExitUsage);
  }
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, args.paths);
  if (!relpaths.ok()) return ReportError(relpaths.status(), "");
  const ops::ResolveChoice choice = args.ours     ? ops::ResolveChoice::kOurs
                                    : args.theirs ? ops::ResolveChoice::kTheirs
                                                  : ops::ResolveChoice::kMark;
  absl::StatusOr<std::vector<std::string>> done = ops::Resolve(*wc, *relpaths, choice);
  if (!done.ok()) return ReportError(done.status(), "");
  for (const std::string& path : *done) std::cout << "Resolved " << path << '\n';
  return kExitOk;
}

}  // namespace

void RegisterResolveCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<ResolveArgs>();
  CLI::App* cmd = app.add_subcommand("resolve", "Mark conflicted files as resolved");
  cmd->add_option("PATH", args->paths, "Conflicted files")->required();
  cmd->add_flag("--ours", args->ours, "Take your version (PATH.mine)");
  cmd->add_flag("--theirs", args->theirs, "Take the incoming version (PATH.theirs)");
  cmd->add_flag("--mark", args->mark, "Accept the file as it is now (the default)");
  SetHelpFooter(cmd, "  mlvc resolve params.yaml\n  mlvc resolve model.pt --ours\n",
                "After 'mlvc update' or 'mlvc merge' left 'C path', edit the file (remove the\n"
                "conflict markers) and run 'mlvc resolve path', or pick a side whole with --ours\n"
                "or --theirs. PATH.base, PATH.mine and PATH.theirs are deleted and the file can be\n"
                "committed again.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunResolve(*args); }; });
}

}  // namespace mlvc::client::cli
