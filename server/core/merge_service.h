// Server-side merge: merges a source ref into a target branch three-way, from the merge
// base of the changeset graph (merge_base.h), and commits one changeset with two parents —
// or changes nothing and reports the conflicting paths.
// Requires: store/metadata_store.h, store/blob_store.h, common/merge. Used by: server/rpc
// (HistoryService.Merge), tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// What to do with a file changed on both sides that cannot be merged line by line (a
// binary, a too large text, or a deletion on one side against a change on the other).
enum class MergeStrategy {
  kConflict,  // report it
  kOurs,      // keep the target's version
  kTheirs,    // take the source's version
};

struct MergeRequest {
  std::string repository;
  std::string source;         // branch, label or changeset number ('@' optional)
  std::string target_branch;
  std::string message;        // empty: "Merge SOURCE into TARGET"
  bool preview = false;
  MergeStrategy strategy = MergeStrategy::kConflict;
  std::string submit_id;      // optional; as in Submit
};

// One path the merge changes in the target.
struct MergedFile {
  std::string path;
  store::PathAction action = store::PathAction::kModify;  // relative to the target head
  std::optional<FileEntry> result;  // absent for kDelete
  bool line_merged = false;         // both sides changed it; lines merged (diff3)
  std::optional<FileEntry> base, target, source;
};

struct MergeConflict {
  std::string path;
  std::string reason;
  std::optional<FileEntry> base, target, source;
};

struct MergeResult {
  std::optional<ChangesetInfo> changeset;  // absent on preview and when up to date
  std::vector<MergedFile> files;           // sorted by path
  std::vector<MergeConflict> conflicts;    // sorted by path; only ever non-empty on preview
  int64_t base_number = 0;
  int64_t source_number = 0;
  int64_t target_number = 0;
  bool up_to_date = false;  // the source is already contained in the target
  bool replayed = false;    // the submit_id had already landed
};

// Thread-safe (stateless beyond the stores).
class MergeService {
 public:
  MergeService(store::MetadataStore& metadata, store::BlobStore& blobs)
      : metadata_(metadata), blobs_(blobs) {}

  // Merges `request.source` into `request.target_branch` as the caller.
  // Per path (b = base, t = target head, s = source):
  //   s same as b: keep t;  t same as b: take s;  s same as t: keep t;
  //   otherwise both changed it: two texts (and a text or absent base) are merged with
  //   common::Merge3 — clean: the merged text is stored as a new content; overlapping:
  //   conflict. A binary (or a text over kMaxMergeTextBytes), a delete against a change,
  //   or an add/add of differing binaries: conflict, unless `strategy` is kOurs (keep t) or
  //   kTheirs (take s). Only the executable bit differing is taken from the side that changed it.
  // Without conflicts, one changeset (parent = target head, merge_parent = source) is
  // committed by compare-and-swap on the target head; when the head moved meanwhile, the
  // whole merge is computed again on the new head (a few times, then ABORTED).
  // When the source is an ancestor of the target head: OK with up_to_date, nothing written.
  // Errors (nothing is changed on any of them):
  //   INVALID_ARGUMENT  bad branch name, bad submit_id, empty repository;
  //   NOT_FOUND         unknown repository, source ref or target branch;
  //   ABORTED           "merge conflict in N paths: a, b" (not on preview, which returns the
  //                     conflicts instead), or the target head kept moving;
  //   INVALID_ARGUMENT  the merged tree would put a file where a folder is;
  //   DATA_LOSS         a content's bytes are missing from the blob store.
  absl::StatusOr<MergeResult> Merge(const Caller& caller, const MergeRequest& request);

 private:
  store::MetadataStore& metadata_;
  store::BlobStore& blobs_;
};

}  // namespace mlvc::server::core
