// Merge bases in the changeset graph (first parents and merge parents).
// Pure: parents come from a loader callback, so it runs on the store inside a transaction or
// on an in-memory graph in unit tests. Requires: abseil. Used by: MergeService, Submit.
//
// Rule for criss-cross histories: the common ancestors of A and B are painted from both sides
// (git's paint-down walk, newest changeset first); of the common ancestors found, those that
// are ancestors of another common ancestor are dropped, and of the remaining "maximal" common
// ancestors the one with the HIGHEST number is the merge base. Changeset numbers grow with
// time and every parent has a smaller number than its child, so the highest-numbered maximal
// common ancestor is the most recent point both sides agree on; when a criss-cross leaves
// two of them, changes made between the chosen base and the other one may show up again as
// changes of one side (git's "resolve" strategy behaves the same way). The choice is
// deterministic, so merging the same pair twice gives the same result.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::server::core {

struct ParentsOf {
  std::optional<int64_t> parent;
  std::optional<int64_t> merge_parent;
};

// Returns the parents of changeset `number`; NOT_FOUND when unknown.
using ParentLoader = std::function<absl::StatusOr<ParentsOf>(int64_t number)>;

// Every maximal common ancestor of `a` and `b` (see above), highest number first. A changeset
// is its own ancestor, so MergeBases(a, b) is {a} when a is an ancestor of b. Empty when the
// two share no ancestor. Loads only changesets newer than the oldest base (plus the parents
// of those). Errors of the loader.
absl::StatusOr<std::vector<int64_t>> MergeBases(int64_t a, int64_t b, const ParentLoader& load);

// The merge base by the rule above: the first of MergeBases, or nullopt when there is none.
absl::StatusOr<std::optional<int64_t>> MergeBase(int64_t a, int64_t b, const ParentLoader& load);

// True when `ancestor` is reachable from `descendant` through parents (or equal to it).
absl::StatusOr<bool> IsAncestor(int64_t ancestor, int64_t descendant, const ParentLoader& load);

}  // namespace mlvc::server::core
