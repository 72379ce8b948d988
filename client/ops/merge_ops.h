// mlvc merge: on the server (`--into TARGET`) or into a working copy of the target, where
// conflicts are resolved by hand and the result committed as the merge.
// Requires: client/wc, client/remote, common/merge. Used by: client/cli (merge_cmd.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// HistoryService.Merge: ABORTED "merge conflict in N paths: ..." when paths conflict (not on
// preview); NOT_FOUND unknown repository, source or target; PERMISSION_DENIED without the
// writer role; plus what any server call returns.
absl::StatusOr<remote::MergeOutcome> MergeOnServer(const Endpoint& endpoint,
                                                   const remote::MergeRequest& request);

struct WcMergeResult {
  bool up_to_date = false;  // nothing to merge: the working copy is unchanged
  int64_t source_number = 0;
  int64_t base_number = 0;
  std::vector<FileEvent> events;  // sorted by path: kAdded, kUpdated, kDeleted, kMerged,
                                  // kConflicted
  std::vector<remote::MergeConflictInfo> conflicts;  // as the server described them
};

// Merges `source` into the working copy, which must be at its branch head with no local
// changes to the paths the merge touches and no conflicted files. The server computes the
// merge (a preview: base, and per path the three versions); then each path is applied
// locally: one-sided changes are written (and scheduled: added files as 'A', deletions as
// 'D'), texts changed on both sides are merged with common::Merge3 (kMerged), and conflicts
// are left as update leaves them: markers plus NAME.base/.mine/.theirs for texts, the
// target's binary kept as NAME.mine next to the source's, the entry marked conflicted. A
// file deleted in the source and changed in the target is kept (conflicted: 'mlvc rm' it or
// resolve --mark). The source changeset is remembered (WcConfig::pending_merge_parent) so
// that the next commit records it as the merge parent.
// Errors (nothing changed locally): FAILED_PRECONDITION "out of date" when the working copy
// is not at its branch head; FAILED_PRECONDITION when a file the merge touches has local
// changes, when files are conflicted, when a merge is pending already, when the merge
// touches paths outside a sparse working copy, or when a conflict's NAME.base/.mine/.theirs
// already exists (it is never replaced); NOT_FOUND unknown source; plus server errors.
absl::StatusOr<WcMergeResult> MergeIntoWorkingCopy(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                                   const std::string& source,
                                                   remote::MergeStrategy strategy,
                                                   const ProgressCallback& progress = nullptr);

}  // namespace mlvc::client::ops
