// The metadata store: users, tokens, repositories, branches, changesets, tree nodes,
// contents and the audit log, behind an interface that knows no SQL and no libpqxx.
//
// Core code runs every mutation inside MetadataStore::RunInTransaction and calls the
// MetadataTxn methods it needs; the Postgres implementation lives in store/postgres/.
// Requires: abseil. Used by: server/core.
//
// Error codes, with one meaning each across every method:
//   NOT_FOUND            the named row does not exist
//   ALREADY_EXISTS       a unique name or key is taken
//   FAILED_PRECONDITION  a compare-and-swap lost (branch head moved)
//   ABORTED              serialization failure or deadlock; RunInTransaction retries these
//   UNAVAILABLE          the database cannot be reached
//   DATA_LOSS            a stored value is corrupt
//   INTERNAL             anything else from the database
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

struct UserRecord {
  int64_t id = 0;
  std::string name;
  bool is_admin = false;
};

struct RepositoryRecord {
  int64_t id = 0;
  std::string name;
  std::string created_by;  // user name
  int64_t created_at_micros = 0;
};

struct BranchRecord {
  std::string name;
  int64_t head = 0;
};

enum class PathAction { kAdd, kModify, kDelete };

struct ChangedPathRecord {
  std::string path;
  PathAction action = PathAction::kAdd;
  std::string content_id;  // empty for kDelete
};

struct ChangesetRecord {
  int64_t number = 0;
  std::optional<int64_t> parent;
  std::optional<int64_t> merge_parent;
  std::string root_tree;
  int64_t author_id = 0;
  std::string author_name;      // filled on reads
  int64_t created_at_micros = 0;  // filled on reads (the database clock)
  std::string message;
  std::string submit_id;        // empty when none
};

struct TreeNodeRecord {
  std::string hash;
  std::string encoded;
};

// A label (branches-and-labels section below).
struct LabelRecord {
  std::string name;
  int64_t number = 0;
  std::string notes;
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

struct AuditRecord {
  std::optional<int64_t> user_id;
  std::string action;  // e.g. "repository.create", "submit", "user.create"
  std::optional<int64_t> repo_id;
  std::string target;  // what was acted on, free text
  std::string client_addr;
  std::string result;  // "ok" or the error
};

// ---- roles and locks (migration 0002) ----

// A user's role on one repository, ordered: each role may do what the lower ones may.
enum class Role { kReader = 1, kWriter = 2, kMaintainer = 3 };

struct RoleLookup {
  std::string repository;     // the repository's name (for messages)
  std::optional<Role> role;   // nullopt when the user has no row for the repository
};

// An exclusive lock of one path of one branch.
struct LockRecord {
  std::string branch;
  std::string path;
  int64_t user_id = 0;
  std::string user_name;          // filled on reads
  std::string comment;
  int64_t created_at_micros = 0;  // filled on reads (the database clock)
};

// ---- end of roles and locks ----

// ---- chunks and packs (migration 0004; store/postgres/chunk_sql.cc) ----

// Where a chunk's bytes are: `stored_length` bytes at `offset` of a pack, raw or compressed
// (codec: 0 raw, 1 zstd; server/store/pack/README.md).
struct ChunkRecord {
  std::string hash;  // SHA-256 hex of the raw bytes
  uint64_t offset = 0;
  uint64_t stored_length = 0;
  uint64_t raw_length = 0;
  int codec = 0;
};

// A chunk with the object key of its pack: enough to read it back.
struct ChunkLocation {
  ChunkRecord chunk;
  std::string pack_key;
};

// A page of a content's manifest: the content's size and chunk count, and its chunks from
// sequence number `first_seq` on, in order.
struct ContentManifest {
  uint64_t size = 0;
  int64_t chunk_count = 0;
  int64_t first_seq = 0;
  std::vector<ChunkLocation> chunks;
};

// A content's row (ContentService, issue 4): its size and, when chunked, its chunk count;
// nullopt for a content stored whole as one blob (schema 1).
struct ContentHead {
  std::string id;
  uint64_t size = 0;
  std::optional<int64_t> chunk_count;
};

// One manifest row: chunk `seq` (from 0) of content `content_id`, with its raw length on
// reads.
struct ContentChunkRow {
  std::string content_id;
  int64_t seq = 0;
  std::string chunk_hash;
  uint64_t raw_length = 0;  // filled on reads
};

// ---- end of chunks and packs ----

// ---- runs, reviews and policies (migration 0006; store/postgres/run_sql.cc, policy_sql.cc) ----

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

// A changeset's first-parent history is a list of segments (migration 0006 explains
// first-parent lines): the changesets of line `line` with numbers in (after, upto].
// Segments come newest first and cover disjoint, descending number ranges.
struct FirstParentSegment {
  int64_t line = 0;
  int64_t after = -1;
  int64_t upto = 0;
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

// ---- end of runs, reviews and policies ----

// ---- releases, deployments, events (migration 0007; store/postgres/release_sql.cc,
// event_sql.cc) ----

// A release: a label (same name) with notes. `id` orders releases by creation.
struct ReleaseRecord {
  int64_t id = 0;
  std::string version;
  int64_t number = 0;             // the label's changeset
  std::string notes;
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

enum class DeploymentKind { kDeploy, kRollback };

// One deployment of a release to an environment. The newest row of an environment is the
// release live there.
struct DeploymentRecord {
  int64_t id = 0;                 // filled on reads
  std::string environment;
  std::string version;
  int64_t number = 0;             // the release's changeset, filled on reads
  DeploymentKind kind = DeploymentKind::kDeploy;
  std::string note;
  std::string previous_version;   // empty for an environment's first deployment
  // The deployment a rollback from this one returns to (nullopt: nothing earlier).
  std::optional<int64_t> rollback_to;
  int64_t created_by_id = 0;      // for inserts
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

// One event of a repository's stream.
struct EventRecord {
  int64_t id = 0;
  std::string repository;         // repository name
  std::string kind;               // "release.created", "deployment", ...
  std::string user;               // user name; empty when none
  std::string payload_json;       // a JSON object
  int64_t created_at_micros = 0;
};

// A dedicated connection that is told when events are committed (on any replica sharing the
// database). It carries no event data: after each wake-up, readers query the events table
// after the last id they saw, so a missed or coalesced notification loses nothing.
// Not thread-safe: one thread waits on it.
class EventListener {
 public:
  virtual ~EventListener() = default;
  // Waits up to `timeout_ms` for notifications. Returns true when at least one arrived,
  // false on timeout. UNAVAILABLE when the connection broke (open a new listener, then
  // re-read the table: notifications sent meanwhile are lost).
  virtual absl::StatusOr<bool> Wait(int timeout_ms) = 0;
};

// ---- end of releases, deployments, events ----

// One open transaction. Not thread-safe; used by one thread for the duration of the body
// passed to RunInTransaction, never kept beyond it.
class MetadataTxn {
 public:
  virtual ~MetadataTxn() = default;

  // --- users and tokens ---
  // ALREADY_EXISTS when the name is taken.
  virtual absl::StatusOr<UserRecord> CreateUser(const std::string& name, bool is_admin) = 0;
  // NOT_FOUND for an unknown user name.
  virtual absl::StatusOr<UserRecord> GetUserByName(const std::string& name) = 0;
  // Stores the SHA-256 hex of a token for a user.
  virtual absl::Status AddToken(int64_t user_id, const std::string& token_hash,
                                const std::string& label) = 0;
  // The user owning an unrevoked, unexpired token whose hash is `token_hash`, of a user
  // that is not disabled; records last use. NOT_FOUND otherwise.
  virtual absl::StatusOr<UserRecord> FindUserByTokenHash(const std::string& token_hash) = 0;

  // --- repositories and branches ---
  // ALREADY_EXISTS when the name is taken.
  virtual absl::StatusOr<RepositoryRecord> CreateRepository(const std::string& name,
                                                            int64_t created_by) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<RepositoryRecord> GetRepository(const std::string& name) = 0;
  // Sorted by name.
  virtual absl::StatusOr<std::vector<RepositoryRecord>> ListRepositories() = 0;
  // ALREADY_EXISTS when the branch exists.
  virtual absl::Status CreateBranch(int64_t repo_id, const std::string& name, int64_t head) = 0;
  // NOT_FOUND when unknown. With `for_update`, the row stays locked until the transaction
  // ends, serializing every submit to that branch.
  virtual absl::StatusOr<BranchRecord> GetBranch(int64_t repo_id, const std::string& name,
                                                 bool for_update) = 0;
  // Sorted by name.
  virtual absl::StatusOr<std::vector<BranchRecord>> ListBranches(int64_t repo_id) = 0;
  // Moves a branch head from `expected_head` to `new_head`. NOT_FOUND for an unknown
  // branch, FAILED_PRECONDITION when the head is not `expected_head`.
  virtual absl::Status MoveBranchHead(int64_t repo_id, const std::string& name,
                                      int64_t expected_head, int64_t new_head) = 0;

  // --- changesets ---
  // Takes the repository's next changeset number (0 for the first), locking the repository's
  // counter until the transaction ends so numbers stay contiguous. NOT_FOUND for an unknown id.
  virtual absl::StatusOr<int64_t> AllocateChangesetNumber(int64_t repo_id) = 0;
  // Inserts a changeset and its changed paths. ALREADY_EXISTS when the number or submit id
  // is taken.
  virtual absl::Status InsertChangeset(int64_t repo_id, const ChangesetRecord& changeset,
                                       const std::vector<ChangedPathRecord>& paths) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<ChangesetRecord> GetChangeset(int64_t repo_id, int64_t number) = 0;
  // The changeset submitted with this id, if any.
  virtual absl::StatusOr<std::optional<ChangesetRecord>> FindChangesetBySubmitId(
      int64_t repo_id, const std::string& submit_id) = 0;
  // Changesets on the first-parent chain from `head` (inclusive), newest first, at most
  // `limit`. With a non-empty `path`, only those that changed `path` or something under it.
  virtual absl::StatusOr<std::vector<ChangesetRecord>> ListHistory(int64_t repo_id,
                                                                   int64_t head,
                                                                   const std::string& path,
                                                                   int limit) = 0;
  // The paths a changeset changed, sorted by path.
  virtual absl::StatusOr<std::vector<ChangedPathRecord>> GetChangedPaths(int64_t repo_id,
                                                                        int64_t number) = 0;
  // The newest changeset on the first-parent chain from `head` that changed exactly `path`,
  // if any.
  virtual absl::StatusOr<std::optional<int64_t>> LastChangeOf(int64_t repo_id, int64_t head,
                                                               const std::string& path) = 0;

  // --- tree nodes (content-addressed, shared by every repository) ---
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<std::string> GetTreeNode(const std::string& hash) = 0;
  // Inserts nodes; nodes already present are left as they are.
  virtual absl::Status PutTreeNodes(const std::vector<TreeNodeRecord>& nodes) = 0;

  // --- contents ---
  // The ids among `content_ids` that have no verified content, in input order.
  virtual absl::StatusOr<std::vector<std::string>> FindMissingContents(
      const std::vector<std::string>& content_ids) = 0;
  // Records verified content; a content already recorded is left as it is.
  virtual absl::Status PutContent(const std::string& content_id, uint64_t size) = 0;
  // The size of recorded content, or nullopt when not recorded.
  virtual absl::StatusOr<std::optional<uint64_t>> GetContentSize(
      const std::string& content_id) = 0;

  // --- branches and labels (issue 3: branch delete, labels, the shared ref namespace) ---
  // Serializes, until the transaction ends, every transaction that creates a branch or a
  // label in `repo_id`, so that the check "no branch and no label has this name" and the
  // insert that follows are atomic across both tables.
  virtual absl::Status LockRefNames(int64_t repo_id) = 0;
  // NOT_FOUND when the branch does not exist.
  virtual absl::Status DeleteBranch(int64_t repo_id, const std::string& name) = 0;
  // ALREADY_EXISTS when a label of that name exists; NOT_FOUND when changeset `number` does
  // not exist.
  virtual absl::Status CreateLabel(int64_t repo_id, const std::string& name, int64_t number,
                                   const std::string& notes, int64_t created_by) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<LabelRecord> GetLabel(int64_t repo_id, const std::string& name) = 0;
  // Labels sorted bytewise by name, only those after `after` (when non-empty), at most
  // `limit`.
  virtual absl::StatusOr<std::vector<LabelRecord>> ListLabels(int64_t repo_id,
                                                              const std::string& after,
                                                              int limit) = 0;
  // NOT_FOUND when unknown.
  virtual absl::Status DeleteLabel(int64_t repo_id, const std::string& name) = 0;
  // Changesets reachable from `head` (inclusive) through first AND merge parents, newest
  // (highest number) first, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangesetRecord>> ListHistoryAllParents(int64_t repo_id,
                                                                             int64_t head,
                                                                             int limit) = 0;

  // --- audit ---
  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;

  // --- runs, reviews and policies (migration 0006; store/postgres/run_sql.cc, policy_sql.cc) ---
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
  // The first-parent history of changeset `number` as segments, newest first. NOT_FOUND for
  // an unknown changeset.
  virtual absl::StatusOr<std::vector<FirstParentSegment>> FirstParentSegments(
      int64_t repo_id, int64_t number) = 0;
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
  // Changesets of `segment` with numbers above `after_number`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangesetRecord>> SegmentChangesets(
      int64_t repo_id, const FirstParentSegment& segment, int64_t after_number, int limit) = 0;
  // The changed paths of each of `numbers`, in one query: (number, paths sorted by path).
  virtual absl::StatusOr<std::vector<std::pair<int64_t, std::vector<ChangedPathRecord>>>>
  GetChangedPathsOf(int64_t repo_id, const std::vector<int64_t>& numbers) = 0;
  // For each range (after, upto] of `ranges`, the changesets of the history `segments` in it,
  // oldest first, at most `per_range` each; one query for every range.
  virtual absl::StatusOr<std::vector<std::vector<ChangesetRecord>>> SegmentChangesetsInRanges(
      int64_t repo_id, const std::vector<FirstParentSegment>& segments,
      const std::vector<std::pair<int64_t, int64_t>>& ranges, int per_range) = 0;
  // The changesets `numbers` that exist, in one query, ascending by number.
  virtual absl::StatusOr<std::vector<ChangesetRecord>> GetChangesets(
      int64_t repo_id, const std::vector<int64_t>& numbers) = 0;
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
  // --- end of runs, reviews and policies ---

  // --- roles (migration 0002; store/postgres/lock_sql.cc) ---
  // The repository's name and the user's role on it. NOT_FOUND for an unknown repository id.
  virtual absl::StatusOr<RoleLookup> GetRole(int64_t repo_id, int64_t user_id) = 0;
  // Grants `role`, replacing any earlier one. NOT_FOUND for an unknown repository or user.
  virtual absl::Status SetRole(int64_t repo_id, int64_t user_id, Role role) = 0;

  // --- locks (migration 0002; store/postgres/lock_sql.cc) ---
  // Inserts `lock` unless its path is already locked on its branch, and returns the lock that
  // holds the path afterwards: `lock` itself (read back) or the earlier holder's. Exactly one
  // of several racing transactions inserts; the others wait for it and get its row.
  virtual absl::StatusOr<LockRecord> TryInsertLock(int64_t repo_id, const LockRecord& lock) = 0;
  // The locks among `paths` of `branch`, sorted by path.
  virtual absl::StatusOr<std::vector<LockRecord>> GetLocks(
      int64_t repo_id, const std::string& branch, const std::vector<std::string>& paths) = 0;
  // Deletes the locks of `paths` on `branch` (only those of `user_id` when set) and returns
  // the deleted ones, sorted by path.
  virtual absl::StatusOr<std::vector<LockRecord>> DeleteLocks(
      int64_t repo_id, const std::string& branch, const std::vector<std::string>& paths,
      std::optional<int64_t> user_id) = 0;
  // Deletes every lock of `branch` (whoever holds it) and returns how many there were; a
  // branch being deleted takes its locks with it, in the same transaction.
  virtual absl::StatusOr<int64_t> DeleteBranchLocks(int64_t repo_id,
                                                    const std::string& branch) = 0;
  // Locks of `branch` whose path starts with `prefix` and sorts after `after` (bytewise),
  // in path order, at most `limit`.
  virtual absl::StatusOr<std::vector<LockRecord>> ListLocks(int64_t repo_id,
                                                            const std::string& branch,
                                                            const std::string& prefix,
                                                            const std::string& after,
                                                            int limit) = 0;
  // The repository's lockable globs. NOT_FOUND for an unknown repository id.
  virtual absl::StatusOr<std::vector<std::string>> GetLockablePatterns(int64_t repo_id) = 0;
  // NOT_FOUND for an unknown repository id.
  virtual absl::Status SetLockablePatterns(int64_t repo_id,
                                           const std::vector<std::string>& patterns) = 0;

  // --- chunks and packs (migration 0004; store/postgres/chunk_sql.cc) ---
  // The hashes among `hashes` that no stored chunk has, in input order (duplicates kept).
  // One round trip for any number.
  virtual absl::StatusOr<std::vector<std::string>> FindMissingChunks(
      const std::vector<std::string>& hashes) = 0;
  // Records that a pack object is being written (uploads table, for the GC grace period).
  // A key already recorded is left as it is.
  virtual absl::Status BeginPackUpload(const std::string& object_key) = 0;
  // Records a written pack and forgets its upload row; returns the pack's id.
  // ALREADY_EXISTS when a pack has this key.
  virtual absl::StatusOr<int64_t> InsertPack(const std::string& object_key, uint64_t size,
                                             int64_t chunk_count) = 0;
  // Records chunks of pack `pack_id` in one statement; chunks already recorded (in any pack)
  // are left as they are. Returns the hashes this call inserted, in input order.
  // NOT_FOUND for an unknown pack id.
  virtual absl::StatusOr<std::vector<std::string>> InsertChunks(
      int64_t pack_id, const std::vector<ChunkRecord>& chunks) = 0;
  // Deletes a pack row that no chunk references (a pack that lost a race: every chunk it
  // holds was recorded first by another pack). FAILED_PRECONDITION when a chunk references it.
  virtual absl::Status DeleteUnusedPack(int64_t pack_id) = 0;
  // Where the chunks `hashes` are, in input order; NOT_FOUND naming the first unknown hash.
  virtual absl::StatusOr<std::vector<ChunkLocation>> GetChunkLocations(
      const std::vector<std::string>& hashes) = 0;
  // Records content `content_id` of `size` bytes as the concatenation of `chunk_hashes`
  // (with its contents row when absent). A content that already has a manifest keeps it
  // (content addressing: any manifest of an id yields the same bytes), even under racing
  // calls. NOT_FOUND when a chunk is not stored; INVALID_ARGUMENT when the chunks' raw
  // lengths do not add up to `size`.
  virtual absl::Status PutContentManifest(const std::string& content_id, uint64_t size,
                                          const std::vector<std::string>& chunk_hashes) = 0;
  // A page of the manifest of `content_id`: at most `limit` chunks from sequence number
  // `first_seq` on, in order, with their packs (paged so a 5 GiB content, ~640 Ki chunks,
  // is never listed whole in memory). NOT_FOUND when the content is unknown or stored whole
  // (no manifest); DATA_LOSS when the page has fewer rows than the recorded count implies.
  virtual absl::StatusOr<ContentManifest> GetContentManifest(const std::string& content_id,
                                                             int64_t first_seq,
                                                             int64_t limit) = 0;
  // Batched forms for server/core's chunked transfer (issue 4), each one statement:
  // The recorded contents among `content_ids`, in input order (unknown ones left out).
  virtual absl::StatusOr<std::vector<ContentHead>> GetContentHeads(
      const std::vector<std::string>& content_ids) = 0;
  // Records the contents rows of `heads` (chunk_count set) and returns, in input order, the
  // ids this call gave a manifest: new contents and contents stored whole until now. A
  // content that already has a manifest keeps it (of racing transactions the first wins;
  // the others wait on its row, then find it set). The caller then writes the manifest
  // rows of the returned ids with InsertContentChunks in the same transaction, after
  // checking them (this method checks no chunk). REQUIRES: ids distinct. INVALID_ARGUMENT
  // when a content is recorded with another size.
  virtual absl::StatusOr<std::vector<std::string>> InsertContentHeads(
      const std::vector<ContentHead>& heads) = 0;
  // Inserts manifest rows (raw_length ignored). NOT_FOUND when a chunk is not stored.
  virtual absl::Status InsertContentChunks(const std::vector<ContentChunkRow>& rows) = 0;
  // Every manifest row of `content_ids` (contents with few chunks: the caller bounds the
  // total), grouped by content in input order, by seq within one.
  virtual absl::StatusOr<std::vector<ContentChunkRow>> ListContentChunks(
      const std::vector<std::string>& content_ids) = 0;

  // --- releases, deployments, events (migration 0007; release_sql.cc, event_sql.cc) ---
  // Makes label `version` (which must exist) a release. ALREADY_EXISTS when it is one;
  // NOT_FOUND when the label does not exist.
  virtual absl::Status InsertRelease(int64_t repo_id, const std::string& version,
                                     const std::string& notes, int64_t created_by) = 0;
  // NOT_FOUND when `version` is not a release.
  virtual absl::StatusOr<ReleaseRecord> GetRelease(int64_t repo_id,
                                                   const std::string& version) = 0;
  // Releases newest first, only those created before release `after` (when non-empty; it
  // must be a release: NOT_FOUND otherwise), at most `limit`.
  virtual absl::StatusOr<std::vector<ReleaseRecord>> ListReleases(int64_t repo_id,
                                                                  const std::string& after,
                                                                  int limit) = 0;
  // Releases whose changeset is one of `numbers`, newest first.
  virtual absl::StatusOr<std::vector<ReleaseRecord>> ListReleasesAt(
      int64_t repo_id, const std::vector<int64_t>& numbers) = 0;
  // Inserts `deployment` (id, number, created_* ignored) and returns it as read back.
  // NOT_FOUND for an unknown release.
  virtual absl::StatusOr<DeploymentRecord> InsertDeployment(
      int64_t repo_id, const DeploymentRecord& deployment) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<DeploymentRecord> GetDeployment(int64_t repo_id, int64_t id) = 0;
  // The live (newest) deployment of `environment`; nullopt when never deployed to.
  virtual absl::StatusOr<std::optional<DeploymentRecord>> GetLiveDeployment(
      int64_t repo_id, const std::string& environment) = 0;
  // Deployments newest first: of `environment` only when non-empty, only ids below
  // `before_id` when > 0, at most `limit`. With `live_only`, only each environment's live
  // deployment (sorted by environment).
  virtual absl::StatusOr<std::vector<DeploymentRecord>> ListDeployments(
      int64_t repo_id, const std::string& environment, int64_t before_id, int limit,
      bool live_only) = 0;
  // Appends an event and notifies listeners ('mlvc_events') when the transaction commits;
  // returns its id. Serializes event appenders until commit, so ids become visible in order:
  // call it last in a transaction. INVALID_ARGUMENT when payload_json is not a JSON object.
  virtual absl::StatusOr<int64_t> AppendEvent(int64_t repo_id, std::optional<int64_t> user_id,
                                              const std::string& kind,
                                              const std::string& payload_json) = 0;
  // Events with an id above `after_id`, of `repo_id` only when set, oldest first, at most
  // `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> ListEvents(std::optional<int64_t> repo_id,
                                                              int64_t after_id, int limit) = 0;
  // The highest event id (0 when none).
  virtual absl::StatusOr<int64_t> LastEventId() = 0;
};

// Thread-safe: any number of threads may run transactions at once (each takes its own
// connection from a pool).
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  using TxnBody = std::function<absl::Status(MetadataTxn&)>;

  // Runs `body` in one transaction: commits when it returns OK, rolls back otherwise and
  // returns its status. A serialization failure or deadlock (ABORTED) re-runs the whole body,
  // a few times, before ABORTED is returned; the body must therefore have no effects outside
  // the transaction that a re-run would repeat wrongly.
  virtual absl::Status RunInTransaction(const TxnBody& body) = 0;

  // A new listener for committed events (releases section above). UNIMPLEMENTED for a
  // store without one; UNAVAILABLE when it cannot connect.
  virtual absl::StatusOr<std::unique_ptr<EventListener>> ListenForEvents() {
    return absl::UnimplementedError("this metadata store has no event listener");
  }
};

}  // namespace mlvc::server::store
