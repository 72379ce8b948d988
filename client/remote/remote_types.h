// Plain C++ values exchanged with an mlvc server: what client/remote returns and takes, so
// that no protobuf or gRPC type leaves client/remote.
// Requires: nothing. Used by: client/remote, client/ops, client/cli (through ops).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlvc::client::remote {

enum class EntryKind { kText, kBinary };
enum class ChangeAction { kAdd, kModify, kDelete };

struct RepositoryInfo {
  std::string name;
  int64_t created_at_micros = 0;  // since the Unix epoch, UTC
  std::string created_by;
  // The role of every signed-in user without one of their own: "none", "reader", "writer".
  std::string default_role;
  // The caller's role on it ("reader", "writer", "maintainer"); filled by listings only.
  std::string role;
};

struct BranchInfo {
  std::string name;
  int64_t head = 0;
};

struct ResolvedRef {
  int64_t number = 0;
  std::string branch;  // empty when the ref was a changeset number or a label
  std::string label;   // the label, when the ref named one
};

// A label: an immutable name for a changeset.
struct LabelInfo {
  std::string name;
  int64_t number = 0;
  std::string notes;
  std::string created_by;
  int64_t created_at_micros = 0;
};

// One file of a changeset's tree.
struct TreeFile {
  std::string path;
  EntryKind kind = EntryKind::kBinary;
  bool executable = false;
  uint64_t size = 0;
  std::string content_id;
};

struct ChangedPathInfo {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  std::string content_id;  // empty for kDelete
};

struct ChangesetInfo {
  int64_t number = 0;
  std::optional<int64_t> parent;        // absent for @0
  std::optional<int64_t> merge_parent;  // absent unless a merge
  std::string author;
  int64_t created_at_micros = 0;
  std::string message;
  std::string root_tree;
  std::vector<ChangedPathInfo> changed_paths;  // only when asked for
};

struct LogQuery {
  std::string repository;
  std::string ref;   // branch or changeset number; empty: "main"
  std::string path;  // empty: every changeset
  int32_t limit = 0;  // 0: the server's default (100)
  bool with_paths = false;
  // Every changeset reachable through first and merge parents (for a graph); no `path`.
  bool all_parents = false;
};

struct FileChange {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  std::optional<TreeFile> from;  // absent for kAdd
  std::optional<TreeFile> to;    // absent for kDelete
  std::string unified_diff;      // asked for with_text: a text file's diff (<= 1 MiB sides)
};

// One change of a submit.
struct SubmitChange {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  std::string content_id;  // new content for kAdd/kModify (already uploaded)
  EntryKind kind = EntryKind::kBinary;
  bool executable = false;
  std::string base_content_id;  // for kModify/kDelete: what the change is based on
};

struct SubmitRequest {
  std::string repository;
  std::string branch;
  int64_t base_number = 0;
  std::string submit_id;  // 1-64 chars [A-Za-z0-9-]; a retry must reuse it
  std::string message;
  std::vector<SubmitChange> changes;
  std::optional<int64_t> merge_parent;  // set when committing a working-copy merge
  bool keep_locks = false;  // keep the submitter's locks on the changed paths
};

// A lock of one path of one branch (LockService).
struct LockInfo {
  std::string path;
  std::string branch;
  std::string user;
  std::string comment;
  int64_t created_at_micros = 0;  // since the Unix epoch, UTC
};

// A path to lock with the content the working copy is based on there (empty: none).
struct LockTargetInfo {
  std::string path;
  std::string base_content_id;
};

struct SubmitResult {
  ChangesetInfo changeset;
  bool replayed = false;  // the submit_id had already landed
  // Text paths the server merged with upstream changes: the changeset holds content the
  // client does not have yet.
  std::vector<std::string> merged_paths;
};

// --- merge (HistoryService.Merge) ---

enum class MergeStrategy { kConflict, kOurs, kTheirs };

struct MergeRequest {
  std::string repository;
  std::string source;         // branch, label or changeset number
  std::string target_branch;
  std::string message;        // empty: the server's default
  bool preview = false;
  MergeStrategy strategy = MergeStrategy::kConflict;
  std::string submit_id;      // optional; a retry must reuse it
};

// One path a merge changes (relative to the target head), with its three versions.
struct MergedFileInfo {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  std::optional<TreeFile> result;  // absent for kDelete
  bool line_merged = false;
  std::optional<TreeFile> base, target, source;
};

struct MergeConflictInfo {
  std::string path;
  std::string reason;
  std::optional<TreeFile> base, target, source;
};

struct MergeOutcome {
  std::optional<ChangesetInfo> changeset;  // absent on preview / up to date
  std::vector<MergedFileInfo> files;
  std::vector<MergeConflictInfo> conflicts;  // only on preview
  int64_t base_number = 0;
  int64_t source_number = 0;
  int64_t target_number = 0;
  bool up_to_date = false;
  bool replayed = false;
};

// ---- Chunked transfer (Remote's chunk calls, chunk_transfer.cc) ----

// One chunk: its SHA-256 (64 lowercase hex digits) and its bytes.
struct ChunkPayload {
  std::string hash;
  std::string data;
  // Set on the first chunk of a content whose chunks all follow in this stream, in order
  // (proto ContentStart): the server verifies and records it as they arrive.
  std::string starts_content_id;
  uint64_t starts_content_size = 0;
};

// A content as the list of its chunks, in order (none for the empty content).
struct ContentManifest {
  std::string content_id;
  uint64_t size = 0;
  std::vector<std::string> chunk_hashes;
};

struct ManifestChunk {
  std::string hash;
  uint64_t length = 0;
};

// A content as the server describes it. `chunked` is false for a content stored whole
// (read it with DownloadToFile).
struct RemoteManifest {
  std::string content_id;
  uint64_t size = 0;
  bool chunked = false;
  std::vector<ManifestChunk> chunks;
};

// What the server said at the end of one UploadChunks stream.
struct UploadChunksStats {
  int64_t chunks_stored = 0;
  int64_t chunks_skipped = 0;
  uint64_t bytes_stored = 0;
};

// Chunk data that crossed the wire through one Remote, since it connected: bytes of chunk
// data (ChunkPayload::data) written to an UploadChunks stream, and read from ReadChunks.
struct TransferCounters {
  uint64_t chunk_bytes_sent = 0;
  uint64_t chunks_sent = 0;
  uint64_t chunk_bytes_received = 0;
  uint64_t chunks_received = 0;
};


// ---- ML record (RecordService, record_remote.cc; see proto/mlvc/v1/record.proto) ----

enum class RunKind { kUnspecified, kTrain, kEval, kValidation };
enum class RunStatus { kUnspecified, kSucceeded, kFailed, kRunning };

// A hyperparameter as text ("0.1", "adam"), under a dotted key.
struct RunParam {
  std::string key;
  std::string value;
};

// One metric value; `step` set for a point of a series.
struct RunMetric {
  std::string key;
  double value = 0;
  std::optional<int64_t> step;
};

// An input as the client names it: repository (empty: the run's own), path, ref (empty: main).
struct RunInputSpec {
  std::string repository;
  std::string path;
  std::string ref;
};

// An input as recorded: resolved to a changeset and a content id (tree hash for a folder).
struct RunInput {
  std::string repository;
  std::string path;
  int64_t number = 0;
  std::string content_id;
  bool directory = false;
};

struct RunOutput {
  std::string path;
  std::string content_id;
};

struct PackageInfo {
  std::string name;
  std::string version;
};

struct RunEnvironment {
  std::string file_name;        // as given ("requirements.txt"); empty when none
  std::string file_content_id;  // uploaded before recording
  std::vector<PackageInfo> packages;  // parsed by the server, sorted by name (replies only)
  std::vector<std::pair<std::string, std::string>> vars;  // sorted by key
};

// What the client says about a run.
struct RunSpec {
  RunKind kind = RunKind::kUnspecified;
  std::string name;
  RunStatus status = RunStatus::kUnspecified;
  int64_t started_at_micros = 0;   // 0: now
  int64_t finished_at_micros = 0;  // 0: now
  std::vector<RunParam> params;
  std::vector<RunMetric> metrics;
  std::vector<RunInputSpec> inputs;
  std::vector<std::string> outputs;
  RunEnvironment environment;
};

// A recorded run.
struct RunInfo {
  int64_t id = 0;
  std::string repository;
  int64_t number = 0;
  RunKind kind = RunKind::kUnspecified;
  std::string name;
  RunStatus status = RunStatus::kUnspecified;
  std::string user;
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;
  int64_t recorded_at_micros = 0;
  std::vector<RunParam> params;
  std::vector<RunMetric> metrics;
  std::vector<RunInput> inputs;
  std::vector<RunOutput> outputs;
  RunEnvironment environment;
};

struct RunQuery {
  std::string repository;
  std::string branch;  // empty: every run of the repository
  RunKind kind = RunKind::kUnspecified;
  int64_t number = 0;     // 0: any changeset
  int32_t limit = 0;      // 0: the server's default (50)
  int64_t before_id = 0;  // paging: the last id of the previous page
};

// FindRun's answer: the run and the changeset the ref resolved to.
struct FoundRun {
  RunInfo run;
  int64_t number = 0;
};

enum class PathClass { kUnspecified, kCode, kData, kConfig, kModel, kDependencies };

struct ClassifiedPath {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  PathClass path_class = PathClass::kCode;
};

struct ChangeSummary {
  ChangesetInfo changeset;
  std::vector<ClassifiedPath> paths;
};

struct ChangesSinceInfo {
  std::vector<ChangeSummary> changes;  // oldest first
  int64_t head = 0;
  std::vector<ClassifiedPath> net_paths;  // sorted by path
};

struct PackageVersionChange {
  std::string name;
  std::string old_version;  // empty when added
  std::string new_version;  // empty when removed
};

struct ReleaseRefInfo {
  std::string version;
  int64_t number = 0;
  std::vector<std::string> live_in;
};

// ExplainModel's answer.
struct ModelExplanation {
  std::string path;
  int64_t number = 0;
  std::string content_id;
  std::optional<RunInfo> training;
  std::vector<RunInfo> evaluations;  // newest first
  std::optional<RunInput> parent_model;
  ChangesSinceInfo since_training;
  std::vector<PackageVersionChange> environment_changes;
  std::vector<ReleaseRefInfo> releases;
};

struct MetricPointInfo {
  int64_t number = 0;
  double value = 0;
  double delta = 0;
  bool improved = false;
  int64_t run_id = 0;
  RunKind kind = RunKind::kUnspecified;
  std::string author;
  std::string message;
};

struct MetricHistoryQuery {
  std::string repository;
  std::string metric;
  std::string branch;  // empty: main
  bool higher_is_better = true;
  int32_t limit = 0;
  int64_t after_number = 0;
};

struct RegressionInfo {
  MetricPointInfo point;
  int64_t previous_number = 0;
  double previous_value = 0;
  std::vector<ChangeSummary> changes;
};

struct RegressionQuery {
  std::string repository;
  std::string metric;
  std::string branch;
  bool higher_is_better = true;
  std::optional<double> drop;
  std::optional<double> below;
  int32_t limit = 0;
};

struct ApprovalInfo {
  int64_t number = 0;
  std::vector<std::string> approvers;  // sorted
};

// "eval.accuracy>=0.92"
struct MetricRuleInfo {
  std::string metric;
  std::string op;
  double value = 0;
};

struct PolicyInfo {
  std::vector<RunKind> require_runs;
  std::vector<MetricRuleInfo> require_metrics;
  int32_t require_reviews = 0;
  bool empty() const {
    return require_runs.empty() && require_metrics.empty() && require_reviews == 0;
  }
};

struct BranchPolicyInfo {
  PolicyInfo policy;
  std::string set_by;  // empty when the branch has no policy
  int64_t set_at_micros = 0;
};

struct PolicyCheckInfo {
  int64_t number = 0;
  std::vector<std::string> unmet;  // empty: the changeset meets the policy
};

struct PushModelResult {
  SubmitResult submit;
  RunInfo run;
};

}  // namespace mlvc::client::remote
