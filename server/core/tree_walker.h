// Reading whole trees: listing the files of a version (descending only into directories on
// the requested paths) and diffing two versions (descending only where hashes differ).
// Requires: tree_editor.h (TreeNodeCache). Used by: HistoryService.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/core/tree_editor.h"
#include "server/core/types.h"

namespace mlvc::server::core {

// Calls `visit` for every file under `root` that equals or lies under one of `filters`
// (normalized; empty means every file), in bytewise order of full paths. Stops at and
// returns the first error of `visit` or of the cache.
absl::Status WalkTree(TreeNodeCache& cache, const std::string& root,
                      const std::vector<std::string>& filters,
                      const std::function<absl::Status(FileEntry)>& visit);

// The files that differ between trees `from` and `to`, restricted to `filters` as in
// WalkTree, sorted bytewise by path. A file replaced by a directory (or the reverse) shows
// as a delete plus adds (or the reverse). Errors of the cache.
absl::StatusOr<std::vector<FileDiff>> DiffTrees(TreeNodeCache& cache, const std::string& from,
                                                const std::string& to,
                                                const std::vector<std::string>& filters);

}  // namespace mlvc::server::core
