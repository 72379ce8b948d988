// Plain C++ values exchanged with an mlvc server: what client/remote returns and takes, so
// that no protobuf or gRPC type leaves client/remote.
// Requires: nothing. Used by: client/remote, client/ops, client/cli (through ops).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlvc::client::remote {

enum class EntryKind { kText, kBinary };
enum class ChangeAction { kAdd, kModify, kDelete };

struct RepositoryInfo {
  std::string name;
  int64_t created_at_micros = 0;  // since the Unix epoch, UTC
  std::string created_by;
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

}  // namespace mlvc::client::remote
