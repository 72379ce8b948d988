// Changesets, their changed paths, first-parent history and content-addressed tree nodes: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/changeset_sql.cc, tree_content_sql.cc, run_sql.cc (history segments).
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

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

// A changeset's first-parent history is a list of segments (migration 0006 explains
// first-parent lines): the changesets of line `line` with numbers in (after, upto].
// Segments come newest first and cover disjoint, descending number ranges.
struct FirstParentSegment {
  int64_t line = 0;
  int64_t after = -1;
  int64_t upto = 0;
};

// Not thread-safe, like the MetadataTxn it is part of.
class ChangesetTxn {
 public:
  virtual ~ChangesetTxn() = default;

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
  // Changesets reachable from `head` (inclusive) through first AND merge parents, newest
  // (highest number) first, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangesetRecord>> ListHistoryAllParents(int64_t repo_id,
                                                                             int64_t head,
                                                                             int limit) = 0;
  // The first-parent history of changeset `number` as segments, newest first. NOT_FOUND for
  // an unknown changeset.
  virtual absl::StatusOr<std::vector<FirstParentSegment>> FirstParentSegments(
      int64_t repo_id, int64_t number) = 0;
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
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<std::string> GetTreeNode(const std::string& hash) = 0;
  // Inserts nodes; nodes already present are left as they are.
  virtual absl::Status PutTreeNodes(const std::vector<TreeNodeRecord>& nodes) = 0;
};

}  // namespace mlvc::server::store
