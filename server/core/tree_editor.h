// Tree editing: reading entries of content-addressed trees and producing a new root from a
// set of path edits, writing only the nodes that changed (untouched subtrees keep their
// hashes and are shared). Pure: nodes come from a loader callback, so it runs on the store
// inside a transaction or on an in-memory map in unit tests.
// Requires: common/tree, common/path. Used by: server/core (submit, tree walks, diff).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tree/tree_node.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Decoded tree nodes by hash, loaded on first use and cached. Not thread-safe.
class TreeNodeCache {
 public:
  // Returns a node's encoding; NOT_FOUND when unknown.
  using Loader = std::function<absl::StatusOr<std::string>(const std::string& hash)>;

  explicit TreeNodeCache(Loader loader) : loader_(std::move(loader)) {}

  // The entries of node `hash`, sorted by name. The empty tree needs no loading.
  // Returns DATA_LOSS when the node is missing or malformed (a stored tree references
  // it, so either means corruption); other loader errors as they are.
  absl::StatusOr<const std::vector<common::TreeNodeEntry>*> Get(const std::string& hash);

 private:
  Loader loader_;
  std::map<std::string, std::vector<common::TreeNodeEntry>> nodes_;
};

// The entry at normalized `path` under `root`, or nullopt when absent (including when an
// ancestor is a file). Errors as TreeNodeCache::Get.
absl::StatusOr<std::optional<common::TreeNodeEntry>> LookupPath(TreeNodeCache& cache,
                                                                const std::string& root,
                                                                const std::string& path);

// Sets (entry present) or removes (nullopt) the file at normalized `path`. The entry's name
// is ignored (the basename is used); its kind must be kText or kBinary.
struct TreeEdit {
  std::string path;
  std::optional<common::TreeNodeEntry> entry;
};

struct EditedTree {
  std::string root;                              // hash of the new root node
  std::vector<store::TreeNodeRecord> new_nodes;  // nodes that did not exist before, unique
};

// Applies `edits` (paths unique) to the tree `root`. Directories are created as needed and
// removed when they become empty. Removing an absent file is a no-op.
// Returns INVALID_ARGUMENT when a file would be set where a directory is (or is needed), or
// when a path is both set as a file and used as a directory in the same edits; errors of
// TreeNodeCache::Get otherwise.
absl::StatusOr<EditedTree> ApplyTreeEdits(TreeNodeCache& cache, const std::string& root,
                                          const std::vector<TreeEdit>& edits);

}  // namespace mlvc::server::core
