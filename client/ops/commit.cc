#include "client/ops/commit.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/cord.h"
#include "client/ops/lock_ops.h"
#include "client/ops/ops_internal.h"
#include "client/ops/transfer.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

constexpr char kMissingFilesPayload[] = "type.mlvc/client.ops.MissingFiles";

absl::Status MissingFilesError(const std::vector<std::string>& missing) {
  std::string message = "'" + missing.front() + "' is missing";
  if (missing.size() > 1) {
    message += " (and " + std::to_string(missing.size() - 1) + " more)";
  }
  message += "; run 'mlvc rm' to delete it or 'mlvc revert' to restore it, then commit again";
  absl::Status status = absl::FailedPreconditionError(message);
  status.SetPayload(kMissingFilesPayload, absl::Cord(missing.front()));
  return status;
}

}  // namespace

bool IsMissingFilesError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         status.GetPayload(kMissingFilesPayload).has_value();
}

absl::StatusOr<CommitResult> Commit(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& message,
                                    const std::vector<std::string>& relpaths,
                                    bool keep_locks, TransferObserver* observer,
                                    const remote::RunSpec* run) {
  if (message.empty()) return absl::InvalidArgumentError("the commit message is empty");
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> items, wc.Scan(relpaths));
  // Keep the refreshed mtimes whatever happens next.
  RETURN_IF_ERROR(wc.Save());

  std::vector<std::string> missing;
  for (const wc::StatusItem& item : items) {
    if (item.code == wc::StatusCode::kMissing) missing.push_back(item.relpath);
  }
  if (!missing.empty()) return MissingFilesError(missing);
  for (const wc::StatusItem& item : items) {
    if (!item.conflicted) continue;
    return absl::AbortedError("'" + item.relpath + "' is conflicted; fix it and run 'mlvc resolve " +
                              item.relpath + "' (or --ours / --theirs), then commit again");
  }

  remote::SubmitRequest request;
  request.repository = wc.config().repository;
  request.branch = wc.config().branch;
  request.base_number = wc.config().base_number;
  request.message = message;
  request.keep_locks = keep_locks;
  request.submit_id = internal::RandomHex();
  request.merge_parent = wc.config().pending_merge_parent;
  std::map<std::string, const wc::StatusItem*> to_upload;  // content id -> a file holding it
  CommitResult result;
  for (const wc::StatusItem& item : items) {
    const wc::WcEntry* entry = wc.Find(item.relpath);
    remote::SubmitChange change;
    change.path = item.relpath;
    switch (item.code) {
      case wc::StatusCode::kModified:
        change.action = remote::ChangeAction::kModify;
        break;
      case wc::StatusCode::kAdded:
        change.action = remote::ChangeAction::kAdd;
        break;
      case wc::StatusCode::kDeleted:
        change.action = remote::ChangeAction::kDelete;
        break;
      default:
        continue;
    }
    if (change.action != remote::ChangeAction::kDelete) {
      change.content_id = item.content_id;
      change.kind = internal::ToRemoteKind(item.kind);
      change.executable = item.executable;
      to_upload.emplace(item.content_id, &item);
    }
    if (change.action != remote::ChangeAction::kAdd && entry != nullptr) {
      change.base_content_id = entry->base_content_id;
    }
    result.files.push_back(CommittedFile{change.path, change.action});
    request.changes.push_back(std::move(change));
  }
  // A pending merge whose result equals the base (everything merged was already here, or
  // conflicts were resolved to this side) is still committed: the merge parent records that
  // the source was merged, so the next merge does not bring the same changes again.
  if (request.changes.empty() && !request.merge_parent.has_value()) {
    result.nothing_to_commit = true;
    return result;
  }

  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  std::vector<std::string> ids;
  for (const auto& [id, item] : to_upload) ids.push_back(id);
  std::vector<std::string> missing_ids;
  if (!ids.empty()) {
    ASSIGN_OR_RETURN(missing_ids, remote->FindMissing(wc.config().repository, ids));
  }
  // Chunked upload (transfer.h) of the contents the server lacks: only their missing chunks
  // cross the wire. The pipeline sees only this plain list, never the working copy.
  std::vector<internal::UploadItem> uploads;
  for (const std::string& id : missing_ids) {
    auto it = to_upload.find(id);
    if (it == to_upload.end()) continue;
    uploads.push_back(internal::UploadItem{id, it->second->relpath,
                                           wc.AbsPath(it->second->relpath), it->second->size});
  }
  // In path order, as a checkout writes them: the chunks then lie in the server's packs in
  // the order a checkout asks for them, and files are read folder by folder.
  std::sort(uploads.begin(), uploads.end(),
            [](const internal::UploadItem& a, const internal::UploadItem& b) {
              return a.relpath < b.relpath;
            });
  {
    internal::Transfer transfer(*remote, wc.config().repository,
                                TransferProgress::Direction::kUpload, observer);
    uint64_t bytes = 0;
    for (const internal::UploadItem& upload : uploads) bytes += upload.size;
    transfer.AddPlanned(bytes, uploads.size());
    absl::Status uploaded = internal::UploadContents(transfer, uploads);
    result.transfer = transfer.Stats();
    RETURN_IF_ERROR(uploaded);
  }

  remote::SubmitResult submitted;
  if (run != nullptr) {  // push-model: the run lands with the changeset or not at all
    ASSIGN_OR_RETURN(remote::PushModelResult pushed, remote->PushModel(request, *run));
    submitted = std::move(pushed.submit);
    result.run = std::move(pushed.run);
  } else {
    ASSIGN_OR_RETURN(submitted, remote->Submit(request));
  }
  result.number = submitted.changeset.number;
  result.replayed = submitted.replayed;

  for (const wc::StatusItem& item : items) {
    const wc::WcEntry* found = wc.Find(item.relpath);
    if (found == nullptr) continue;
    if (item.code == wc::StatusCode::kDeleted) {
      wc.Erase(item.relpath);
      continue;
    }
    if (item.code != wc::StatusCode::kModified && item.code != wc::StatusCode::kAdded) continue;
    wc::WcEntry entry = *found;
    entry.base_content_id = item.content_id;
    entry.base_size = item.size;
    entry.kind = item.kind;
    entry.executable = item.executable;
    entry.schedule = wc::Schedule::kNormal;
    // The changeset exists now: record it even if the file cannot be stat'ed any more (the
    // next Scan then finds out what is there).
    if (!wc.RecordDiskState(entry).ok()) entry.disk_content_id.clear();
    wc.Put(std::move(entry));
  }
  std::vector<std::string> submitted_paths;  // the server released our locks on these
  for (const auto& c : request.changes) submitted_paths.push_back(c.path);
  if (!request.keep_locks) internal::ForgetReleasedLocks(wc, submitted_paths);
  // Files the server merged with upstream edits: fetch the merged content it committed.
  for (const std::string& path : submitted.merged_paths) {
    const wc::WcEntry* entry = wc.Find(path);
    if (entry == nullptr) continue;
    for (const remote::ChangedPathInfo& changed : submitted.changeset.changed_paths) {
      if (changed.path != path || changed.content_id.empty()) continue;
      remote::TreeFile file{path, internal::ToRemoteKind(entry->kind), entry->executable, 0,
                            changed.content_id};
      RETURN_IF_ERROR(internal::SaveOnError(wc, internal::FetchInto(wc, *remote, file)));
      wc::WcEntry fetched = *wc.Find(path);
      absl::StatusOr<internal::LocalFile> local = internal::StatLocal(wc.AbsPath(path));
      if (local.ok()) fetched.base_size = local->size;
      if (!wc.RecordDiskState(fetched).ok()) fetched.disk_content_id.clear();
      wc.Put(std::move(fetched));
      result.merged_paths.push_back(path);
    }
  }
  wc.mutable_config().pending_merge_parent.reset();
  if (submitted.changeset.parent.has_value() &&
      *submitted.changeset.parent == wc.config().base_number) {
    wc.mutable_config().base_number = submitted.changeset.number;
  }
  RETURN_IF_ERROR(wc.Save());
  return result;
}

}  // namespace mlvc::client::ops
