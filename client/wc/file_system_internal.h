// POSIX file helpers of the working copy (private to client/wc): stat with nanosecond
// mtimes, atomic writes, directory fsync. Kept apart so that the working-copy logic reads
// as logic.
// Requires: abseil. Used by: client/wc only.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::client::wc::internal {

enum class NodeType { kAbsent, kRegular, kDirectory, kSymlink, kOther };

struct FileStat {
  NodeType type = NodeType::kAbsent;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // since the Unix epoch
  bool executable = false;  // owner execute bit
};

// lstat(2) (symlinks are not followed). kAbsent when nothing is there (ENOENT, ENOTDIR);
// INTERNAL on other errors.
absl::StatusOr<FileStat> StatPath(const std::string& abspath);

// A folder being listed, through one descriptor: each name in it is stat'ed relative to that
// (fstatat) instead of the kernel walking the whole absolute path again, which was most of
// the time a scan of many small files took.
class DirReader {
 public:
  // NOT_FOUND when `abspath` is gone or is not a folder (symlinks are not followed);
  // INTERNAL on other errors.
  static absl::StatusOr<std::unique_ptr<DirReader>> Open(const std::string& abspath);
  ~DirReader();
  DirReader(const DirReader&) = delete;
  DirReader& operator=(const DirReader&) = delete;

  // Sets `name` to the next name in the folder ("." and ".." skipped, any order) and returns
  // true, or returns false at the end. INTERNAL on an error.
  absl::StatusOr<bool> Next(std::string& name);
  // StatPath of `relative` (a name in this folder, or a path below it).
  absl::StatusOr<FileStat> Stat(const std::string& relative) const;

 private:
  DirReader(std::string abspath, DIR* dir) : abspath_(std::move(abspath)), dir_(dir) {}
  std::string abspath_;
  DIR* dir_;
};

// Wall-clock time in ns since the Unix epoch, the clock file mtimes are taken from.
int64_t NowNs();

// Reads up to `max_bytes` from the start of a file. NOT_FOUND when it is gone; INTERNAL on
// other errors.
absl::StatusOr<std::string> ReadPrefix(const std::string& abspath, size_t max_bytes);

// Reads a whole (small) file. NOT_FOUND when it does not exist; INTERNAL on other errors.
absl::StatusOr<std::string> ReadWholeFile(const std::string& abspath);

// Writes `bytes` to `abspath` via a temporary file in the same folder: write, fsync,
// rename, fsync of the folder. INTERNAL on an I/O error (the old file stays intact).
absl::Status WriteFileAtomically(const std::string& abspath, std::string_view bytes);

// fsync of a file or folder. INTERNAL on an error.
absl::Status SyncPath(const std::string& abspath, bool is_directory);

// INTERNAL status "WHAT 'PATH': strerror(errno)".
absl::Status ErrnoError(std::string_view what, const std::string& path, int err);

}  // namespace mlvc::client::wc::internal
