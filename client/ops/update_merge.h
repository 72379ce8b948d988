// mlvc update for a file edited both locally and upstream (not part of the ops API).
// Requires: client/wc, client/remote. Used by: update.cc.
#pragma once

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops::internal {

// Merges the local edit of `local` (a scan item 'M' of a versioned file) with `upstream`:
//   - three texts (base from the server, mine from disk, theirs = upstream), each at most
//     kMaxWcMergeBytes: common::Merge3. Clean: the merged text is written (kMerged).
//     Overlapping: the text with conflict markers is written, plus NAME.base, NAME.mine and
//     NAME.theirs (kConflicted).
//   - otherwise (a binary on any side): the local file is renamed to NAME.mine and the
//     upstream one downloaded to NAME (kConflicted).
// Either way the entry's base becomes `upstream`, the local executable bit is kept, and a
// conflict sets the entry's `conflicted` flag. The local edit is never lost: it is in the
// merged text, between the markers, or in NAME.mine.
// When a conflict would need a NAME.base/.mine/.theirs that already exists (or is versioned),
// nothing is touched (file and entry stay as they were) and the result is
// kConflictFilesInTheWay: an existing file is never replaced.
absl::StatusOr<FileAction> MergeLocalEdit(wc::WorkingCopy& wc, remote::Remote& remote,
                                          const wc::StatusItem& local,
                                          const remote::TreeFile& upstream);

}  // namespace mlvc::client::ops::internal
