#include "client/ops/update_merge.h"

#include "client/ops/conflict_files.h"
#include "client/ops/ops_internal.h"
#include "common/merge/diff3.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops::internal {

absl::StatusOr<FileAction> MergeLocalEdit(wc::WorkingCopy& wc, remote::Remote& remote,
                                          const wc::StatusItem& local,
                                          const remote::TreeFile& upstream) {
  const wc::WcEntry* found = wc.Find(local.relpath);
  if (found == nullptr) return absl::InternalError("no entry for " + local.relpath);
  wc::WcEntry entry = *found;
  const bool texts = entry.kind == wc::FileKind::kText && local.kind == wc::FileKind::kText &&
                     upstream.kind == remote::EntryKind::kText &&
                     entry.base_size <= kMaxWcMergeBytes && local.size <= kMaxWcMergeBytes &&
                     upstream.size <= kMaxWcMergeBytes;
  wc::WcEntry next = entry;
  next.base_content_id = upstream.content_id;
  next.base_size = upstream.size;
  next.kind = ToWcKind(upstream.kind);
  next.executable = upstream.executable;

  if (!texts) {
    if (!CheckConflictNamesFree(wc, local.relpath, /*mine_only=*/true).ok()) {
      return FileAction::kConflictFilesInTheWay;
    }
    // Keep the local file whole as NAME.mine; the upstream version takes its place.
    RETURN_IF_ERROR(MoveToMine(wc, local.relpath));
    RETURN_IF_ERROR(FetchInto(wc, remote, upstream));  // Puts the entry (base = upstream)
    wc::WcEntry fetched = *wc.Find(local.relpath);
    fetched.conflicted = true;
    wc.Put(std::move(fetched));
    return FileAction::kConflicted;
  }

  ASSIGN_OR_RETURN(std::string base, remote.DownloadToMemory(wc.config().repository, entry.base_content_id,
                                                             kMaxWcMergeBytes));
  ASSIGN_OR_RETURN(std::string theirs, remote.DownloadToMemory(wc.config().repository, upstream.content_id,
                                                               kMaxWcMergeBytes));
  ASSIGN_OR_RETURN(std::string mine, ReadSmallFile(wc.AbsPath(local.relpath)));
  common::MergeLabels labels;
  labels.base = "base";
  labels.ours = "mine";
  labels.theirs = "theirs";
  common::MergeResult merged = common::Merge3(base, mine, theirs, labels);
  if (!merged.clean) {
    if (!CheckConflictNamesFree(wc, local.relpath, /*mine_only=*/false).ok()) {
      return FileAction::kConflictFilesInTheWay;
    }
    // The extra files first: if writing them fails, the local file is still untouched.
    RETURN_IF_ERROR(WriteTextConflictFiles(wc, local.relpath, base, mine, theirs));
  }
  RETURN_IF_ERROR(WriteWcFile(wc, local.relpath, merged.text, local.executable));
  next.conflicted = !merged.clean;
  // The file differs from its new base (it holds local edits): let the next Scan() hash it.
  next.disk_content_id.clear();
  wc.Put(std::move(next));
  return merged.clean ? FileAction::kMerged : FileAction::kConflicted;
}

}  // namespace mlvc::client::ops::internal
