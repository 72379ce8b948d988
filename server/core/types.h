// Plain request and result types of server/core, mirroring proto/mlvc/v1 without depending
// on it, so the domain can be called in-process (tests, tools) as well as from server/rpc.
// Requires: store/metadata_store.h, common/tree. Used by: server/core, server/rpc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/tree/tree_node.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Who makes a request, as established by the Authenticator.
struct Caller {
  store::UserRecord user;
  std::string client_addr;          // for the audit log; may be empty
  std::optional<int64_t> token_id;  // the token of the call; nullopt in-process
  // The repository the edge authorized the call on (access.h), when the request named one
  // that exists.
  std::optional<int64_t> repo_id;
};

// One file of a version.
struct FileEntry {
  std::string path;
  common::NodeKind kind = common::NodeKind::kBinary;  // kText or kBinary
  bool executable = false;
  uint64_t size = 0;
  std::string content_id;
};

// A changeset with the paths it changed (filled when asked for).
struct ChangesetInfo {
  store::ChangesetRecord changeset;
  std::vector<store::ChangedPathRecord> changed_paths;
};

// One change of a submit. Optional fields are unset when the wire value was unspecified or
// unknown; validation rejects them.
struct Change {
  std::string path;
  std::optional<store::PathAction> action;
  std::string content_id;                // ADD, MODIFY
  std::optional<common::NodeKind> kind;  // ADD, MODIFY: kText or kBinary
  bool executable = false;               // ADD, MODIFY
  std::string base_content_id;           // MODIFY, DELETE
};

struct SubmitRequest {
  std::string repository;
  std::string branch;
  int64_t base_number = 0;
  std::string submit_id;
  std::string message;
  std::vector<Change> changes;
  // Keep the submitter's locks on the changed paths (released by default when it lands).
  bool keep_locks = false;
  // A merge made in a working copy: recorded as the changeset's merge parent.
  std::optional<int64_t> merge_parent;
};

struct SubmitResult {
  ChangesetInfo changeset;
  bool replayed = false;  // true when submit_id had already landed
  // Text paths changed on the branch since the client's base too, merged three-way by the
  // server: the changeset holds merged content the client does not have yet. In request order.
  std::vector<std::string> merged_paths;
};

// One file that differs between two versions.
struct FileDiff {
  std::string path;
  store::PathAction action = store::PathAction::kModify;
  std::optional<FileEntry> from;  // absent for kAdd
  std::optional<FileEntry> to;    // absent for kDelete
  // With HistoryService::Diff(..., with_text=true): the unified diff of a text file below
  // kMaxTextDiffBytes on both sides; empty otherwise.
  std::string unified_diff;
};

struct ResolvedRef {
  int64_t number = 0;
  std::string branch;  // empty when the ref was a changeset number or a label
  std::string label;   // the label, when the ref named one
};

inline constexpr size_t kMaxSubmitChanges = 100000;
inline constexpr size_t kMaxFindMissingIds = 10000;
inline constexpr size_t kTreeBatchSize = 1000;
inline constexpr size_t kMaxPieceBytes = 1 << 20;
inline constexpr int kDefaultLogLimit = 100;
inline constexpr int kMaxLogLimit = 10000;
inline constexpr uint64_t kMaxTextDiffBytes = 1 << 20;  // server-rendered diffs, each side
inline constexpr int kDefaultLabelLimit = 1000;
inline constexpr int kMaxLabelLimit = 10000;

}  // namespace mlvc::server::core
