// Helpers shared by the client operations (not part of the ops API).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops::internal {

absl::StatusOr<std::unique_ptr<remote::Remote>> Connect(const Endpoint& endpoint);

inline wc::FileKind ToWcKind(remote::EntryKind kind) {
  return kind == remote::EntryKind::kText ? wc::FileKind::kText : wc::FileKind::kBinary;
}
inline remote::EntryKind ToRemoteKind(wc::FileKind kind) {
  return kind == wc::FileKind::kText ? remote::EntryKind::kText : remote::EntryKind::kBinary;
}

struct LocalFile {
  bool exists = false;
  bool regular = false;
  bool directory = false;
  bool executable = false;
  uint64_t size = 0;
};
// lstat: a missing path gives exists = false. INTERNAL on other errors.
absl::StatusOr<LocalFile> StatLocal(const std::string& abspath);

// Sniffs text/binary from the first bytes. INTERNAL when unreadable.
absl::StatusOr<wc::FileKind> SniffKind(const std::string& abspath);

// 32 random hex characters (a submit id).
std::string RandomHex();

// Reads a whole local file (only for small files). INTERNAL on error.
absl::StatusOr<std::string> ReadSmallFile(const std::string& abspath);

// Downloads `file` to a temporary file, installs it at its path with its executable bit,
// and records the entry (base = that file, schedule normal). The entry is Put into `wc`.
absl::Status FetchInto(wc::WorkingCopy& wc, remote::Remote& remote, const remote::TreeFile& file);

class Transfer;  // transfer.h

// Files downloaded together (DownloadAll) before they are installed one by one: at most
// kFetchBatch files and, past the first file, kFetchBatchBytes. Large enough that a batch of
// small files costs a few round trips (one GetManifests, a ReadChunks per ~8 MiB), small
// enough that an interruption loses little: the chunks already received stay in the local
// chunk cache, so a re-run fetches only the rest.
inline constexpr size_t kFetchBatch = 1024;
inline constexpr uint64_t kFetchBatchBytes = 256ull << 20;

// FetchInto in two halves, so that many files download together while the working copy
// (not thread-safe) is only touched from the calling thread.
//
// DownloadAll downloads the contents of `files` into fresh temporary files of `wc` through
// `transfer` (transfer.h: chunked, from the cache where it can, verified against each
// content id and size). Returns the temporary paths in the order of `files`; on error (the
// first one) no temporary file is left behind.
absl::StatusOr<std::vector<std::string>> DownloadAll(
    const wc::WorkingCopy& wc, Transfer& transfer,
    const std::vector<const remote::TreeFile*>& files);
// Installs the verified download `temp` at file.path (see FetchInto); `temp` is gone after.
absl::Status InstallFetched(wc::WorkingCopy& wc, const std::string& temp,
                            const remote::TreeFile& file);
// Removes the temporary files temps[from...] (unused downloads after an error).
void RemoveTemps(const std::vector<std::string>& temps, size_t from);

// Saves the working copy now and then during a long operation, so that an interruption
// leaves a state matching the disk (saving after every file would rewrite the state file
// thousands of times).
class PeriodicSaver {
 public:
  explicit PeriodicSaver(wc::WorkingCopy& wc) : wc_(wc), last_(Clock::now()) {}
  absl::Status MaybeSave() {
    if (Clock::now() - last_ < std::chrono::seconds(2)) return absl::OkStatus();
    last_ = Clock::now();
    return wc_.Save();
  }

 private:
  using Clock = std::chrono::steady_clock;
  wc::WorkingCopy& wc_;
  Clock::time_point last_;
};

// Returns `status`, after saving the working copy when `status` is an error (keeping the
// first error: the state saved reflects what landed on disk before it).
absl::Status SaveOnError(const wc::WorkingCopy& wc, absl::Status status);

}  // namespace mlvc::client::ops::internal
