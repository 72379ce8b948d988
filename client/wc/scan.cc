// WorkingCopy::Scan: the walk that compares disk with the entries (status, commit, update
// all start here), kept apart from the state bookkeeping in working_copy.cc.
#include <algorithm>
#include <memory>
#include <unordered_set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/wc/file_system_internal.h"
#include "client/wc/working_copy.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"
#include "common/tree/content_kind.h"

namespace mlvc::client::wc {
namespace {

using internal::FileStat;
using internal::NodeType;

// True when some path of `set` lies within `dir` or `dir` lies within it, i.e. the walk
// must enter `dir`. An empty set stands for everything.
bool Overlaps(const std::vector<std::string>& set, const std::string& dir) {
  if (set.empty()) return true;
  for (const std::string& p : set) {
    if (common::RelpathIsWithin(p, dir) || common::RelpathIsWithin(dir, p)) return true;
  }
  return false;
}

bool WithinAny(const std::vector<std::string>& set, const std::string& relpath) {
  if (set.empty()) return true;
  for (const std::string& p : set) {
    if (common::RelpathIsWithin(relpath, p)) return true;
  }
  return false;
}

// A name on disk the working copy can version: a valid relpath, already normal.
bool IsVersionableRelpath(const std::string& relpath) {
  absl::StatusOr<std::string> norm = common::NormalizeRepoRelpath(relpath);
  return norm.ok() && *norm == relpath;
}

}  // namespace

absl::StatusOr<std::vector<StatusItem>> WorkingCopy::Scan(
    const std::vector<std::string>& filters) {
  last_scan_stats_ = ScanStats();
  std::vector<std::string> filter_set;
  for (const std::string& f : filters) {
    if (f.empty()) {  // the root: no restriction
      filter_set.clear();
      break;
    }
    filter_set.push_back(f);
  }
  const std::vector<std::string>& sparse = config_.sparse_paths;
  auto wanted = [&](const std::string& relpath) {
    return WithinAny(sparse, relpath) && WithinAny(filter_set, relpath);
  };

  std::vector<StatusItem> items;
  // Entries found as regular files, by address: no copy of 10,000 paths to hash.
  std::unordered_set<const WcEntry*> seen;
  std::vector<std::string> pending_dirs = {""};
  while (!pending_dirs.empty()) {
    const std::string dir = std::move(pending_dirs.back());
    pending_dirs.pop_back();
    absl::StatusOr<std::unique_ptr<internal::DirReader>> reader =
        internal::DirReader::Open(AbsPath(dir));
    if (absl::IsNotFound(reader.status())) continue;  // vanished while we walked
    RETURN_IF_ERROR(reader.status());
    std::string name;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, (*reader)->Next(name));
      if (!more) break;
      if (absl::AsciiStrToLower(name) == kAdminDirName) continue;
      // `dir` passed this test when it was entered, so the name and the length decide.
      if (!IsVersionableRelpath(name)) continue;
      const std::string relpath = dir.empty() ? name : absl::StrCat(dir, "/", name);
      if (relpath.size() > common::kMaxPathBytes) continue;
      ASSIGN_OR_RETURN(FileStat st, (*reader)->Stat(name));
      if (st.type == NodeType::kDirectory) {
        ASSIGN_OR_RETURN(FileStat admin,
                         (*reader)->Stat(absl::StrCat(name, "/", kAdminDirName)));
        if (admin.type == NodeType::kDirectory) continue;  // a nested working copy
        if (Overlaps(sparse, relpath) && Overlaps(filter_set, relpath)) {
          pending_dirs.push_back(relpath);
        }
        continue;
      }
      if (st.type != NodeType::kRegular || !wanted(relpath)) continue;

      auto entry_it = entries_.find(relpath);
      if (entry_it == entries_.end()) {
        items.push_back(StatusItem{relpath, StatusCode::kUnversioned});
        continue;
      }
      WcEntry& entry = entry_it->second;
      if (entry.schedule == Schedule::kDeleted) {
        seen.insert(&entry);
        items.push_back(StatusItem{relpath, StatusCode::kDeleted});
        continue;
      }
      ++last_scan_stats_.files_seen;
      std::string content_id;
      FileKind kind;
      if (!entry.disk_content_id.empty() && st.size == entry.disk_size &&
          st.mtime_ns == entry.mtime_ns) {
        content_id = entry.disk_content_id;
        kind = entry.disk_kind;
      } else {
        const std::string abspath = AbsPath(relpath);
        const int64_t hashed_at = internal::NowNs();
        absl::StatusOr<std::string> prefix =
            internal::ReadPrefix(abspath, common::kKindSniffBytes);
        absl::StatusOr<common::FileDigest> digest =
            prefix.ok() ? common::Sha256File(abspath)
                        : absl::StatusOr<common::FileDigest>(prefix.status());
        if (absl::IsNotFound(digest.status())) continue;  // vanished: reported missing
        RETURN_IF_ERROR(digest.status());
        ++last_scan_stats_.files_hashed;
        last_scan_stats_.bytes_hashed += digest->size;
        content_id = digest->content_id;
        kind = common::LooksLikeText(*prefix) ? FileKind::kText : FileKind::kBinary;
        // Cache only what provably belongs together: the file did not change size while
        // we read it, and no write in the same mtime tick can follow our read unseen.
        if (digest->size == st.size && st.mtime_ns <= hashed_at - kRacyMarginNs &&
            (entry.disk_size != st.size || entry.mtime_ns != st.mtime_ns ||
             entry.disk_content_id != content_id || entry.disk_kind != kind)) {
          entry.disk_size = st.size;
          entry.mtime_ns = st.mtime_ns;
          entry.disk_content_id = content_id;
          entry.disk_kind = kind;
          ++last_scan_stats_.entries_updated;
          unsaved_ = true;  // Save() keeps it
        }
      }
      seen.insert(&entry);
      StatusItem item{relpath, StatusCode::kModified, content_id, st.size, kind,
                      st.executable};
      item.conflicted = entry.conflicted;
      if (entry.schedule == Schedule::kAdded) {
        item.code = StatusCode::kAdded;
        items.push_back(std::move(item));
      } else if (content_id != entry.base_content_id || st.executable != entry.executable ||
                 entry.conflicted) {
        items.push_back(std::move(item));
      }
    }
  }

  for (const auto& [relpath, entry] : entries_) {
    if (seen.count(&entry) != 0 || !wanted(relpath)) continue;
    items.push_back(StatusItem{relpath, entry.schedule == Schedule::kDeleted
                                            ? StatusCode::kDeleted
                                            : StatusCode::kMissing});
    items.back().conflicted = entry.conflicted;
  }
  std::sort(items.begin(), items.end(),
            [](const StatusItem& a, const StatusItem& b) { return a.relpath < b.relpath; });
  return items;
}

}  // namespace mlvc::client::wc
