// `mlvc info`: where the working copy comes from and what it holds.
#include <iostream>
#include <memory>
#include <string>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/local_ops.h"

namespace mlvc::client::cli {
namespace {

int RunInfo(bool json) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  ops::InfoResult info = ops::Info(*wc);
  if (json) {
    PrintJson({{"server", info.server},
               {"repository", info.repository},
               {"branch", info.branch},
               {"base", info.base},
               {"root", info.root},
               {"paths", info.paths}});
    return kExitOk;
  }
  std::cout << "Server: " << info.server << '\n'
            << "Repository: " << info.repository << '\n'
            << "Branch: " << info.branch << '\n'
            << "Base: @" << info.base << '\n'
            << "Root: " << info.root << '\n';
  if (info.paths.empty()) {
    std::cout << "Paths: (whole repository)\n";
  } else {
    std::cout << "Paths:\n";
    for (const std::string& path : info.paths) std::cout << "  " << path << '\n';
  }
  return kExitOk;
}

}  // namespace

void RegisterInfoCommand(CLI::App& app, Invocation& invocation) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "info", "Show the working copy's server, repository, branch, base and paths");
  cmd->add_flag("--json", *json,
                "Print {\"server\", \"repository\", \"branch\", \"base\", \"root\", \"paths\"}");
  SetHelpFooter(cmd, "  mlvc info\n  mlvc info --json\n");
  cmd->callback([&invocation, json]() { invocation.run = [json]() { return RunInfo(*json); }; });
}

}  // namespace mlvc::client::cli
