// mlvc update: brings the working copy to a branch head (or another changeset), touching only
// the files that changed upstream and never a local edit.
// Requires: client/wc, client/remote. Used by: client/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

struct UpdateResult {
  int64_t number = 0;             // the changeset the working copy is now based on
  std::vector<FileEvent> events;  // sorted by path
  TransferStats transfer;         // chunks fetched, taken from the local cache
};

// Resolves `ref` (empty: the working copy's branch head), fetches its tree within the sparse
// paths and applies PlanUpdate: downloads go to a temporary file, are verified, then renamed
// into place. A file whose content was modified locally and changed upstream is merged
// (update_merge.h): kMerged when clean, kConflicted (markers plus NAME.base/.mine/.theirs, or
// the local binary kept as NAME.mine; the entry marked conflicted) otherwise; its base moves
// to the target either way - unless the conflict files' names are taken by existing files:
// then the path is left as it was and reported kConflictFilesInTheWay. Files deleted,
// missing, added or already conflicted locally are left untouched and reported kSkipped with
// the changeset that last changed them upstream (their entry keeps its old base, so a later
// commit is refused as out of date). Then the base becomes the target and the state is saved.
// If a download fails midway, the files already updated are saved as such and the base is
// not moved, so running update again continues.
// `observer` (may be null) sees the bytes and files downloaded, and may cancel (CANCELLED).
// Errors: NOT_FOUND for an unknown ref; DATA_LOSS for a corrupt download; INTERNAL on local
// I/O; plus what any server call returns.
absl::StatusOr<UpdateResult> Update(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& ref,
                                    const ProgressCallback& progress = nullptr,
                                    TransferObserver* observer = nullptr);

}  // namespace mlvc::client::ops
