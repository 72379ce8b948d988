// The pure half of mlvc update: given the entries, what is on disk and the target tree,
// decides what to do with each file. No I/O, so every case is unit-tested.
// Requires: client/wc (types), client/remote (types). Used by: client/ops/update.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

struct UpdateStep {
  enum class Kind {
    kFetchNew,      // added upstream: download to `path` (kAdded)
    kFetchChanged,  // changed upstream, unmodified locally: download over it (kUpdated)
    kDelete,        // deleted upstream, unmodified locally: remove file and entry (kDeleted)
    kSkipLocalEdit,    // changed upstream, deleted/missing/added/conflicted locally: leave it,
                       // keep its base (kSkipped)
    kMergeLocalEdit,   // changed upstream, modified locally (content): merge three-way
                       // (kMerged, or kConflicted with markers / NAME.mine)
    kObstructed,       // added upstream, an unversioned file with other content is there
    kAdoptExisting,    // added upstream, the unversioned file there has that very content:
                       // just record the entry (reported as kAdded, no download)
    kKeepUnversioned,  // deleted upstream, modified locally: erase the entry, keep the file
    kMetadataOnly,     // only the executable bit (or kind) changed upstream: chmod + entry
    kForget,           // deleted upstream, scheduled for deletion locally: erase the entry
                       // (whatever is on disk now is the user's; not reported)
  };
  Kind kind;
  std::string path;
  std::optional<remote::TreeFile> target;  // the upstream file, when it exists at the target
};

// `entries`: the working copy's entries; `scan`: wc.Scan({}) just before (only M, A, D, !
// and ? matter); `target`: the target changeset's tree within the sparse paths. Sorted by
// path. Files the same in the entry's base and the target produce no step. A file modified
// locally ('M', scheduled normal, not conflicted already) whose content changed upstream is
// kMergeLocalEdit. A file scheduled for addition locally that also appeared upstream counts as a local edit (kSkipLocalEdit)
// unless its content is equal (kAdoptExisting); a file scheduled for deletion or missing
// locally that changed upstream is kSkipLocalEdit (missing and unchanged upstream: nothing;
// missing and deleted upstream: kDelete). A path with no entry but an unversioned file on
// disk is compared by the scan item's `content_id`, which the caller fills in (hashing the
// file) before planning; left empty, the file counts as an obstruction.
std::vector<UpdateStep> PlanUpdate(const std::map<std::string, wc::WcEntry>& entries,
                                   const std::vector<wc::StatusItem>& scan,
                                   const std::vector<remote::TreeFile>& target);

}  // namespace mlvc::client::ops
