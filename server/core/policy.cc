#include "server/core/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

bool Holds(double value, const std::string& op, double threshold) {
  if (op == ">=") return value >= threshold;
  if (op == ">") return value > threshold;
  if (op == "<=") return value <= threshold;
  if (op == "<") return value < threshold;
  return value == threshold;  // "=="
}

}  // namespace

std::string RunKindName(int kind) {
  switch (kind) {
    case kRunTrain:
      return "train";
    case kRunEval:
      return "eval";
    case kRunValidation:
      return "validation";
    default:
      return absl::StrCat("kind ", kind);
  }
}

absl::StatusOr<store::MetricSelector> ParseMetricName(const std::string& metric) {
  store::MetricSelector out;
  out.key = metric;
  const size_t dot = metric.find('.');
  if (dot != std::string::npos) {
    const std::string first = metric.substr(0, dot);
    for (int kind : {kRunTrain, kRunEval, kRunValidation}) {
      if (first == RunKindName(kind)) {
        out.kind = kind;
        out.key = metric.substr(dot + 1);
      }
    }
  }
  if (out.key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("metric '", metric, "' has an empty key"));
  }
  if (out.key.size() > kMaxMetricKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric key is longer than ", kMaxMetricKeyBytes, " bytes"));
  }
  return out;
}

std::string FormatMetricRule(const store::MetricRuleRecord& rule) {
  return absl::StrCat(rule.metric, rule.op, Number(rule.value));
}

absl::Status ValidatePolicy(store::PolicyRecord& policy) {
  for (int kind : policy.require_runs) {
    if (kind < kRunTrain || kind > kRunValidation) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: required run kind ", kind, " is not train, eval or validation"));
    }
  }
  std::sort(policy.require_runs.begin(), policy.require_runs.end());
  policy.require_runs.erase(std::unique(policy.require_runs.begin(), policy.require_runs.end()),
                            policy.require_runs.end());
  for (const store::MetricRuleRecord& rule : policy.require_metrics) {
    absl::StatusOr<store::MetricSelector> metric = ParseMetricName(rule.metric);
    if (!metric.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: bad metric rule: ", metric.status().message()));
    }
    static const char* const kOps[] = {">=", ">", "<=", "<", "=="};
    if (std::find(std::begin(kOps), std::end(kOps), rule.op) == std::end(kOps)) {
      return absl::InvalidArgumentError(absl::StrCat("policy: metric rule on '", rule.metric,
                                                     "' has operator '", rule.op,
                                                     "'; use >=, >, <=, < or =="));
    }
    if (!std::isfinite(rule.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: metric rule on '", rule.metric, "' has a non-finite value"));
    }
  }
  if (policy.require_metrics.size() > 100) {
    return absl::InvalidArgumentError("policy: more than 100 metric rules");
  }
  if (policy.require_reviews < 0 || policy.require_reviews > 100) {
    return absl::InvalidArgumentError("policy: require_reviews must be between 0 and 100");
  }
  return absl::OkStatus();
}

bool IsEmptyPolicy(const store::PolicyRecord& policy) {
  return policy.require_runs.empty() && policy.require_metrics.empty() &&
         policy.require_reviews == 0;
}

namespace {

// The changesets whose runs count for `number`: itself, then, while it is a merge whose tree
// is exactly its merge parent's (the source taken whole, as when integration is merged into
// main), that merge parent. Runs validate a version of the files; a merge that changed
// nothing of the validated source needs no second validation before a release.
absl::StatusOr<std::vector<int64_t>> VouchingChangesets(store::MetadataTxn& txn,
                                                        int64_t repo_id, int64_t number) {
  std::vector<int64_t> out = {number};
  ASSIGN_OR_RETURN(store::ChangesetRecord cs, txn.GetChangeset(repo_id, number));
  while (cs.merge_parent.has_value() && out.size() < 64) {
    ASSIGN_OR_RETURN(store::ChangesetRecord source, txn.GetChangeset(repo_id, *cs.merge_parent));
    if (source.root_tree != cs.root_tree) break;
    out.push_back(source.number);
    cs = std::move(source);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> UnmetPolicyRules(store::MetadataTxn& txn,
                                                          int64_t repo_id,
                                                          const std::string& branch,
                                                          int64_t number) {
  absl::StatusOr<store::BranchRecord> b = txn.GetBranch(repo_id, branch, /*for_update=*/false);
  if (absl::IsNotFound(b.status())) {
    return absl::NotFoundError(absl::StrCat("unknown branch '", branch, "'"));
  }
  RETURN_IF_ERROR(b.status());
  ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> policy,
                   txn.GetBranchPolicy(repo_id, branch));
  std::vector<std::string> unmet;
  if (!policy.has_value()) return unmet;
  ASSIGN_OR_RETURN(std::vector<int64_t> vouching, VouchingChangesets(txn, repo_id, number));
  if (!policy->require_runs.empty()) {
    std::vector<int> kinds;
    for (int64_t n : vouching) {
      ASSIGN_OR_RETURN(std::vector<int> at, txn.SucceededRunKindsAt(repo_id, n));
      kinds.insert(kinds.end(), at.begin(), at.end());
    }
    for (int kind : policy->require_runs) {
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        unmet.push_back(absl::StrCat("a succeeded ", RunKindName(kind), " run at @", number,
                                     " is required; there is none"));
      }
    }
  }
  for (const store::MetricRuleRecord& rule : policy->require_metrics) {
    ASSIGN_OR_RETURN(store::MetricSelector metric, ParseMetricName(rule.metric));
    std::optional<double> value;
    for (int64_t n : vouching) {
      ASSIGN_OR_RETURN(value, txn.MetricValueAt(repo_id, metric, n));
      if (value.has_value()) break;
    }
    if (!value.has_value()) {
      unmet.push_back(absl::StrCat(FormatMetricRule(rule), " is required; @", number,
                                   " has no value of ", rule.metric));
    } else if (!Holds(*value, rule.op, rule.value)) {
      unmet.push_back(absl::StrCat(FormatMetricRule(rule), " is required; @", number, " has ",
                                   rule.metric, "=", Number(*value)));
    }
  }
  if (policy->require_reviews > 0) {
    ASSIGN_OR_RETURN(store::ChangesetRecord cs, txn.GetChangeset(repo_id, number));
    ASSIGN_OR_RETURN(std::vector<store::ApproverRecord> approvers,
                     txn.ListApprovers(repo_id, number));
    const int64_t others = std::count_if(approvers.begin(), approvers.end(),
                                         [&](const auto& a) { return a.user_id != cs.author_id; });
    if (others < policy->require_reviews) {
      unmet.push_back(absl::StrCat(policy->require_reviews,
                                   policy->require_reviews == 1 ? " approval" : " approvals",
                                   " by someone other than the author of @", number,
                                   " required; it has ", others));
    }
  }
  return unmet;
}

absl::Status RefuseDirectSubmit(store::MetadataTxn& txn, int64_t repo_id,
                                const std::string& branch) {
  ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> policy,
                   txn.GetBranchPolicy(repo_id, branch));
  if (!policy.has_value()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "branch '", branch, "' has a policy: changes reach it by merge of a changeset that meets "
      "it (submit to another branch, then merge it into '", branch, "')"));
}

}  // namespace mlvc::server::core
