#include "client/ops/local_ops.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "client/ops/ops_internal.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace fs = std::filesystem;

namespace {

std::string Shown(const std::string& relpath) { return relpath.empty() ? "." : relpath; }

// Versioned relpaths at or under `relpath`.
std::vector<std::string> EntriesWithin(const wc::WorkingCopy& wc, const std::string& relpath) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : wc.entries()) {
    if (common::RelpathIsWithin(path, relpath)) out.push_back(path);
  }
  return out;
}

// A new entry scheduled for addition; its disk state is left unknown so that the next Scan
// hashes the file (it may change again before commit anyway).
absl::StatusOr<wc::WcEntry> NewAddedEntry(const wc::WorkingCopy& wc, const std::string& relpath) {
  const std::string abspath = wc.AbsPath(relpath);
  ASSIGN_OR_RETURN(internal::LocalFile local, internal::StatLocal(abspath));
  ASSIGN_OR_RETURN(wc::FileKind kind, internal::SniffKind(abspath));
  wc::WcEntry entry;
  entry.relpath = relpath;
  entry.kind = kind;
  entry.disk_kind = kind;
  entry.executable = local.executable;
  entry.schedule = wc::Schedule::kAdded;
  return entry;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ToRelpaths(const wc::WorkingCopy& wc,
                                                    const std::string& cwd_abspath,
                                                    const std::vector<std::string>& user_paths) {
  std::vector<std::string> out;
  for (const std::string& p : user_paths) {
    ASSIGN_OR_RETURN(std::string relpath, wc.ToRelpath(cwd_abspath, p));
    out.push_back(std::move(relpath));
  }
  return out;
}

absl::StatusOr<std::vector<wc::StatusItem>> Status(wc::WorkingCopy& wc,
                                                   const std::vector<std::string>& relpaths) {
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> items, wc.Scan(relpaths));
  RETURN_IF_ERROR(wc.Save());
  return items;
}

absl::StatusOr<std::vector<std::string>> Add(wc::WorkingCopy& wc,
                                             const std::vector<std::string>& relpaths) {
  for (const std::string& relpath : relpaths) {
    ASSIGN_OR_RETURN(internal::LocalFile local, internal::StatLocal(wc.AbsPath(relpath)));
    if (!local.exists) return absl::NotFoundError("'" + Shown(relpath) + "' does not exist");
    if (!relpath.empty() && !wc.InScope(relpath)) {
      return absl::InvalidArgumentError("'" + relpath +
                                        "' is outside the paths of this sparse working copy");
    }
    if (!local.regular && !local.directory) {
      return absl::InvalidArgumentError("'" + Shown(relpath) +
                                        "' is neither a regular file nor a directory");
    }
  }
  std::set<std::string> added;
  for (const std::string& relpath : relpaths) {
    // A file scheduled for deletion that is back on disk is versioned again.
    for (const std::string& path : EntriesWithin(wc, relpath)) {
      const wc::WcEntry* entry = wc.Find(path);
      if (entry->schedule != wc::Schedule::kDeleted) continue;
      ASSIGN_OR_RETURN(internal::LocalFile local, internal::StatLocal(wc.AbsPath(path)));
      if (!local.regular) continue;
      wc::WcEntry undeleted = *entry;
      undeleted.schedule = wc::Schedule::kNormal;
      undeleted.disk_content_id.clear();
      wc.Put(std::move(undeleted));
    }
    ASSIGN_OR_RETURN(std::vector<wc::StatusItem> items, wc.Scan({relpath}));
    for (const wc::StatusItem& item : items) {
      if (item.code != wc::StatusCode::kUnversioned) continue;
      absl::StatusOr<wc::WcEntry> entry = NewAddedEntry(wc, item.relpath);
      if (!entry.ok()) return entry.status();
      wc.Put(*std::move(entry));
      added.insert(item.relpath);
    }
  }
  RETURN_IF_ERROR(wc.Save());
  return std::vector<std::string>(added.begin(), added.end());
}

absl::StatusOr<std::vector<std::string>> Remove(wc::WorkingCopy& wc,
                                                const std::vector<std::string>& relpaths) {
  std::set<std::string> targets;
  for (const std::string& relpath : relpaths) {
    std::vector<std::string> within = EntriesWithin(wc, relpath);
    if (within.empty()) {
      return absl::NotFoundError("'" + Shown(relpath) + "' is not versioned");
    }
    targets.insert(within.begin(), within.end());
  }
  std::vector<std::string> removed;
  absl::Status status;
  for (const std::string& path : targets) {
    wc::WcEntry entry = *wc.Find(path);
    if (entry.schedule == wc::Schedule::kDeleted) continue;
    status = wc.RemoveFile(path);
    if (!status.ok()) break;
    if (entry.schedule == wc::Schedule::kAdded) {
      wc.Erase(path);
    } else {
      entry.schedule = wc::Schedule::kDeleted;
      wc.Put(std::move(entry));
    }
    removed.push_back(path);
  }
  RETURN_IF_ERROR(internal::SaveOnError(wc, status));
  RETURN_IF_ERROR(wc.Save());
  return removed;
}

absl::Status Move(wc::WorkingCopy& wc, const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) {
    return absl::InvalidArgumentError("cannot move the root of the working copy");
  }
  if (common::RelpathIsWithin(to, from)) {
    return absl::InvalidArgumentError("cannot move '" + from + "' into itself");
  }
  if (!wc.InScope(to)) {
    return absl::InvalidArgumentError("'" + to +
                                      "' is outside the paths of this sparse working copy");
  }
  std::vector<std::string> moving;
  for (const std::string& path : EntriesWithin(wc, from)) {
    if (wc.Find(path)->schedule != wc::Schedule::kDeleted) moving.push_back(path);
  }
  ASSIGN_OR_RETURN(internal::LocalFile source, internal::StatLocal(wc.AbsPath(from)));
  if (moving.empty()) return absl::NotFoundError("'" + from + "' is not versioned");
  if (!source.exists) return absl::NotFoundError("'" + from + "' does not exist on disk");
  ASSIGN_OR_RETURN(internal::LocalFile dest, internal::StatLocal(wc.AbsPath(to)));
  if (dest.exists) return absl::AlreadyExistsError("'" + to + "' already exists");
  for (const std::string& path : moving) {
    const std::string new_path = to + path.substr(from.size());
    const wc::WcEntry* there = wc.Find(new_path);
    if (there != nullptr && there->schedule != wc::Schedule::kDeleted) {
      return absl::AlreadyExistsError("'" + new_path + "' is already versioned");
    }
  }

  std::error_code ec;
  fs::create_directories(fs::path(wc.AbsPath(to)).parent_path(), ec);
  if (ec) return absl::InternalError("cannot create the folder of '" + to + "': " + ec.message());
  fs::rename(wc.AbsPath(from), wc.AbsPath(to), ec);
  if (ec) {
    return absl::InternalError("cannot move '" + from + "' to '" + to + "': " + ec.message());
  }

  for (const std::string& path : moving) {
    wc::WcEntry old_entry = *wc.Find(path);
    const std::string new_path = to + path.substr(from.size());
    const wc::WcEntry* there = wc.Find(new_path);
    if (there != nullptr) {
      // Moving onto a path scheduled for deletion: it stays versioned, with its own base.
      wc::WcEntry revived = *there;
      revived.schedule = wc::Schedule::kNormal;
      revived.disk_content_id.clear();
      wc.Put(std::move(revived));
    } else {
      wc::WcEntry added = old_entry;
      added.relpath = new_path;
      added.base_content_id.clear();
      added.base_size = 0;
      added.disk_content_id.clear();
      added.mtime_ns = 0;
      added.schedule = wc::Schedule::kAdded;
      wc.Put(std::move(added));
    }
    if (old_entry.schedule == wc::Schedule::kAdded) {
      wc.Erase(path);
    } else {
      old_entry.schedule = wc::Schedule::kDeleted;
      wc.Put(std::move(old_entry));
    }
  }
  // Leave no empty folders behind where the source was.
  fs::path parent = fs::path(wc.AbsPath(from)).parent_path();
  const fs::path root(wc.root());
  while (parent != root && parent.string().size() > root.string().size() &&
         fs::is_empty(parent, ec) && !ec) {
    if (!fs::remove(parent, ec) || ec) break;
    parent = parent.parent_path();
  }
  return wc.Save();
}

InfoResult Info(const wc::WorkingCopy& wc) {
  const wc::WcConfig& c = wc.config();
  return InfoResult{c.server, c.repository, c.branch, c.base_number, wc.root(), c.sparse_paths};
}

}  // namespace mlvc::client::ops
