// Chunked, deduplicated, resumable transfer of file contents for the client operations
// (not part of the ops API): the upload pipeline of commit and the download path of
// checkout, update and switch, with the local chunk cache and progress reporting.
//
// Upload: one thread reads and chunks the files (FastCDC, streaming, 4 MiB blocks) into
// windows of ~8 MiB; the calling thread hashes each window's chunks on two threads, asks the
// server which of them it lacks (FindMissingChunks, one call per window) and queues those in
// ~1 MiB messages for kUploadStreams UploadChunks streams (sending overlaps with reading and
// hashing the next windows); then CommitContents records every
// content as its chunk list. Memory stays at a few windows whatever the file sizes, and many
// small files cost a few round trips in total. Chunks the server acknowledged stay stored,
// so a re-run after an interruption sends only the rest.
//
// Download: GetManifests for the batch (or its answer prefetched while the previous batch
// was written: PrefetchManifests), then the chunks in file order are grouped (~8 MiB);
// kDownloadStreams workers fill groups ahead of the writer (from the cache, which verifies
// what it returns, else ReadChunks; fetched chunks go into the cache), at most kGroupsAhead
// groups in memory. The calling thread writes each file to its temporary file as its chunks
// arrive, hashing it, and checks the whole-content SHA-256 and size before returning it:
// that check, not one per chunk, is what keeps a bad byte out of the tree.
// Each temporary file is created with the mode it is installed with (wc::CreateMode).
//
// Cancellation: the observer is asked whether to stop before each request for more (an
// upload message, a FindMissingChunks window, a ReadChunks group, a whole content,
// CommitContents), for each chunk as it arrives, when an upload stream has sent its last
// message, and by the download writer right after each of its progress reports. Every
// progress report is thus followed by a question before anything more is asked of the
// server or the operation returns, so an observer that decides in OnProgress stops the
// transfer at that report (CANCELLED, even at the last one), however the threads run:
// tests interrupt a transfer at a chosen point without racing it.
//
// A server without chunked transfer (UNIMPLEMENTED) gets the whole-content calls instead.
// Requires: client/remote, client/cache, client/wc (temp paths). Used by: client/ops.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cache/chunk_cache.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops::internal {

// UploadChunks streams at once. One: a content's chunks then travel in order on one stream,
// which is what lets mlvcd verify a content as it arrives (ContentStart) instead of reading
// it back; and a 1 GiB first push keeps both cores busy already (four SHA-256 passes, the
// chunking, the copies and Postgres), so a second stream would add memory, not speed.
// Spreading the contents over several streams (each content on one) is the way to use
// more cores.
inline constexpr int kUploadStreams = 1;
// ReadChunks streams at once (the server holds about one message per stream).
inline constexpr int kDownloadStreams = 3;
// A downloaded content larger than 1/kCacheAdmitShare of the chunk cache's cap does not go
// into the cache (chunks already there are still used): one such file would push out a
// quarter or more of everything else, and writing it costs as much again as writing the
// file (a 1 GiB checkout spent ~0.4 s of system time on it with the default 2 GiB cap).
// MLVC_CACHE_SIZE raises the cap for machines that switch between big versions.
inline constexpr uint64_t kCacheAdmitShare = 4;

// One operation's transfers: its remote, the chunk cache (opened on the first download),
// the observer, and the progress totals.
class Transfer {
 public:
  // Transfers for `repository` (content is reached through one). `observer` may be null.
  // The cache is the user's (cache::DefaultCacheOptions()).
  Transfer(remote::Remote& remote, std::string repository,
           TransferProgress::Direction direction, TransferObserver* observer);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  remote::Remote& remote() { return remote_; }
  const std::string& repository() const { return repository_; }

  // Adds planned work to the totals shown.
  void AddPlanned(uint64_t bytes, uint64_t files);
  // Adds finished work and tells the observer (thread-safe).
  void AddDone(uint64_t bytes, uint64_t files);
  // True once the observer asked to stop (then it stays true).
  bool Cancelled();
  absl::Status CancelledError() const;

  // The chunk cache, opened on first use; null when disabled or unusable (a cache that
  // cannot be opened only costs speed). INVALID_ARGUMENT for a malformed MLVC_CACHE_SIZE.
  absl::StatusOr<cache::ChunkCache*> Cache();

  // False once the server answered UNIMPLEMENTED to a chunked call.
  bool chunked() const { return chunked_; }
  void set_unchunked() { chunked_ = false; }

  void AddWholeBytes(uint64_t sent, uint64_t received);
  // What moved since this Transfer began.
  TransferStats Stats() const;

  // Starts asking the server for the manifests of `files` on a thread of its own, so that
  // the next DownloadContents of exactly these files does not wait for them: checkout asks
  // for batch N+1 before batch N is written (the server's answer took about a third of a
  // checkout of 10,000 small files). Prefetches are taken in the order they were asked
  // for; call it from the thread that calls DownloadContents.
  void PrefetchManifests(const std::vector<const remote::TreeFile*>& files);
  // The oldest prefetched answer when it is for `content_ids` (DownloadContents asks), else
  // nullopt (and every prefetch is dropped, as out of step).
  std::optional<absl::StatusOr<std::vector<remote::RemoteManifest>>> TakeManifests(
      const std::vector<std::string>& content_ids);

 private:
  void Report();  // REQUIRES: mu_ held

  remote::Remote& remote_;
  const std::string repository_;
  TransferObserver* observer_;
  remote::TransferCounters start_;
  mutable std::mutex mu_;
  TransferProgress progress_;
  bool cancelled_ = false;
  bool chunked_ = true;
  bool cache_opened_ = false;
  std::unique_ptr<cache::ChunkCache> cache_;
  cache::CacheStats cache_start_;
  uint64_t whole_sent_ = 0;
  uint64_t whole_received_ = 0;

  // PrefetchManifests: the content ids asked for, and the answer to come, oldest first.
  struct Prefetch {
    std::vector<std::string> ids;
    std::future<absl::StatusOr<std::vector<remote::RemoteManifest>>> answer;
  };
  std::deque<Prefetch> prefetches_;
};

// A content to upload and a file holding it.
struct UploadItem {
  std::string content_id;
  std::string relpath;
  std::string abspath;
  uint64_t size = 0;
};

// Uploads `items` (distinct contents the server lacks) so that a submit may reference them.
// DATA_LOSS "'PATH' changed while it was being uploaded; commit again" when a file no longer
// matches its content id; CANCELLED when the observer stopped it; INTERNAL when a file cannot
// be read; plus what the server calls return.
absl::Status UploadContents(Transfer& transfer, const std::vector<UploadItem>& items);

// Downloads the contents of `files` into fresh temporary files of `wc` and returns their
// paths in the order of `files`, each verified against its content id and size. On error no
// temporary file is left behind. DATA_LOSS when a content does not match; CANCELLED.
absl::StatusOr<std::vector<std::string>> DownloadContents(
    Transfer& transfer, const wc::WorkingCopy& wc,
    const std::vector<const remote::TreeFile*>& files);

}  // namespace mlvc::client::ops::internal
