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
  std::string branch;  // empty when the ref was a changeset number
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
};

struct FileChange {
  std::string path;
  ChangeAction action = ChangeAction::kModify;
  std::optional<TreeFile> from;  // absent for kAdd
  std::optional<TreeFile> to;    // absent for kDelete
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
};

struct SubmitResult {
  ChangesetInfo changeset;
  bool replayed = false;  // the submit_id had already landed
};

}  // namespace mlvc::client::remote
