// `mlvc policy set|show|check BRANCH`: a branch's promotion gate (required runs, metric
// thresholds, reviews), enforced by the server on submit, merge and release.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_cmds.h"
#include "client/cli/record_render.h"
#include "client/cli/repo_target.h"
#include "client/ops/record_ops.h"

namespace mlvc::client::cli {
namespace {

struct PolicyArgs {
  TargetFlags target;
  std::string branch;
  std::vector<std::string> require_runs;
  std::vector<std::string> require_metrics;
  int require_review = 0;
  bool clear = false;
  std::string ref;
  bool json = false;
};

int RunSet(const PolicyArgs& args) {
  remote::PolicyInfo policy;
  for (const std::string& kind : args.require_runs) {
    absl::StatusOr<remote::RunKind> parsed = ops::ParseRunKind(kind);
    if (!parsed.ok()) return ReportError(parsed.status(), "");
    policy.require_runs.push_back(*parsed);
  }
  for (const std::string& rule : args.require_metrics) {
    absl::StatusOr<remote::MetricRuleInfo> parsed = ops::ParseMetricRule(rule);
    if (!parsed.ok()) return ReportError(parsed.status(), "");
    policy.require_metrics.push_back(*parsed);
  }
  if (args.require_review < 0) {
    return ReportError("--require-review must not be negative", kExitUsage);
  }
  policy.require_reviews = args.require_review;
  if (policy.empty() && !args.clear) {
    return ReportError(
        "give at least one rule (--require-run, --require-metric, --require-review), or "
        "--clear to remove the policy",
        kExitUsage);
  }
  if (!policy.empty() && args.clear) {
    return ReportError("--clear removes the policy; give it without rules", kExitUsage);
  }
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::PolicyInfo> set =
      ops::SetPolicy(target->endpoint, target->repository, args.branch, policy);
  if (!set.ok()) return ReportError(set.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = PolicyJson(*set);
    doc["branch"] = args.branch;
    PrintJson(doc);
  } else if (set->empty()) {
    std::cout << "Removed the policy of " << args.branch << ".\n";
  } else {
    std::cout << PolicyText(args.branch, remote::BranchPolicyInfo{*set, "", 0});
  }
  return kExitOk;
}

int RunShow(const PolicyArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::BranchPolicyInfo> policy =
      ops::GetPolicy(target->endpoint, target->repository, args.branch);
  if (!policy.ok()) return ReportError(policy.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = PolicyJson(policy->policy);
    doc["branch"] = args.branch;
    doc["set_by"] = policy->set_by;
    doc["set_at"] = policy->set_by.empty() ? nlohmann::json(nullptr)
                                           : nlohmann::json(RecordIsoTime(policy->set_at_micros));
    PrintJson(doc);
  } else {
    std::cout << PolicyText(args.branch, *policy);
  }
  return kExitOk;
}

int RunCheck(const PolicyArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  // Default: the working copy's version (what would be merged), else the branch's head.
  std::string ref = StripAt(args.ref);
  if (ref.empty()) {
    ref = target->wc_branch.has_value() ? std::to_string(target->wc_base) : args.branch;
  }
  absl::StatusOr<remote::PolicyCheckInfo> check =
      ops::CheckPolicy(target->endpoint, target->repository, args.branch, ref);
  if (!check.ok()) return ReportError(check.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"branch", args.branch},
               {"number", check->number},
               {"meets", check->unmet.empty()},
               {"unmet", check->unmet}});
  } else if (check->unmet.empty()) {
    std::cout << "@" << check->number << " meets the policy of " << args.branch << ".\n";
  } else {
    std::cout << "@" << check->number << " does not meet the policy of " << args.branch << ":\n";
    for (const std::string& rule : check->unmet) std::cout << "  " << rule << "\n";
  }
  return check->unmet.empty() ? kExitOk : kExitPrecondition;
}

}  // namespace

void RegisterPolicyCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* policy = app.add_subcommand("policy", "Set, show and check branch policies");
  policy->require_subcommand(1);
  SetHelpFooter(policy,
                "  mlvc policy set main --require-run validation "
                "--require-metric 'eval.accuracy>=0.92'\n"
                "  mlvc policy show main\n  mlvc policy check main @42\n");
  {
    auto args = std::make_shared<PolicyArgs>();
    CLI::App* cmd = policy->add_subcommand("set", "Set (replace) a branch's policy");
    cmd->add_option("BRANCH", args->branch, "The protected branch")->required();
    cmd->add_option("--require-run", args->require_runs,
                    "A run kind (train, eval, validation) that must have succeeded at the "
                    "source changeset (repeatable)");
    cmd->add_option("--require-metric", args->require_metrics,
                    "A threshold METRIC OP NUMBER, e.g. 'eval.accuracy>=0.92' (repeatable)");
    cmd->add_option("--require-review", args->require_review,
                    "Approvals needed from users other than the author");
    cmd->add_flag("--clear", args->clear, "Remove the branch's policy");
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json,
                  "Print {\"branch\", \"require_runs\": [kind], \"require_metrics\": [rule], "
                  "\"require_reviews\"}");
    SetHelpFooter(cmd,
                  "  mlvc policy set main --require-run validation "
                  "--require-metric 'eval.accuracy>=0.92' --require-review 1\n"
                  "  mlvc policy set main --clear\n",
                  "Maintainers only; every change is audited. With a policy, a direct submit\n"
                  "into the branch is refused: changes reach it by merging a changeset that\n"
                  "meets every rule (exit 6 naming the unmet rules otherwise). OP is one of\n"
                  ">=, >, <=, <, ==.\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunSet(*args); }; });
  }
  {
    auto args = std::make_shared<PolicyArgs>();
    CLI::App* cmd = policy->add_subcommand("show", "Show a branch's policy");
    cmd->add_option("BRANCH", args->branch, "The branch")->required();
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json,
                  "Print {\"branch\", \"require_runs\", \"require_metrics\", "
                  "\"require_reviews\", \"set_by\", \"set_at\"}");
    SetHelpFooter(cmd, "  mlvc policy show main\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunShow(*args); }; });
  }
  {
    auto args = std::make_shared<PolicyArgs>();
    CLI::App* cmd =
        policy->add_subcommand("check", "Check a changeset against a branch's policy");
    cmd->add_option("BRANCH", args->branch, "The branch whose policy applies")->required();
    cmd->add_option("REF", args->ref,
                    "The changeset to check: @N, branch or label (default: the working copy's "
                    "version, else BRANCH's head)");
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json,
                  "Print {\"branch\", \"number\", \"meets\", \"unmet\": [sentence]}");
    SetHelpFooter(cmd, "  mlvc policy check main @42\n  mlvc policy check main integration\n",
                  "Changes nothing. Exit 0 when the changeset meets the policy, 6 when a rule\n"
                  "is unmet (each printed; with --json the document is printed either way).\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunCheck(*args); }; });
  }
}

}  // namespace mlvc::client::cli
