#include "client/ops/revert.h"

#include <set>

#include "client/ops/conflict_files.h"
#include "client/ops/ops_internal.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<std::vector<FileEvent>> Revert(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                              const std::vector<std::string>& relpaths,
                                              const ProgressCallback& progress) {
  if (relpaths.empty()) return absl::InvalidArgumentError("revert needs at least one path");
  for (const std::string& relpath : relpaths) {
    bool any = false;
    for (const auto& [path, entry] : wc.entries()) {
      if (common::RelpathIsWithin(path, relpath)) {
        any = true;
        break;
      }
    }
    if (!any) {
      return absl::NotFoundError("'" + (relpath.empty() ? std::string(".") : relpath) +
                                 "' is not versioned");
    }
  }
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> items, wc.Scan(relpaths));

  std::unique_ptr<remote::Remote> remote;  // connected only when a base content is needed
  std::vector<FileEvent> events;
  auto report = [&](const std::string& path) {
    FileEvent event{FileAction::kReverted, path, wc.config().base_number};
    if (progress) progress(event);
    events.push_back(std::move(event));
  };
  auto restore = [&](const wc::WcEntry& entry) -> absl::Status {
    if (remote == nullptr) {
      ASSIGN_OR_RETURN(remote, internal::Connect(endpoint));
    }
    remote::TreeFile file;
    file.path = entry.relpath;
    file.content_id = entry.base_content_id;
    file.size = entry.base_size;
    file.kind = internal::ToRemoteKind(entry.kind);
    file.executable = entry.executable;
    return internal::FetchInto(wc, *remote, file);
  };

  internal::PeriodicSaver saver(wc);
  for (const wc::StatusItem& item : items) {
    const wc::WcEntry* found = wc.Find(item.relpath);
    if (found == nullptr) continue;  // unversioned: not ours to touch
    wc::WcEntry entry = *found;
    absl::Status status;
    switch (item.code) {
      case wc::StatusCode::kAdded:
        wc.Erase(item.relpath);
        break;
      case wc::StatusCode::kMissing:
        if (entry.schedule == wc::Schedule::kAdded) {
          wc.Erase(item.relpath);  // added, then deleted by hand: nothing to restore
          break;
        }
        status = restore(entry);
        break;
      case wc::StatusCode::kDeleted:
        entry.schedule = wc::Schedule::kNormal;
        status = restore(entry);
        break;
      case wc::StatusCode::kModified:
        status = restore(entry);
        break;
      case wc::StatusCode::kUnversioned:
        continue;
    }
    // Reverting a conflicted file settles the conflict: the NAME.base/.mine/.theirs left for
    // it go too (they would otherwise block the next conflict of this path).
    if (status.ok() && entry.conflicted) status = internal::RemoveConflictFiles(wc, item.relpath);
    RETURN_IF_ERROR(internal::SaveOnError(wc, status));
    report(item.relpath);
    RETURN_IF_ERROR(saver.MaybeSave());
  }
  if (wc.config().pending_merge_parent.has_value()) {
    // A working-copy merge lives in the local changes: once none is left (or the whole
    // working copy was reverted), there is nothing of it to commit, so it is dropped —
    // otherwise the next, unrelated commit would record the merge parent.
    bool whole = false;
    for (const std::string& relpath : relpaths) whole = whole || relpath.empty();
    bool changes_left = false;
    if (!whole) {
      ASSIGN_OR_RETURN(std::vector<wc::StatusItem> left, wc.Scan({}));
      for (const wc::StatusItem& item : left) {
        if (item.code != wc::StatusCode::kUnversioned || item.conflicted) changes_left = true;
      }
    }
    if (whole || !changes_left) wc.mutable_config().pending_merge_parent.reset();
  }
  RETURN_IF_ERROR(wc.Save());
  return events;
}

}  // namespace mlvc::client::ops
