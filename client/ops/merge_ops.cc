#include "client/ops/merge_ops.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "client/ops/conflict_files.h"
#include "client/ops/ops_internal.h"
#include "common/merge/diff3.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

bool IsText(const std::optional<remote::TreeFile>& f) {
  return f.has_value() && f->kind == remote::EntryKind::kText &&
         f->size <= internal::kMaxWcMergeBytes;
}

// Downloads `file` over `relpath` without touching its entry: the working copy then shows
// the change against its base, ready to commit.
absl::Status WriteVersion(wc::WorkingCopy& wc, remote::Remote& remote, const std::string& relpath,
                          const remote::TreeFile& file) {
  const std::string temp = wc.TempPath();
  RETURN_IF_ERROR(remote.DownloadToFile(wc.config().repository, file.content_id, temp));
  absl::Status installed = wc.InstallFile(temp, relpath, file.executable);
  if (!installed.ok()) std::remove(temp.c_str());
  return installed;
}

absl::StatusOr<std::string> TextOf(remote::Remote& remote, const std::string& repository,
                                   const std::optional<remote::TreeFile>& f) {
  if (!f.has_value()) return std::string();
  return remote.DownloadToMemory(repository, f->content_id, internal::kMaxWcMergeBytes);
}

// The entry of a file the merge adds to the working copy.
void ScheduleAdd(wc::WorkingCopy& wc, const std::string& relpath, const remote::TreeFile& file,
                 bool conflicted) {
  wc::WcEntry entry;
  entry.relpath = relpath;
  entry.kind = internal::ToWcKind(file.kind);
  entry.disk_kind = entry.kind;
  entry.executable = file.executable;
  entry.schedule = wc::Schedule::kAdded;
  entry.conflicted = conflicted;
  wc.Put(std::move(entry));
}

void MarkChanged(wc::WorkingCopy& wc, const std::string& relpath, bool conflicted) {
  const wc::WcEntry* found = wc.Find(relpath);
  if (found == nullptr) return;
  wc::WcEntry entry = *found;
  entry.disk_content_id.clear();  // the next Scan() hashes it
  entry.conflicted = entry.conflicted || conflicted;
  wc.Put(std::move(entry));
}

}  // namespace

absl::StatusOr<remote::MergeOutcome> MergeOnServer(const Endpoint& endpoint,
                                                   const remote::MergeRequest& request) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  remote::MergeRequest r = request;
  if (!r.preview && r.submit_id.empty()) r.submit_id = internal::RandomHex();
  return remote->Merge(r);
}

absl::StatusOr<WcMergeResult> MergeIntoWorkingCopy(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                                   const std::string& source,
                                                   remote::MergeStrategy strategy,
                                                   const ProgressCallback& progress) {
  const wc::WcConfig config = wc.config();
  if (config.pending_merge_parent.has_value()) {
    return absl::FailedPreconditionError(
        "a merge of @" + std::to_string(*config.pending_merge_parent) +
        " is not committed yet; commit it (or revert the working copy) first");
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  ASSIGN_OR_RETURN(remote::ResolvedRef head, remote->ResolveRef(config.repository, config.branch));
  if (head.number != config.base_number) {
    return absl::FailedPreconditionError(
        "out of date: the working copy is at @" + std::to_string(config.base_number) +
        " but '" + config.branch + "' is at @" + std::to_string(head.number) +
        "; run 'mlvc update' first");
  }
  remote::MergeRequest request;
  request.repository = config.repository;
  request.source = source;
  request.target_branch = config.branch;
  request.preview = true;
  request.strategy = strategy;
  ASSIGN_OR_RETURN(remote::MergeOutcome plan, remote->Merge(request));
  WcMergeResult result;
  result.source_number = plan.source_number;
  result.base_number = plan.base_number;
  if (plan.up_to_date) {
    result.up_to_date = true;
    return result;
  }
  if (plan.target_number != config.base_number) {
    return absl::FailedPreconditionError("out of date: '" + config.branch +
                                         "' moved while merging; run 'mlvc update' first");
  }

  // Refuse before touching anything: local changes or conflicts on the paths involved.
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> scan, wc.Scan({}));
  RETURN_IF_ERROR(wc.Save());
  std::map<std::string, const wc::StatusItem*> local;
  for (const wc::StatusItem& item : scan) {
    if (item.conflicted) {
      return absl::FailedPreconditionError("'" + item.relpath +
                                           "' is conflicted; resolve it before merging");
    }
    local[item.relpath] = &item;
  }
  std::set<std::string> touched;
  for (const auto& f : plan.files) touched.insert(f.path);
  for (const auto& c : plan.conflicts) touched.insert(c.path);
  for (const std::string& path : touched) {
    if (!wc.InScope(path)) {
      return absl::FailedPreconditionError(
          "the merge changes '" + path + "', outside this sparse working copy; merge on the "
          "server with 'mlvc merge " + source + " --into " + config.branch + "'");
    }
    if (local.count(path) != 0) {
      return absl::FailedPreconditionError(
          "'" + path + "' has local changes (or is in the way) and the merge changes it; commit "
          "or revert it first");
    }
  }

  // A conflict that keeps both sides writes NAME.base/.mine/.theirs (text) or NAME.mine
  // (binary): refuse now rather than replace a file that is already there.
  for (const remote::MergeConflictInfo& c : plan.conflicts) {
    if (!c.source.has_value() || !c.target.has_value()) continue;  // no extra files
    const bool text =
        IsText(c.source) && IsText(c.target) && (!c.base.has_value() || IsText(c.base));
    RETURN_IF_ERROR(internal::CheckConflictNamesFree(wc, c.path, /*mine_only=*/!text));
  }

  auto report = [&](FileAction action, const std::string& path) {
    FileEvent event{action, path, plan.source_number};
    if (progress) progress(event);
    result.events.push_back(std::move(event));
  };
  common::MergeLabels labels;
  labels.ours = config.branch;
  labels.theirs = source;

  internal::PeriodicSaver saver(wc);
  for (const remote::MergedFileInfo& f : plan.files) {
    absl::Status status;
    if (f.action == remote::ChangeAction::kDelete) {
      status = wc.RemoveFile(f.path);
      if (status.ok()) {
        wc::WcEntry entry = *wc.Find(f.path);
        entry.schedule = wc::Schedule::kDeleted;
        wc.Put(std::move(entry));
        report(FileAction::kDeleted, f.path);
      }
    } else if (f.line_merged) {
      absl::StatusOr<std::string> base = TextOf(*remote, wc.config().repository, f.base);
      absl::StatusOr<std::string> target = base.ok() ? TextOf(*remote, wc.config().repository, f.target) : base;
      absl::StatusOr<std::string> theirs = target.ok() ? TextOf(*remote, wc.config().repository, f.source) : target;
      status = theirs.status();
      if (status.ok()) {
        common::MergeResult merged = common::Merge3(*base, *target, *theirs, labels);
        status = internal::WriteWcFile(wc, f.path, merged.text, f.result->executable);
        if (status.ok()) {
          MarkChanged(wc, f.path, !merged.clean);
          report(merged.clean ? FileAction::kMerged : FileAction::kConflicted, f.path);
        }
      }
    } else {
      status = WriteVersion(wc, *remote, f.path, *f.result);
      if (status.ok()) {
        if (f.action == remote::ChangeAction::kAdd) {
          ScheduleAdd(wc, f.path, *f.result, false);
          report(FileAction::kAdded, f.path);
        } else {
          MarkChanged(wc, f.path, false);
          report(FileAction::kUpdated, f.path);
        }
      }
    }
    RETURN_IF_ERROR(internal::SaveOnError(wc, status));
    RETURN_IF_ERROR(saver.MaybeSave());
  }

  for (const remote::MergeConflictInfo& c : plan.conflicts) {
    absl::Status status;
    if (!c.source.has_value()) {
      // Deleted in the source, changed here: keep the file, flag it.
      MarkChanged(wc, c.path, true);
    } else if (!c.target.has_value()) {
      // Changed in the source, deleted here: bring the source's version back, flagged.
      status = WriteVersion(wc, *remote, c.path, *c.source);
      if (status.ok()) ScheduleAdd(wc, c.path, *c.source, true);
    } else if (IsText(c.source) && IsText(c.target) && (!c.base.has_value() || IsText(c.base))) {
      absl::StatusOr<std::string> base = TextOf(*remote, wc.config().repository, c.base);
      absl::StatusOr<std::string> target = base.ok() ? TextOf(*remote, wc.config().repository, c.target) : base;
      absl::StatusOr<std::string> theirs = target.ok() ? TextOf(*remote, wc.config().repository, c.source) : target;
      status = theirs.status();
      if (status.ok()) {
        common::MergeResult merged = common::Merge3(*base, *target, *theirs, labels);
        status = internal::WriteTextConflictFiles(wc, c.path, *base, *target, *theirs);
        if (status.ok()) {
          status = internal::WriteWcFile(wc, c.path, merged.text, c.target->executable);
        }
        if (status.ok()) MarkChanged(wc, c.path, true);
      }
    } else {
      // Binaries: this branch's file stays as NAME.mine, the source's takes its place.
      status = internal::MoveToMine(wc, c.path);
      if (status.ok()) status = WriteVersion(wc, *remote, c.path, *c.source);
      if (status.ok()) MarkChanged(wc, c.path, true);
    }
    if (status.ok()) report(FileAction::kConflicted, c.path);
    RETURN_IF_ERROR(internal::SaveOnError(wc, status));
    result.conflicts.push_back(c);
  }
  std::sort(result.events.begin(), result.events.end(),
            [](const FileEvent& a, const FileEvent& b) { return a.path < b.path; });
  wc.mutable_config().pending_merge_parent = plan.source_number;
  RETURN_IF_ERROR(wc.Save());
  return result;
}

}  // namespace mlvc::client::ops
