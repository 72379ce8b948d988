// Runs with their params, metrics, inputs, outputs and environment; reviews; branch policies: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/run_sql.cc, policy_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/changeset_txn.h"

namespace mlvc::server::store {

// Kinds and statuses use record.proto's numbers: kind 1 train, 2 eval, 3 validation;
// status 1 succeeded, 2 failed, 3 running.
struct RunMetricRecord {
  std::string key;
  double value = 0;
  std::optional<int64_t> step;  // nullopt for a single value
};

struct RunInputRecord {
  int64_t repo_id = 0;
  std::string repository;  // filled on reads
  std::string path;
  int64_t number = 0;
  std::string content_id;  // a file's content id or a directory's tree hash
  bool directory = false;
};

struct RunOutputRecord {
  std::string path;
  std::string content_id;
};

struct RunRecord {
  int64_t id = 0;  // assigned by InsertRun
  int64_t repo_id = 0;
  int64_t number = 0;
  int kind = 1;
  std::string name;
  int status = 1;
  int64_t user_id = 0;
  std::string user_name;  // filled on reads
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;  // 0: not finished
  int64_t recorded_at_micros = 0;  // filled on reads (the database clock)
  std::string record_id;           // empty when none
  std::vector<std::pair<std::string, std::string>> params;    // sorted by key on reads
  std::vector<RunMetricRecord> metrics;                       // by key, then step, on reads
  std::vector<RunInputRecord> inputs;                         // in recorded order
  std::vector<RunOutputRecord> outputs;                       // sorted by path on reads
  std::string env_file_name;
  std::string env_file_content_id;                            // empty when none
  std::vector<std::pair<std::string, std::string>> packages;  // name -> version, sorted
  std::vector<std::pair<std::string, std::string>> env_vars;  // sorted by key
};

// Which runs ListRunIds returns.
struct RunFilter {
  std::vector<FirstParentSegment> segments;  // empty: the whole repository
  std::vector<int> kinds;                    // empty: any
  std::optional<int64_t> number;             // only at this changeset
  int64_t before_id = 0;                     // 0: from the newest
  int limit = 50;
};

// One point of a metric's history: the value the newest run at changeset `number` (of the
// wanted kind) contributes (its single value or its series' last step).
struct MetricPointRecord {
  int64_t number = 0;
  int64_t run_id = 0;
  int kind = 0;
  double value = 0;
};

// Which metric a history query reads: `key` of runs of `kind` (0: any kind).
struct MetricSelector {
  std::string key;
  int kind = 0;
};

// A point that FindMetricRegressions reports, with the point before it in the segment
// (prev_number -1 for the segment's first point, which is always returned).
struct MetricStepRecord {
  MetricPointRecord point;
  int64_t prev_number = -1;
  double prev_value = 0;
};

// When a point counts as a regression (record.proto FindRegressionsRequest).
struct RegressionRule {
  bool higher_is_better = true;
  std::optional<double> drop;
  std::optional<double> below;
};

struct MetricRuleRecord {
  std::string metric;  // as in MetricHistoryRequest.metric ("eval.accuracy")
  std::string op;      // ">=", ">", "<=", "<", "=="
  double value = 0;
};

struct PolicyRecord {
  std::vector<int> require_runs;  // run kinds
  std::vector<MetricRuleRecord> require_metrics;
  int require_reviews = 0;
  std::string set_by;          // user name, filled on reads
  int64_t set_at_micros = 0;   // filled on reads
};

struct ApproverRecord {
  int64_t user_id = 0;
  std::string name;
};

// Not thread-safe, like the MetadataTxn it is part of.
class RunTxn {
 public:
  virtual ~RunTxn() = default;

  // Inserts `run` (its repo_id, number, ... and every child list, a few statements in all)
  // and returns its id. ALREADY_EXISTS when its record_id is taken; NOT_FOUND for an unknown
  // changeset, user or environment content.
  virtual absl::StatusOr<int64_t> InsertRun(const RunRecord& run) = 0;
  // The run recorded with this record id, if any.
  virtual absl::StatusOr<std::optional<int64_t>> FindRunByRecordId(
      int64_t repo_id, const std::string& record_id) = 0;
  // Runs of `repo_id` by id, complete, in the order of `ids`; unknown ids are left out.
  virtual absl::StatusOr<std::vector<RunRecord>> GetRuns(int64_t repo_id,
                                                         const std::vector<int64_t>& ids) = 0;
  // Ids of the runs `filter` selects, newest (highest id) first.
  virtual absl::StatusOr<std::vector<int64_t>> ListRunIds(int64_t repo_id,
                                                          const RunFilter& filter) = 0;
  // The newest run (highest number, then id) of `kind` in `segment`, if any.
  virtual absl::StatusOr<std::optional<int64_t>> NewestRunInSegment(
      int64_t repo_id, const FirstParentSegment& segment, int kind) = 0;
  // Training runs of `repo_id` whose outputs hold `content_id`, newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<int64_t>> TrainingRunsWithOutput(
      int64_t repo_id, const std::string& content_id, int limit) = 0;
  // Runs of `repo_id` of one of `kinds` that read `content_id` as an input, newest first.
  virtual absl::StatusOr<std::vector<int64_t>> RunsWithInput(int64_t repo_id,
                                                             const std::string& content_id,
                                                             const std::vector<int>& kinds,
                                                             int limit) = 0;
  // Points of `metric` in `segment` with numbers above `after_number`, oldest first, at most
  // `limit`: one per changeset (the newest run's).
  virtual absl::StatusOr<std::vector<MetricPointRecord>> MetricPoints(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      int64_t after_number, int limit) = 0;
  // The newest point of `metric` in `segment` at or below `at_most`, if any.
  virtual absl::StatusOr<std::optional<MetricPointRecord>> LastMetricPoint(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      int64_t at_most) = 0;
  // The best value (max when `higher_is_better`, else min) among points of `metric` in
  // `segment` at or below `at_most`, if any.
  virtual absl::StatusOr<std::optional<double>> BestMetricValue(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      int64_t at_most, bool higher_is_better) = 0;
  // Points of `metric` in `segment`, oldest first, that are worse than the point before them
  // per `rule`, plus the segment's first point (prev_number -1); at most `limit`.
  virtual absl::StatusOr<std::vector<MetricStepRecord>> FindMetricRegressions(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      const RegressionRule& rule, int limit) = 0;
  // The value of `metric` at changeset `number` (the newest run's), if any.
  virtual absl::StatusOr<std::optional<double>> MetricValueAt(int64_t repo_id,
                                                              const MetricSelector& metric,
                                                              int64_t number) = 0;
  // The kinds of SUCCEEDED runs at changeset `number`, ascending, distinct.
  virtual absl::StatusOr<std::vector<int>> SucceededRunKindsAt(int64_t repo_id,
                                                               int64_t number) = 0;
  // Records `user_id`'s approval of changeset `number` (kept as it is when present).
  // NOT_FOUND for an unknown changeset.
  virtual absl::Status AddApproval(int64_t repo_id, int64_t number, int64_t user_id,
                                   const std::string& note) = 0;
  // Approvers of changeset `number`, sorted by name.
  virtual absl::StatusOr<std::vector<ApproverRecord>> ListApprovers(int64_t repo_id,
                                                                    int64_t number) = 0;
  // Replaces `branch`'s policy. NOT_FOUND for an unknown branch.
  virtual absl::Status SetBranchPolicy(int64_t repo_id, const std::string& branch,
                                       const PolicyRecord& policy, int64_t set_by) = 0;
  // Removes `branch`'s policy (none: no-op).
  virtual absl::Status DeleteBranchPolicy(int64_t repo_id, const std::string& branch) = 0;
  // `branch`'s policy, if it has one.
  virtual absl::StatusOr<std::optional<PolicyRecord>> GetBranchPolicy(
      int64_t repo_id, const std::string& branch) = 0;
};

}  // namespace mlvc::server::store
