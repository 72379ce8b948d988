#include "client/ops/update.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/ops/lock_ops.h"
#include "client/ops/ops_internal.h"
#include "client/ops/transfer.h"
#include "client/ops/update_merge.h"
#include "client/ops/update_plan.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

using Kind = UpdateStep::Kind;

// The changeset that last changed `path` up to `target` (for the "skipped" message);
// `target` itself when the server cannot say.
int64_t LastChangedIn(remote::Remote& remote, const std::string& repository,
                      const std::string& path, int64_t target) {
  remote::LogQuery query;
  query.repository = repository;
  query.ref = std::to_string(target);
  query.path = path;
  query.limit = 1;
  absl::StatusOr<std::vector<remote::ChangesetInfo>> log = remote.Log(query);
  if (!log.ok() || log->empty()) return target;
  return log->front().number;
}

absl::Status SetExecutable(const std::string& abspath, bool executable) {
  struct stat st;
  if (::stat(abspath.c_str(), &st) != 0) {
    return absl::InternalError("cannot stat " + abspath + ": " + std::strerror(errno));
  }
  mode_t mode = st.st_mode & 07777;
  mode = executable ? (mode | ((mode & 0444) >> 2)) : (mode & ~mode_t{0111});
  if (::chmod(abspath.c_str(), mode) != 0) {
    return absl::InternalError("cannot chmod " + abspath + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

wc::WcEntry EntryFor(const remote::TreeFile& file) {
  wc::WcEntry entry;
  entry.relpath = file.path;
  entry.base_content_id = file.content_id;
  entry.base_size = file.size;
  entry.kind = internal::ToWcKind(file.kind);
  entry.executable = file.executable;
  entry.schedule = wc::Schedule::kNormal;
  return entry;
}

}  // namespace

absl::StatusOr<UpdateResult> Update(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& ref, const ProgressCallback& progress,
                                    TransferObserver* observer) {
  const std::string repository = wc.config().repository;
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  ASSIGN_OR_RETURN(remote::ResolvedRef resolved,
                   remote->ResolveRef(repository, ref.empty() ? wc.config().branch : ref));
  const int64_t target = resolved.number;
  ASSIGN_OR_RETURN(std::vector<remote::TreeFile> tree,
                   remote->GetTree(repository, target, wc.config().sparse_paths));
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> scan, wc.Scan({}));

  // An unversioned file where a new one arrives may already be that very file (a checkout
  // interrupted before its state was saved): hash those few to tell.
  {
    std::map<std::string, const remote::TreeFile*> upstream;
    for (const remote::TreeFile& f : tree) upstream[f.path] = &f;
    for (wc::StatusItem& item : scan) {
      if (item.code != wc::StatusCode::kUnversioned) continue;
      auto it = upstream.find(item.relpath);
      if (it == upstream.end()) continue;
      absl::StatusOr<internal::LocalFile> local = internal::StatLocal(wc.AbsPath(item.relpath));
      if (!local.ok() || local->size != it->second->size) continue;
      absl::StatusOr<common::FileDigest> digest = common::Sha256File(wc.AbsPath(item.relpath));
      if (digest.ok()) item.content_id = digest->content_id;
    }
  }

  std::vector<UpdateStep> steps = PlanUpdate(wc.entries(), scan, tree);
  UpdateResult result;
  result.number = target;
  auto report = [&](FileAction action, const std::string& path, int64_t changeset) {
    FileEvent event{action, path, changeset};
    if (progress) progress(event);
    result.events.push_back(std::move(event));
  };

  internal::PeriodicSaver saver(wc);
  internal::Transfer transfer(*remote, wc.config().repository,
                              TransferProgress::Direction::kDownload, observer);
  auto is_fetch = [](Kind kind) { return kind == Kind::kFetchNew || kind == Kind::kFetchChanged; };
  {
    uint64_t bytes = 0;
    uint64_t count = 0;
    for (const UpdateStep& step : steps) {
      if (!is_fetch(step.kind)) continue;
      bytes += step.target->size;
      ++count;
    }
    transfer.AddPlanned(bytes, count);
  }
  // Steps run in plan (path) order, a batch at a time: the batch's new and changed files are
  // first downloaded together, then every step is applied on this thread (the working copy
  // and the progress callback are not thread-safe).
  struct Batch {
    size_t begin = 0;
    size_t end = 0;
    std::vector<const remote::TreeFile*> fetches;
  };
  std::vector<Batch> batches;
  for (size_t begin = 0, end = 0; begin < steps.size(); begin = end) {
    Batch batch;
    uint64_t batch_bytes = 0;
    for (end = begin; end < steps.size(); ++end) {
      if (!is_fetch(steps[end].kind)) continue;
      if (batch.fetches.size() >= internal::kFetchBatch ||
          (!batch.fetches.empty() && batch_bytes >= internal::kFetchBatchBytes)) {
        break;
      }
      batch.fetches.push_back(&*steps[end].target);
      batch_bytes += steps[end].target->size;
    }
    batch.begin = begin;
    batch.end = end;
    batches.push_back(std::move(batch));
  }
  // The server describes the next batch's contents while this batch is written and applied
  // (DownloadAll takes the oldest prefetch: this batch's).
  if (!batches.empty()) transfer.PrefetchManifests(batches.front().fetches);
  for (size_t b = 0; b < batches.size(); ++b) {
    const size_t begin = batches[b].begin;
    const size_t end = batches[b].end;
    const std::vector<const remote::TreeFile*>& fetches = batches[b].fetches;
    if (b + 1 < batches.size()) transfer.PrefetchManifests(batches[b + 1].fetches);
    std::vector<std::string> temps;
    if (!fetches.empty()) {
      absl::StatusOr<std::vector<std::string>> downloaded =
          internal::DownloadAll(wc, transfer, fetches);
      result.transfer = transfer.Stats();
      RETURN_IF_ERROR(internal::SaveOnError(wc, downloaded.status()));
      temps = *std::move(downloaded);
    }
    size_t next_temp = 0;  // temps[next_temp] belongs to the next fetch step
    for (size_t i = begin; i < end; ++i) {
      const UpdateStep& step = steps[i];
      absl::Status status;
      switch (step.kind) {
        case Kind::kFetchNew:
        case Kind::kFetchChanged: {
          status = internal::InstallFetched(wc, temps[next_temp++], *step.target);
          if (absl::IsFailedPrecondition(status)) {
            // A folder or a non-regular file stands in the way: leave it, like an obstruction.
            report(FileAction::kObstructed, step.path, target);
            status = absl::OkStatus();
            break;
          }
          if (status.ok()) {
            report(step.kind == Kind::kFetchNew ? FileAction::kAdded : FileAction::kUpdated,
                   step.path, target);
          }
          break;
        }
        case Kind::kDelete:
          status = wc.RemoveFile(step.path);
          if (status.ok()) {
            wc.Erase(step.path);
            report(FileAction::kDeleted, step.path, target);
          }
          break;
        case Kind::kForget:
          wc.Erase(step.path);
          break;
        case Kind::kMergeLocalEdit: {
          // The scan is sorted by path.
          auto it = std::lower_bound(scan.begin(), scan.end(), step.path,
                                     [](const wc::StatusItem& item, const std::string& path) {
                                       return item.relpath < path;
                                     });
          if (it == scan.end() || it->relpath != step.path) break;  // the plan came from this scan
          const wc::StatusItem* local = &*it;
          absl::StatusOr<FileAction> merged =
              internal::MergeLocalEdit(wc, *remote, *local, *step.target);
          status = merged.status();
          if (status.ok()) report(*merged, step.path, target);
          break;
        }
        case Kind::kSkipLocalEdit:
          report(FileAction::kSkipped, step.path,
                 LastChangedIn(*remote, repository, step.path, target));
          break;
        case Kind::kObstructed:
          report(FileAction::kObstructed, step.path, target);
          break;
        case Kind::kKeepUnversioned:
          wc.Erase(step.path);
          report(FileAction::kKeptUnversioned, step.path,
                 LastChangedIn(*remote, repository, step.path, target));
          break;
        case Kind::kAdoptExisting: {
          wc::WcEntry entry = EntryFor(*step.target);
          status = SetExecutable(wc.AbsPath(step.path), entry.executable);
          if (status.ok()) status = wc.RecordDiskState(entry);
          if (status.ok()) {
            wc.Put(std::move(entry));
            report(FileAction::kAdded, step.path, target);
          }
          break;
        }
        case Kind::kMetadataOnly: {
          wc::WcEntry entry = *wc.Find(step.path);
          entry.executable = step.target->executable;
          entry.kind = internal::ToWcKind(step.target->kind);
          status = SetExecutable(wc.AbsPath(step.path), entry.executable);
          if (status.ok()) status = wc.RecordDiskState(entry);
          if (status.ok()) {
            wc.Put(std::move(entry));
            report(FileAction::kUpdated, step.path, target);
          }
          break;
        }
      }
      if (!status.ok()) internal::RemoveTemps(temps, next_temp);
      RETURN_IF_ERROR(internal::SaveOnError(wc, status));
      RETURN_IF_ERROR(saver.MaybeSave());
    }
  }
  result.transfer = transfer.Stats();
  wc.mutable_config().base_number = target;
  if (!resolved.branch.empty()) wc.mutable_config().branch = resolved.branch;
  RETURN_IF_ERROR(internal::RefreshLockModes(wc, *remote));  // lock_ops.h
  RETURN_IF_ERROR(wc.Save());
  return result;
}

}  // namespace mlvc::client::ops
