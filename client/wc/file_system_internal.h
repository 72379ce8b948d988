// POSIX file helpers of the working copy (private to client/wc): stat with nanosecond
// mtimes, atomic writes, directory fsync. Kept apart so that the working-copy logic reads
// as logic.
// Requires: abseil. Used by: client/wc only.
#pragma once

#include <cstdint>
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
