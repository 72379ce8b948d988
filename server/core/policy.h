// Branch policies (record.proto Policy): what a changeset must have before it may reach a
// branch by merge (or be released from it), checked inside the caller's transaction; and
// the parsing shared with metric questions ("eval.accuracy" = key "accuracy" of eval runs).
// Requires: store/metadata_store.h. Used by: RecordService, MergeService, Submit, releases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// record.proto RunKind numbers.
inline constexpr int kRunTrain = 1;
inline constexpr int kRunEval = 2;
inline constexpr int kRunValidation = 3;
inline constexpr size_t kMaxMetricKeyBytes = 256;

// "train", "eval", "validation" ("kind N" for anything else).
std::string RunKindName(int kind);

// "eval.accuracy" -> {key "accuracy", kind eval}; a first segment that is not a kind name
// ("loss.val") keeps the whole key, kind 0 (any). INVALID_ARGUMENT for an empty or over-long
// key.
absl::StatusOr<store::MetricSelector> ParseMetricName(const std::string& metric);

// "eval.accuracy>=0.92".
std::string FormatMetricRule(const store::MetricRuleRecord& rule);

// Checks a policy as a client sent it: kinds 1-3, metric names as ParseMetricName, ops
// ">=", ">", "<=", "<", "==", finite values, 0-100 reviews. INVALID_ARGUMENT naming the bad
// rule. Duplicate kinds are dropped.
absl::Status ValidatePolicy(store::PolicyRecord& policy);

// True when the policy requires nothing (SetPolicy removes it).
bool IsEmptyPolicy(const store::PolicyRecord& policy);

// One sentence per unmet rule of `branch`'s policy for changeset `number`; empty when met
// or when the branch has no policy. NOT_FOUND for an unknown branch. Runs and metrics count
// from `number` and, when `number` is a merge whose tree equals its merge parent's, from that
// merge parent (a merge that took the validated source whole is as validated as it).
absl::StatusOr<std::vector<std::string>> UnmetPolicyRules(store::MetadataTxn& txn,
                                                          int64_t repo_id,
                                                          const std::string& branch,
                                                          int64_t number);

// FAILED_PRECONDITION "branch 'B' has a policy: changes reach it by merge ..." when `branch`
// has a policy (direct submits and PushModel are refused there); OK otherwise.
absl::Status RefuseDirectSubmit(store::MetadataTxn& txn, int64_t repo_id,
                                const std::string& branch);

}  // namespace mlvc::server::core
