// mlvc revert: undoes local changes, fetching base contents from the server when needed.
// Requires: client/wc, client/remote. Used by: client/cli.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// For each file in scope under `relpaths` (must be non-empty; "" is the whole working copy):
// added → unscheduled (the file stays on disk, unversioned); deleted → un-deleted and its base
// content restored; modified or missing → base content downloaded and put in place (with its
// executable bit). Unversioned files are left alone, except the NAME.base/.mine/.theirs of a
// conflicted file, which are deleted with the conflict. A pending working-copy merge
// (WcConfig::pending_merge_parent) is dropped when "" is reverted or when no local change is
// left afterwards (a merge that ends with nothing to commit is committed as an empty merge
// changeset instead, see commit.h). Saves the state; reports kReverted per file and returns
// the events.
// NOT_FOUND when a path names nothing versioned; INVALID_ARGUMENT for no paths; DATA_LOSS,
// UNAVAILABLE, ... from downloads (files already reverted stay reverted and saved).
absl::StatusOr<std::vector<FileEvent>> Revert(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                              const std::vector<std::string>& relpaths,
                                              const ProgressCallback& progress = nullptr);

}  // namespace mlvc::client::ops
