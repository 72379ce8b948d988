// `mlvc review approve [@REF] [-m NOTE]`: records the caller's approval of a changeset (for
// a branch policy's --require-review).
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_join.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_cmds.h"
#include "client/cli/repo_target.h"
#include "client/ops/record_ops.h"

namespace mlvc::client::cli {
namespace {

struct ApproveArgs {
  TargetFlags target;
  std::string ref;
  std::string note;
  bool json = false;
};

int RunApprove(const ApproveArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  // Default: the version the working copy holds (what the reviewer looked at), else main.
  std::string ref = StripAt(args.ref);
  if (ref.empty() && target->wc_branch.has_value()) ref = std::to_string(target->wc_base);
  absl::StatusOr<remote::ApprovalInfo> approval =
      ops::Approve(target->endpoint, target->repository, ref, args.note);
  if (!approval.ok()) return ReportError(approval.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"number", approval->number}, {"approvers", approval->approvers}});
  } else {
    std::cout << "Approved @" << approval->number << " (approvers: "
              << absl::StrJoin(approval->approvers, ", ") << ").\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterReviewCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* review = app.add_subcommand("review", "Approve changesets (for branch policies)");
  review->require_subcommand(1);
  SetHelpFooter(review, "  mlvc review approve @42 -m 'looks good'\n");
  auto args = std::make_shared<ApproveArgs>();
  CLI::App* cmd = review->add_subcommand("approve", "Approve a changeset");
  cmd->add_option("REF", args->ref,
                  "@N, branch or label (default: the working copy's version, else main)");
  cmd->add_option("-m,--note", args->note, "A note kept with the approval");
  AddTargetFlags(cmd, &args->target);
  cmd->add_flag("--json", args->json, "Print {\"number\", \"approvers\": [user]}");
  SetHelpFooter(cmd, "  mlvc review approve\n  mlvc review approve @42 -m 'metrics checked'\n",
                "Approving twice is a no-op. Needs the writer role. A policy's\n"
                "--require-review N counts approvers other than the changeset's author.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunApprove(*args); }; });
}

}  // namespace mlvc::client::cli
