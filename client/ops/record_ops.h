// The ML record from the client: recording runs, pushing a model with its run in
// one transaction, and the questions asked of a model (params, metrics, lineage, what changed
// since training, environment differences, regressions), reviews and branch policies.
// The pure parts (argument parsing into a RunSpec, metric and param comparisons, policy rule
// parsing) are separate functions so they are tested without a server; the rest is thin over
// client/remote (and client/wc for push-model).
// Requires: client/remote, client/wc, common/record. Used by: client/cli (run, runs,
// push-model, params, metrics, regressions, lineage, since-training, env, explain, review,
// policy).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"
#include "common/record/environment_file.h"

namespace mlvc::client::ops {

// ---- pure parts ----

// "train", "eval" or "validation" (any case). INVALID_ARGUMENT otherwise.
absl::StatusOr<remote::RunKind> ParseRunKind(const std::string& word);
// "train", "eval", "validation"; "unspecified" for kUnspecified.
std::string RunKindName(remote::RunKind kind);
// "succeeded", "failed", "running" ("succeeded" for kUnspecified, as the server records it).
std::string RunStatusName(remote::RunStatus status);
// "code", "data", "config", "model", "dependencies".
std::string PathClassName(remote::PathClass path_class);

// `--input REPO/PATH[@REF]`: the first segment names the repository ("." for the run's own);
// the ref follows the last '@' (empty: main). INVALID_ARGUMENT when there is no path after
// the repository, or the ref is empty after '@'.
absl::StatusOr<remote::RunInputSpec> ParseInputSpec(const std::string& arg);

// `MODEL[@REF]`, `@REF`, `REF`: the part before the last '@' is a path (empty for "@REF"),
// the part after it a ref. Without '@' the whole argument is `path` when `default_is_path`,
// else the ref.
struct PathAtRef {
  std::string path;
  std::string ref;
};
PathAtRef SplitPathAtRef(const std::string& arg, bool default_is_path);

// The run options of `mlvc run record` and `mlvc push-model`, as given on the command line.
// Files are paths as the user typed them (relative to the current directory).
struct RunOptions {
  std::string kind;  // train|eval|validation
  std::string name;
  std::string params_file;
  std::vector<std::string> params;  // K=V, applied after the file's keys (they win)
  std::string metrics_file;
  std::vector<std::string> metrics;  // K=V, numbers
  std::vector<std::string> inputs;   // REPO/PATH[@REF]
  std::vector<std::string> outputs;  // repository paths
  std::string env_file;
  std::vector<std::string> env_vars;  // K=V
};

// A run checked and ready to send, with the environment file to upload before it.
struct PreparedRun {
  remote::RunSpec spec;           // environment.file_content_id set when there is a file
  std::string env_path;           // the file to upload (as given); empty when none
  uint64_t env_size = 0;
  common::PackageVersions packages;  // what the file pins, parsed locally (for display)
};

// Reads the params, metrics and environment files and parses every option, so that a bad
// one is refused before anything is sent: INVALID_ARGUMENT naming the file or option for an
// unreadable or malformed params/metrics/environment file, a non-numeric metric ("metric
// 'acc' is not a number: 'high'"), a bad K=V, kind or input. `default_kind` applies when
// options.kind is empty.
absl::StatusOr<PreparedRun> PrepareRun(const RunOptions& options,
                                       remote::RunKind default_kind = remote::RunKind::kUnspecified);

// Key -> value of a run's metrics, a series contributing its last step, each key prefixed
// with `prefix` ("eval." gives "eval.accuracy"; may be empty).
std::map<std::string, double> LatestMetrics(const remote::RunInfo& run, const std::string& prefix);

// One row of a side-by-side comparison; a side is absent when it has no such key.
struct MetricDiffRow {
  std::string key;
  std::optional<double> a;
  std::optional<double> b;
  std::optional<double> change;  // b - a when both are present
};
// Every key of either side, sorted.
std::vector<MetricDiffRow> DiffMetrics(const std::map<std::string, double>& a,
                                       const std::map<std::string, double>& b);

struct ParamDiffRow {
  std::string key;
  std::optional<std::string> a;
  std::optional<std::string> b;
};
// The keys whose values differ (or exist on one side only), sorted; every key with `all`.
std::vector<ParamDiffRow> DiffParams(const std::vector<remote::RunParam>& a,
                                     const std::vector<remote::RunParam>& b, bool all);

// The packages of a run's environment as a map.
common::PackageVersions PackagesOf(const remote::RunInfo& run);

// "eval.accuracy>=0.92" (ops >=, >, <=, <, ==; spaces allowed around them). INVALID_ARGUMENT
// for a missing operator, metric or non-numeric value.
absl::StatusOr<remote::MetricRuleInfo> ParseMetricRule(const std::string& text);
// "eval.accuracy>=0.92" (the value in shortest round-trip form).
std::string FormatMetricRule(const remote::MetricRuleInfo& rule);
// A number in its shortest round-trip form ("0.1", "32").
std::string FormatNumber(double value);

// ---- with a server (each may also return what any server call returns) ----

// Uploads `run`'s environment file for `repository` when the server lacks it (nothing
// without one). DATA_LOSS when the file changed since PrepareRun.
absl::Status UploadRunEnvironment(const Endpoint& endpoint, const std::string& repository,
                                  const PreparedRun& run);

// Uploads the environment file (when the server lacks it) and records the run against `ref`
// with a fresh record id. RecordRun's errors (remote.h); DATA_LOSS when the environment file
// changed since PrepareRun.
absl::StatusOr<remote::RunInfo> RecordRun(const Endpoint& endpoint, const std::string& repository,
                                          const std::string& ref, const PreparedRun& run);

absl::StatusOr<std::vector<remote::RunInfo>> ListRuns(const Endpoint& endpoint,
                                                      const remote::RunQuery& query);
absl::StatusOr<remote::RunInfo> GetRun(const Endpoint& endpoint, const std::string& repository,
                                       int64_t id);

// The run an argument of `params`/`params diff`/`env diff` names: with a path (MODEL@REF or
// a bare MODEL when `default_is_path`), the training run that produced it; else the newest
// training run at the ref or its nearest ancestor. NOT_FOUND when there is none.
absl::StatusOr<remote::FoundRun> FindTrainingRun(const Endpoint& endpoint,
                                                 const std::string& repository,
                                                 const PathAtRef& target);

// The metrics that apply at a ref: the newest run of each kind at the ref's changeset or its
// nearest ancestor, keys prefixed with the kind ("train.loss", "eval.accuracy").
struct RefMetrics {
  int64_t number = 0;                   // the ref's changeset
  std::vector<remote::RunInfo> runs;    // train, eval, validation (those that exist)
  std::map<std::string, double> values;
};
// NOT_FOUND for an unknown ref; no runs at all is an empty result, not an error.
absl::StatusOr<RefMetrics> MetricsAt(const Endpoint& endpoint, const std::string& repository,
                                     const std::string& ref);

absl::StatusOr<remote::ModelExplanation> ExplainModel(const Endpoint& endpoint,
                                                      const std::string& repository,
                                                      const std::string& path,
                                                      const std::string& ref);
absl::StatusOr<std::vector<remote::MetricPointInfo>> MetricHistory(
    const Endpoint& endpoint, const remote::MetricHistoryQuery& query);
absl::StatusOr<std::vector<remote::RegressionInfo>> FindRegressions(
    const Endpoint& endpoint, const remote::RegressionQuery& query);
absl::StatusOr<remote::ApprovalInfo> Approve(const Endpoint& endpoint,
                                             const std::string& repository,
                                             const std::string& ref, const std::string& note);
absl::StatusOr<remote::PolicyInfo> SetPolicy(const Endpoint& endpoint,
                                             const std::string& repository,
                                             const std::string& branch,
                                             const remote::PolicyInfo& policy);
absl::StatusOr<remote::BranchPolicyInfo> GetPolicy(const Endpoint& endpoint,
                                                   const std::string& repository,
                                                   const std::string& branch);
absl::StatusOr<remote::PolicyCheckInfo> CheckPolicy(const Endpoint& endpoint,
                                                    const std::string& repository,
                                                    const std::string& branch,
                                                    const std::string& ref);

// ---- push-model ----

struct PushModelOutcome {
  std::string repository;
  std::string branch;
  int64_t number = 0;  // the new changeset
  bool replayed = false;
  std::vector<std::string> paths;  // repository paths committed, sorted
  remote::RunInfo run;
};

// In working copy `wc`: puts each file at its place (`files` are paths as given, relative to
// `cwd_abspath`; with `to_dir`, a repository folder, each file is copied to
// TO_DIR/BASENAME unless it already is there), schedules new ones for addition, and commits
// only those paths (other local edits stay) with the run recorded in the same transaction
// (Commit's PushModel hook). Nothing lands when the run cannot be recorded.
// INVALID_ARGUMENT for an empty message, no files, a file that is not a regular file, a path
// outside the working copy without `to_dir`; NOT_FOUND for a missing file; FAILED_PRECONDITION
// when the files are unchanged (nothing to push); plus Commit's and PushModel's errors.
absl::StatusOr<PushModelOutcome> PushModelInWorkingCopy(wc::WorkingCopy& wc,
                                                        const Endpoint& endpoint,
                                                        const std::string& cwd_abspath,
                                                        const std::vector<std::string>& files,
                                                        const std::string& to_dir,
                                                        const std::string& message,
                                                        const PreparedRun& run);

// Without a working copy: a sparse temporary checkout of the target paths of `branch`
// (empty: main) in a fresh temporary folder, then as above; the folder is removed after.
// Files land at TO_DIR/BASENAME (the repository root without `to_dir`).
absl::StatusOr<PushModelOutcome> PushModelToRepository(const Endpoint& endpoint,
                                                       const std::string& repository,
                                                       const std::string& branch,
                                                       const std::vector<std::string>& files,
                                                       const std::string& to_dir,
                                                       const std::string& message,
                                                       const PreparedRun& run);

}  // namespace mlvc::client::ops
