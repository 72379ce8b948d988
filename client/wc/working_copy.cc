#include "client/wc/working_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/wc/file_system_internal.h"
#include "client/wc/state_file_internal.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::client::wc {
namespace {

namespace fs = std::filesystem;
using internal::FileStat;
using internal::NodeType;

using internal::kLegacyStateFileName;
using internal::kStateFileName;
constexpr char kTempDirName[] = "tmp";

// Splits on '/', dropping empty pieces.
std::vector<std::string_view> SplitSlashes(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Components of an absolute path with "." and empty ones dropped and ".." applied (never
// above "/"), the way the kernel would read it if no component were a symlink.
std::vector<std::string> LexicalComponents(std::string_view abspath) {
  std::vector<std::string> out;
  for (std::string_view c : SplitSlashes(abspath)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

// The part of `path` below `root` joined with '/', or nullopt when not below it.
std::optional<std::string> RelativeTo(const std::vector<std::string>& path,
                                      const std::vector<std::string>& root) {
  if (path.size() < root.size()) return std::nullopt;
  for (size_t i = 0; i < root.size(); ++i) {
    if (path[i] != root[i]) return std::nullopt;
  }
  return absl::StrJoin(path.begin() + static_cast<std::ptrdiff_t>(root.size()), path.end(),
                       "/");
}

// An absolute, symlink-free spelling of `path` when it exists, else its lexical form.
std::string CanonicalOrLexical(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) abs = path;
  fs::path canon = fs::weakly_canonical(abs, ec);
  if (ec) canon = abs.lexically_normal();
  std::string out = canon.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string AdminDir(const std::string& root) { return root + "/" + kAdminDirName; }

}  // namespace

absl::StatusOr<WorkingCopy> WorkingCopy::Create(const std::string& root_abspath,
                                                WcConfig config) {
  std::error_code ec;
  fs::create_directories(root_abspath, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create folder '", root_abspath, "': ", ec.message()));
  }
  WorkingCopy wc;
  wc.root_ = CanonicalOrLexical(root_abspath);
  wc.config_ = std::move(config);
  wc.unsaved_ = true;
  const std::string admin = AdminDir(wc.root_);
  if (::mkdir(admin.c_str(), 0755) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("'", wc.root_, "' is already a working copy"));
    }
    return internal::ErrnoError("cannot create folder", admin, errno);
  }
  RETURN_IF_ERROR(wc.Save());
  return wc;
}

absl::StatusOr<WorkingCopy> WorkingCopy::Open(const std::string& start_abspath) {
  const std::string start = CanonicalOrLexical(start_abspath);
  std::string dir = start;
  for (;;) {
    ASSIGN_OR_RETURN(FileStat st, internal::StatPath(AdminDir(dir == "/" ? "" : dir)));
    if (st.type == NodeType::kDirectory) break;
    if (dir == "/" || dir.empty()) {
      return absl::NotFoundError(absl::StrCat("'", start, "' is not in a working copy"));
    }
    const size_t slash = dir.rfind('/');
    dir = slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
  }
  const std::string admin = AdminDir(dir == "/" ? "" : dir);
  std::string state_path = admin + "/" + kStateFileName;
  absl::StatusOr<std::string> bytes = internal::ReadWholeFile(state_path);
  bool legacy = false;
  if (absl::IsNotFound(bytes.status())) {
    // A working copy of an earlier mlvc: its JSON state, if that is there.
    const std::string legacy_path = admin + "/" + kLegacyStateFileName;
    absl::StatusOr<std::string> text = internal::ReadWholeFile(legacy_path);
    if (!absl::IsNotFound(text.status())) {
      state_path = legacy_path;
      bytes = std::move(text);
      legacy = true;
    }
  }
  if (!bytes.ok()) {
    return absl::DataLossError(absl::StrCat("cannot read the working-copy state '",
                                            state_path, "': ", bytes.status().message()));
  }
  ASSIGN_OR_RETURN(internal::WcState state, legacy
                                                ? internal::DecodeLegacyJsonState(*bytes)
                                                : internal::DecodeState(*bytes));
  WorkingCopy wc;
  wc.root_ = dir;
  wc.config_ = std::move(state.config);
  wc.entries_ = std::move(state.entries);
  // The next Save() writes state.pb, and removes state.json.
  wc.unsaved_ = legacy;
  wc.legacy_state_file_ = legacy;
  return wc;
}

const WcEntry* WorkingCopy::Find(const std::string& relpath) const {
  auto it = entries_.find(relpath);
  return it == entries_.end() ? nullptr : &it->second;
}

void WorkingCopy::Put(WcEntry entry) {
  std::string key = entry.relpath;
  entries_[std::move(key)] = std::move(entry);
  unsaved_ = true;
}

void WorkingCopy::Erase(const std::string& relpath) {
  if (entries_.erase(relpath) != 0) unsaved_ = true;
}

std::string WorkingCopy::AbsPath(const std::string& relpath) const {
  if (relpath.empty()) return root_;
  return root_ == "/" ? "/" + relpath : root_ + "/" + relpath;
}

absl::StatusOr<std::string> WorkingCopy::ToRelpath(const std::string& cwd_abspath,
                                                   const std::string& user_path) const {
  if (user_path.empty()) return absl::InvalidArgumentError("invalid path '': empty path");
  const std::string full =
      user_path.front() == '/' ? user_path : cwd_abspath + "/" + user_path;
  const std::vector<std::string> root_components = LexicalComponents(root_);
  std::optional<std::string> rel = RelativeTo(LexicalComponents(full), root_components);
  if (!rel.has_value()) {
    // The user may have reached the working copy through a symlink (or the cwd is one).
    rel = RelativeTo(LexicalComponents(CanonicalOrLexical(full)), root_components);
  }
  if (!rel.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", user_path, "' is outside the working copy at ", root_));
  }
  if (rel->empty()) return std::string();
  return common::NormalizeRepoRelpath(*rel);
}

bool WorkingCopy::InScope(const std::string& relpath) const {
  if (config_.sparse_paths.empty()) return true;
  for (const std::string& sparse : config_.sparse_paths) {
    if (common::RelpathIsWithin(relpath, sparse)) return true;
  }
  return false;
}

absl::Status WorkingCopy::RecordDiskState(WcEntry& entry) const {
  const std::string abspath = AbsPath(entry.relpath);
  ASSIGN_OR_RETURN(FileStat st, internal::StatPath(abspath));
  if (st.type != NodeType::kRegular) {
    return absl::InternalError(absl::StrCat("'", abspath, "' is not a regular file"));
  }
  RecordDiskState(entry, InstalledFile{st.size, st.mtime_ns});
  return absl::OkStatus();
}

void WorkingCopy::RecordDiskState(WcEntry& entry, const InstalledFile& installed) const {
  entry.disk_size = installed.size;
  entry.mtime_ns = installed.mtime_ns;
  const bool racy = installed.mtime_ns > internal::NowNs() - kRacyMarginNs;
  if (installed.size == entry.base_size && !racy) {
    entry.disk_content_id = entry.base_content_id;
    entry.disk_kind = entry.kind;
  } else {
    // Not provably that content: let the next Scan() look.
    entry.disk_content_id.clear();
  }
}

absl::Status WorkingCopy::Save() const {
  if (!unsaved_) return absl::OkStatus();  // the state file holds this state already
  const std::string admin = AdminDir(root_);
  RETURN_IF_ERROR(internal::WriteFileAtomically(admin + "/" + kStateFileName,
                                                internal::EncodeState(config_, entries_)));
  unsaved_ = false;
  if (legacy_state_file_) {
    // Open() prefers state.pb, so a state.json left behind (by a crash right here, or an
    // error) is only clutter, removed by the next Save() that writes.
    if (::unlink((admin + "/" + kLegacyStateFileName).c_str()) == 0 || errno == ENOENT) {
      legacy_state_file_ = false;
    }
  }
  return absl::OkStatus();
}

std::string WorkingCopy::TempPath() const {
  static std::atomic<uint64_t> counter{0};
  static const pid_t pid = ::getpid();  // one per process: the counter tells calls apart
  const std::string dir = AdminDir(root_) + "/" + kTempDirName;
  if (!temp_dir_made_) {
    // A failure shows up when the caller creates the file.
    std::error_code ec;
    fs::create_directories(dir, ec);
    temp_dir_made_ = !ec;
  }
  return absl::StrCat(dir, "/dl-", pid, "-", internal::NowNs(), "-", counter.fetch_add(1));
}

absl::Status WorkingCopy::MakeParents(const std::string& relpath, bool trust_known) const {
  // Parent folders, top-down.
  std::string parent;
  for (std::string_view component : SplitSlashes(common::RelpathDirname(relpath))) {
    if (!parent.empty()) parent.push_back('/');
    parent.append(component);
    if (trust_known && known_dirs_.count(parent) != 0) continue;
    const std::string abspath = AbsPath(parent);
    ASSIGN_OR_RETURN(FileStat st, internal::StatPath(abspath));
    if (st.type != NodeType::kDirectory) {
      if (st.type != NodeType::kAbsent) {
        known_dirs_.erase(parent);
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot create folder '", parent, "': something else is in the way"));
      }
      if (::mkdir(abspath.c_str(), 0777) != 0 && errno != EEXIST) {
        return internal::ErrnoError("cannot create folder", abspath, errno);
      }
    }
    known_dirs_.insert(parent);
  }
  return absl::OkStatus();
}

absl::Status WorkingCopy::InstallFile(const std::string& temp_abspath,
                                      const std::string& relpath, bool executable) const {
  return Install(temp_abspath, relpath, executable, std::nullopt).status();
}

absl::StatusOr<WorkingCopy::InstalledFile> WorkingCopy::InstallFile(
    const std::string& temp_abspath, const std::string& relpath, bool executable,
    bool read_only) const {
  return Install(temp_abspath, relpath, executable, read_only);
}

absl::StatusOr<WorkingCopy::InstalledFile> WorkingCopy::Install(
    const std::string& temp_abspath, const std::string& relpath, bool executable,
    std::optional<bool> read_only) const {
  RETURN_IF_ERROR(MakeParents(relpath, /*trust_known=*/true));
  struct stat st;
  if (::stat(temp_abspath.c_str(), &st) != 0) {
    return internal::ErrnoError("cannot stat", temp_abspath, errno);
  }
  const mode_t mode = st.st_mode & 07777;
  const mode_t perms = mode & 0777;  // set-id and sticky bits are dropped
  // Execute permission follows read permission, as git checks out an executable file.
  mode_t want =
      executable ? (perms | ((perms & 0444) >> 2)) : (perms & ~static_cast<mode_t>(0111));
  constexpr mode_t kWriteBits = S_IWUSR | S_IWGRP | S_IWOTH;
  if (read_only.has_value()) {
    if (*read_only) {
      want &= ~kWriteBits;
    } else if ((want & kWriteBits) == 0) {
      want |= S_IWUSR;
    }
  }
  if (want != mode && ::chmod(temp_abspath.c_str(), want) != 0) {
    return internal::ErrnoError("cannot chmod", temp_abspath, errno);
  }
  const InstalledFile installed{static_cast<uint64_t>(st.st_size),
                                static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                                    st.st_mtim.tv_nsec};
  const std::string target = AbsPath(relpath);
  const auto move_in = [&]() -> absl::Status {
    // Mostly nothing is there yet (a checkout, a file new in an update): moving it in only
    // if so spares stat'ing the target; whatever stands there makes it fail with EEXIST.
    if (!no_rename_noreplace_) {
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (::renameat2(AT_FDCWD, temp_abspath.c_str(), AT_FDCWD, target.c_str(),
                        RENAME_NOREPLACE) == 0) {
          return absl::OkStatus();
        }
        if (errno == EEXIST) break;
        if (errno == EINVAL || errno == ENOSYS) {
          no_rename_noreplace_ = true;  // not supported here: stat first, as below
          break;
        }
        if ((errno != ENOENT && errno != ENOTDIR) || attempt == 1) {
          return internal::ErrnoError("cannot move a download into", target, errno);
        }
        // A remembered folder is gone (or was replaced): look at every parent again.
        known_dirs_.clear();
        RETURN_IF_ERROR(MakeParents(relpath, /*trust_known=*/false));
      }
    }
    ASSIGN_OR_RETURN(FileStat existing, internal::StatPath(target));
    if (existing.type != NodeType::kAbsent && existing.type != NodeType::kRegular) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot write '", relpath, "': a folder or special file is in the way"));
    }
    if (::rename(temp_abspath.c_str(), target.c_str()) != 0) {
      return internal::ErrnoError("cannot move a download into", target, errno);
    }
    return absl::OkStatus();
  };
  absl::Status moved = move_in();
  if (!moved.ok()) {
    // The source stays as it was (resolve installs a file of the tree, NAME.mine).
    if (want != mode) ::chmod(temp_abspath.c_str(), mode);
    return moved;
  }
  return installed;
}

absl::Status WorkingCopy::RemoveFile(const std::string& relpath) const {
  const std::string abspath = AbsPath(relpath);
  ASSIGN_OR_RETURN(FileStat st, internal::StatPath(abspath));
  if (st.type == NodeType::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot delete '", relpath, "': it is a folder"));
  }
  if (st.type != NodeType::kAbsent && ::unlink(abspath.c_str()) != 0 && errno != ENOENT) {
    return internal::ErrnoError("cannot delete", abspath, errno);
  }
  for (std::string_view dir = common::RelpathDirname(relpath); !dir.empty();
       dir = common::RelpathDirname(dir)) {
    // Stops at the first folder that still holds something (or cannot be removed).
    if (::rmdir(AbsPath(std::string(dir)).c_str()) != 0) break;
    known_dirs_.erase(std::string(dir));
  }
  return absl::OkStatus();
}

}  // namespace mlvc::client::wc
