// The shape shared by every `mlvc` command file: each Register*Commands() adds its
// subcommands to the CLI11 app, and the callback of the subcommand the user chose stores
// the work to do in `Invocation::run`; main() runs it after parsing succeeded. Keeping the
// work out of CLI11's callbacks keeps CLI11 exceptions (usage errors) apart from command
// failures (which are absl::Status, mapped to exit codes in exit_codes.h).
// Requires: CLI11. Used by: client/cli only.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace mlvc::client::cli {

struct Invocation {
  std::function<int()> run;  // returns the exit code
};

// Sets `command`'s footer: `details` (longer explanation, may be empty), the example(s),
// then the exit code table.
void SetHelpFooter(CLI::App* command, const std::string& examples,
                   const std::string& details = "");

void RegisterHelpCommand(CLI::App& app, Invocation& invocation);
void RegisterLoginCommand(CLI::App& app, Invocation& invocation);
void RegisterWhoAmICommand(CLI::App& app, Invocation& invocation);
void RegisterRepoCommands(CLI::App& app, Invocation& invocation);
// admin user|token|grant|revoke|roles|audit (admin_cmd.cc)
void RegisterAdminCommands(CLI::App& app, Invocation& invocation);
void RegisterCheckoutCommand(CLI::App& app, Invocation& invocation);
void RegisterStatusCommands(CLI::App& app, Invocation& invocation);  // status add rm mv revert
void RegisterDiffCommand(CLI::App& app, Invocation& invocation);
void RegisterInfoCommand(CLI::App& app, Invocation& invocation);
void RegisterCommitCommand(CLI::App& app, Invocation& invocation);
void RegisterUpdateCommand(CLI::App& app, Invocation& invocation);
void RegisterLogCommand(CLI::App& app, Invocation& invocation);
void RegisterBranchCommands(CLI::App& app, Invocation& invocation);  // branch, switch
void RegisterLabelCommands(CLI::App& app, Invocation& invocation);
void RegisterLockCommands(CLI::App& app, Invocation& invocation);
void RegisterMergeCommand(CLI::App& app, Invocation& invocation);
void RegisterResolveCommand(CLI::App& app, Invocation& invocation);  // lock unlock locks lockable
// release create|list|show, deploy, deployments, rollback, watch (release_cmd.cc)
void RegisterReleaseCommands(CLI::App& app, Invocation& invocation);
// The ML record: run record|show, runs; push-model; params, metrics, regressions,
// lineage, since-training, env diff, explain; review approve; policy set|show|check.
void RegisterRunCommands(CLI::App& app, Invocation& invocation);
void RegisterPushModelCommand(CLI::App& app, Invocation& invocation);
void RegisterQuestionCommands(CLI::App& app, Invocation& invocation);
void RegisterReviewCommands(CLI::App& app, Invocation& invocation);
void RegisterPolicyCommands(CLI::App& app, Invocation& invocation);

}  // namespace mlvc::client::cli
