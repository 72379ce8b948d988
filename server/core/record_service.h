// The ML record (proto/mlvc/v1/record.proto RecordService): runs recorded against
// changesets, PushModel (a submit and its run in one transaction), the questions asked of a
// model (explain, changes since, metric history, regressions), reviews and branch policies.
// Runs and policies use the store's records (store/metadata_store.h, runs section).
// Requires: store/metadata_store.h, store/blob_store.h, HistoryService. Used by: server/rpc
// (RecordServiceImpl), tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/history_service.h"
#include "server/core/path_class.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

inline constexpr size_t kMaxRunParams = 10000;
inline constexpr size_t kMaxRunMetrics = 100000;
inline constexpr size_t kMaxRunNameBytes = 256;

struct RunInputSpec {
  std::string repository;  // empty: the run's own
  std::string path;
  std::string ref;         // empty: "main"
};

// What a client says about a run (record.proto RunSpec).
struct RunSpec {
  int kind = 0;    // 1 train, 2 eval, 3 validation
  std::string name;
  int status = 0;  // 0 or 1 succeeded, 2 failed, 3 running
  int64_t started_at_micros = 0;   // 0: now
  int64_t finished_at_micros = 0;  // 0: now (unless running)
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<store::RunMetricRecord> metrics;
  std::vector<RunInputSpec> inputs;
  std::vector<std::string> outputs;
  std::string env_file_name;
  std::string env_file_content_id;  // empty: none
  std::vector<std::pair<std::string, std::string>> env_vars;
};

struct PushModelResult {
  SubmitResult submit;
  store::RunRecord run;
};

struct ListRunsQuery {
  std::string repository;
  std::string branch;  // empty: every run
  int kind = 0;        // 0: any
  int64_t number = 0;  // 0: any
  int limit = 0;       // 0: 50; at most 1,000
  int64_t before_id = 0;
};

struct FoundRun {
  store::RunRecord run;
  int64_t number = 0;  // the changeset the ref resolved to
};

struct ClassifiedPath {
  std::string path;
  store::PathAction action = store::PathAction::kModify;
  PathClass path_class = PathClass::kCode;
};

struct ChangeSummary {
  store::ChangesetRecord changeset;
  std::vector<ClassifiedPath> paths;
};

struct ChangesSinceResult {
  std::vector<ChangeSummary> changes;  // oldest first
  int64_t head = 0;
  std::vector<ClassifiedPath> net_paths;  // sorted by path
};

struct PackageChange {
  std::string name;
  std::string old_version;  // empty when added
  std::string new_version;  // empty when removed
};

// Everything known about a model file at a ref (ExplainModel); `releases` are filled by the
// release service (release.proto), not here.
struct ModelExplanation {
  std::string path;
  int64_t number = 0;
  std::string content_id;
  std::optional<store::RunRecord> training;
  std::vector<store::RunRecord> evaluations;  // newest first, at most 20
  std::optional<store::RunInputRecord> parent_model;
  ChangesSinceResult since_training;          // empty without a training run
  std::vector<PackageChange> environment_changes;
  // Releases whose changeset holds this content, newest first, with where each is live.
  struct Release {
    std::string version;
    int64_t number = 0;
    std::vector<std::string> live_in;
  };
  std::vector<Release> releases;
};

struct MetricPoint {
  int64_t number = 0;
  double value = 0;
  double delta = 0;
  bool improved = false;
  int64_t run_id = 0;
  int kind = 0;
  std::string author;
  std::string message;
};

struct MetricQuery {
  std::string repository;
  std::string metric;  // "eval.accuracy"
  std::string branch;  // empty: "main"
  bool higher_is_better = true;
  int limit = 0;
  int64_t after_number = 0;      // MetricHistory paging
  std::optional<double> drop;    // FindRegressions
  std::optional<double> below;   // FindRegressions
};

struct Regression {
  MetricPoint point;
  int64_t previous_number = 0;
  double previous_value = 0;
  std::vector<ChangeSummary> changes;  // after previous_number up to point.number
};

struct PolicyCheck {
  int64_t number = 0;
  std::vector<std::string> unmet;
};

// Thread-safe (stateless beyond the stores).
class RecordService {
 public:
  RecordService(store::MetadataStore& metadata, store::BlobStore& blobs, HistoryService& history)
      : metadata_(metadata), blobs_(blobs), history_(history) {}

  // Records a run at `ref` (record.proto RecordRun for the errors). With a `record_id`
  // already used in the repository, returns that run. Needs writer (and reader on every
  // input repository).
  absl::StatusOr<store::RunRecord> RecordRun(const Caller& caller, const std::string& repository,
                                             const std::string& ref, const RunSpec& spec,
                                             const std::string& record_id);
  // HistoryService::Submit and RecordRun against the new changeset in one transaction; the
  // run's outputs default to the submitted (added or modified) paths. A replayed submit_id
  // returns the run recorded with it.
  absl::StatusOr<PushModelResult> PushModel(const Caller& caller, const SubmitRequest& submit,
                                            const RunSpec& spec);
  // NOT_FOUND "unknown run N" when absent.
  absl::StatusOr<store::RunRecord> GetRun(const Caller& caller, const std::string& repository,
                                          int64_t id);
  absl::StatusOr<std::vector<store::RunRecord>> ListRuns(const Caller& caller,
                                                         const ListRunsQuery& query);
  absl::StatusOr<FoundRun> FindRun(const Caller& caller, const std::string& repository,
                                   const std::string& ref, const std::string& model_path,
                                   int kind);
  // record_explain.cc
  absl::StatusOr<ModelExplanation> ExplainModel(const Caller& caller,
                                                const std::string& repository,
                                                const std::string& path, const std::string& ref);
  absl::StatusOr<ChangesSinceResult> ChangesSince(const Caller& caller,
                                                  const std::string& repository,
                                                  int64_t from_number, const std::string& branch,
                                                  int limit);
  absl::StatusOr<std::vector<MetricPoint>> MetricHistory(const Caller& caller,
                                                         const MetricQuery& query);
  absl::StatusOr<std::vector<Regression>> FindRegressions(const Caller& caller,
                                                          const MetricQuery& query);
  // Records the caller's approval; returns the changeset and every approver's name, sorted.
  absl::StatusOr<std::pair<int64_t, std::vector<std::string>>> ApproveChangeset(
      const Caller& caller, const std::string& repository, const std::string& ref,
      const std::string& note);
  // Replaces (an empty policy removes) `branch`'s policy; maintainers only; audited.
  absl::StatusOr<store::PolicyRecord> SetPolicy(const Caller& caller,
                                                const std::string& repository,
                                                const std::string& branch,
                                                store::PolicyRecord policy);
  // The branch's policy; nullopt when it has none. NOT_FOUND for an unknown branch.
  absl::StatusOr<std::optional<store::PolicyRecord>> GetPolicy(const Caller& caller,
                                                               const std::string& repository,
                                                               const std::string& branch);
  absl::StatusOr<PolicyCheck> CheckPolicy(const Caller& caller, const std::string& repository,
                                          const std::string& branch, const std::string& ref);

 private:
  store::MetadataStore& metadata_;
  store::BlobStore& blobs_;
  HistoryService& history_;
};

// Checks a RunSpec before any store access (kinds, names, keys, values, limits, paths),
// normalizing its paths and defaults. INVALID_ARGUMENT naming the problem.
absl::Status ValidateRunSpec(RunSpec& spec);

}  // namespace mlvc::server::core
