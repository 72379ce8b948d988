#include "client/ops/transfer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "client/ops/ops_internal.h"
#include "client/ops/parallel_for.h"
#include "client/wc/lockable.h"
#include "common/chunk/fastcdc.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops::internal {
namespace {

// Upload windows: big enough that a window's FindMissingChunks round trip is amortized over
// ~1,000 chunks (or ~3,000 small files), small enough that a few in flight stay cheap.
constexpr size_t kWindowBytes = 8 << 20;
constexpr size_t kWindowChunks = remote::kChunkBatch;
constexpr size_t kReadBlockBytes = 4 << 20;
constexpr size_t kWindowsAhead = 2;       // windows chunked ahead of the hashing thread
constexpr size_t kMessagesQueued = 8;     // ~1 MiB upload messages waiting for a stream
// Download groups: one ReadChunks call (or cache reads) each, filled ahead of the writer.
constexpr size_t kGroupBytes = 8 << 20;
constexpr size_t kGroupsAhead = 6;
// Progress is pushed to the observer at most every this many bytes per thread.
constexpr uint64_t kProgressStep = 1 << 20;

// A queue of bounded length between pipeline stages. Abort() wakes everyone: pushes fail and
// pops return nothing from then on.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return aborted_ || items_.size() < capacity_; });
    if (aborted_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Nothing once closed and drained, or aborted.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return aborted_ || closed_ || !items_.empty(); });
    if (aborted_ || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void Abort() {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    items_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  bool aborted_ = false;
};

// The first error of a group of threads.
class FirstError {
 public:
  void Set(absl::Status status) {
    if (status.ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = std::move(status);
    failed_.store(true);
  }
  bool failed() const { return failed_.load(); }
  absl::Status status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  mutable std::mutex mu_;
  absl::Status status_;
  std::atomic<bool> failed_{false};
};

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError("cannot " + what + " " + path + ": " + std::strerror(errno));
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool PreadAll(int fd, char* out, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// ---- upload ----

struct Piece {
  uint32_t item = 0;    // index into the upload items
  uint32_t offset = 0;  // in Window::bytes
  uint32_t length = 0;
  std::string hash;
};

struct Window {
  std::string bytes;
  std::vector<Piece> pieces;
  uint64_t file_bytes = 0;  // bytes read in this window (progress)
  uint64_t files_done = 0;  // files finished in this window (progress)
};

absl::Status ChangedWhileUploading(const UploadItem& item) {
  return absl::DataLossError("'" + item.relpath +
                             "' changed while it was being uploaded; commit again");
}

// The reading and chunking stage: files in order, cut into chunks, copied into windows.
void ReadAndChunk(Transfer& transfer, const std::vector<UploadItem>& items,
                  BoundedQueue<std::unique_ptr<Window>>& windows, FirstError& error) {
  auto window = std::make_unique<Window>();
  std::vector<char> block(kReadBlockBytes);
  std::vector<common::ChunkRef> ends;
  std::string pending;  // bytes of the chunk in progress (from stream offset pending_base)
  auto emit = [&]() {
    if (!windows.Push(std::move(window))) return false;
    window = std::make_unique<Window>();
    window->bytes.reserve(kWindowBytes + common::ChunkerOptions().max_size);
    return true;
  };
  window->bytes.reserve(kWindowBytes + common::ChunkerOptions().max_size);
  for (size_t i = 0; i < items.size() && !error.failed(); ++i) {
    const UploadItem& item = items[i];
    int fd = ::open(item.abspath.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error.Set(errno == ENOENT ? ChangedWhileUploading(item) : Errno("read", item.abspath));
      break;
    }
    common::Chunker chunker;
    pending.clear();
    uint64_t pending_base = 0;
    uint64_t read_total = 0;
    bool eof = false;
    while (!eof && !error.failed()) {
      if (transfer.Cancelled()) {
        error.Set(transfer.CancelledError());
        break;
      }
      ssize_t n = ::read(fd, block.data(), block.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error.Set(Errno("read", item.abspath));
        break;
      }
      ends.clear();
      if (n == 0) {
        eof = true;
        chunker.Finish(&ends);
      } else {
        pending.append(block.data(), static_cast<size_t>(n));
        read_total += static_cast<uint64_t>(n);
        window->file_bytes += static_cast<uint64_t>(n);
        chunker.Feed(std::string_view(block.data(), static_cast<size_t>(n)), &ends);
      }
      uint64_t consumed = pending_base;
      for (const common::ChunkRef& end : ends) {
        Piece piece;
        piece.item = static_cast<uint32_t>(i);
        piece.offset = static_cast<uint32_t>(window->bytes.size());
        piece.length = static_cast<uint32_t>(end.length);
        window->bytes.append(pending, end.offset - pending_base, end.length);
        window->pieces.push_back(std::move(piece));
        consumed = end.offset + end.length;
        if (window->bytes.size() >= kWindowBytes || window->pieces.size() >= kWindowChunks) {
          if (!emit()) break;
        }
      }
      pending.erase(0, consumed - pending_base);
      pending_base = consumed;
    }
    ::close(fd);
    if (error.failed()) break;
    if (read_total != item.size) {
      error.Set(ChangedWhileUploading(item));
      break;
    }
    ++window->files_done;
  }
  if (!error.failed() && (!window->pieces.empty() || window->files_done > 0)) emit();
  windows.Close();
}

// SHA-256 of every piece, on this thread and a helper (the second core) for big windows.
void HashWindow(Window& window) {
  auto hash_range = [&window](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      Piece& p = window.pieces[k];
      p.hash = common::Sha256Hex(std::string_view(window.bytes).substr(p.offset, p.length));
    }
  };
  const size_t n = window.pieces.size();
  if (window.bytes.size() < (1 << 20) || n < 2) {
    hash_range(0, n);
    return;
  }
  // Split by bytes, not by count: a window may mix big and small chunks.
  size_t half = 0;
  uint64_t bytes = 0;
  while (half < n && bytes < window.bytes.size() / 2) bytes += window.pieces[half++].length;
  std::thread helper(hash_range, half, n);
  hash_range(0, half);
  helper.join();
}

// The pre-chunking path: whole files, kTransferConcurrency at a time.
absl::Status UploadWhole(Transfer& transfer, const std::vector<UploadItem>& items) {
  return ParallelFor(items.size(), kTransferConcurrency, [&](size_t i) -> absl::Status {
    const UploadItem& item = items[i];
    if (transfer.Cancelled()) return transfer.CancelledError();
    absl::Status uploaded = transfer.remote().UploadFile(transfer.repository(), item.abspath, item.content_id, item.size);
    if (absl::IsDataLoss(uploaded)) return ChangedWhileUploading(item);
    if (!uploaded.ok()) return uploaded;
    transfer.AddWholeBytes(item.size, 0);
    transfer.AddDone(item.size, 1);
    return transfer.Cancelled() ? transfer.CancelledError() : absl::OkStatus();
  });
}

// ---- download ----

// Where the writer takes a chunk of a file from.
struct ChunkSource {
  enum class Kind : uint8_t { kGroup, kCopy };
  Kind kind = Kind::kGroup;
  uint32_t group = 0;   // kGroup: group and position in it
  uint32_t index = 0;
  uint32_t file = 0;    // kCopy: an earlier place of this batch holding the same chunk
  uint64_t offset = 0;
  uint32_t length = 0;
};

// Distinct chunks, in the order the writer first needs them, filled by a worker.
struct Group {
  std::vector<std::string> hashes;
  std::vector<bool> cached;  // the cache's index had it when planned
  std::vector<bool> keep;    // put it in the cache once fetched (kCacheAdmitShare)
  std::vector<std::string> data;
  bool ready = false;
};

absl::StatusOr<std::vector<std::string>> DownloadWhole(
    Transfer& transfer, const std::vector<const remote::TreeFile*>& files,
    const std::vector<std::string>& temps) {
  absl::Status status = ParallelFor(files.size(), kTransferConcurrency, [&](size_t i) {
    if (transfer.Cancelled()) return transfer.CancelledError();
    absl::Status downloaded = transfer.remote().DownloadToFile(transfer.repository(), files[i]->content_id,
                                                                 temps[i]);
    if (!downloaded.ok()) return downloaded;
    transfer.AddWholeBytes(0, files[i]->size);
    transfer.AddDone(files[i]->size, 1);
    return transfer.Cancelled() ? transfer.CancelledError() : absl::OkStatus();
  });
  if (!status.ok()) {
    RemoveTemps(temps, 0);
    return status;
  }
  return temps;
}

// Distinct content ids of `files` in the order of first use: one manifest each.
std::vector<std::string> ManifestIds(const std::vector<const remote::TreeFile*>& files) {
  std::vector<std::string> ids;
  std::unordered_set<std::string_view> seen;
  for (const remote::TreeFile* file : files) {
    if (seen.insert(file->content_id).second) ids.push_back(file->content_id);
  }
  return ids;
}

}  // namespace

// ---- Transfer ----

Transfer::Transfer(remote::Remote& remote, std::string repository,
                   TransferProgress::Direction direction,
                   TransferObserver* observer)
    : remote_(remote),
      repository_(std::move(repository)),
      observer_(observer),
      start_(remote.counters()) {
  progress_.direction = direction;
}

Transfer::~Transfer() {
  if (cache_ != nullptr) cache_->Close().IgnoreError();
}

void Transfer::AddPlanned(uint64_t bytes, uint64_t files) {
  std::lock_guard<std::mutex> lock(mu_);
  progress_.bytes_total += bytes;
  progress_.files_total += files;
  Report();
}

void Transfer::AddDone(uint64_t bytes, uint64_t files) {
  std::lock_guard<std::mutex> lock(mu_);
  progress_.bytes_done += bytes;
  progress_.files_done += files;
  Report();
}

void Transfer::Report() {
  if (observer_ == nullptr) return;
  const remote::TransferCounters now = remote_.counters();
  progress_.wire_bytes = progress_.direction == TransferProgress::Direction::kUpload
                             ? now.chunk_bytes_sent - start_.chunk_bytes_sent + whole_sent_
                             : now.chunk_bytes_received - start_.chunk_bytes_received +
                                   whole_received_;
  observer_->OnProgress(progress_);
}

bool Transfer::Cancelled() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cancelled_ && observer_ != nullptr && observer_->Cancelled()) cancelled_ = true;
  return cancelled_;
}

absl::Status Transfer::CancelledError() const {
  return absl::CancelledError("the transfer was interrupted; run the command again to resume");
}

absl::StatusOr<cache::ChunkCache*> Transfer::Cache() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cache_opened_) {
    cache_opened_ = true;
    ASSIGN_OR_RETURN(cache::CacheOptions options, cache::DefaultCacheOptions());
    absl::StatusOr<std::unique_ptr<cache::ChunkCache>> opened = cache::ChunkCache::Open(options);
    // A cache that cannot be opened (read-only home, full disk) only costs speed.
    if (opened.ok() && (*opened)->enabled()) {
      cache_ = *std::move(opened);
      cache_start_ = cache_->stats();
    }
  }
  return cache_.get();
}

void Transfer::AddWholeBytes(uint64_t sent, uint64_t received) {
  std::lock_guard<std::mutex> lock(mu_);
  whole_sent_ += sent;
  whole_received_ += received;
}

void Transfer::PrefetchManifests(const std::vector<const remote::TreeFile*>& files) {
  if (!chunked_ || files.empty()) return;
  Prefetch prefetch;
  prefetch.ids = ManifestIds(files);
  // The ids are copied: the caller's batch may go before the answer comes.
  prefetch.answer = std::async(std::launch::async, [this, ids = prefetch.ids] {
    return remote_.GetManifests(repository_, ids);
  });
  prefetches_.push_back(std::move(prefetch));
}

std::optional<absl::StatusOr<std::vector<remote::RemoteManifest>>> Transfer::TakeManifests(
    const std::vector<std::string>& content_ids) {
  if (prefetches_.empty()) return std::nullopt;
  if (prefetches_.front().ids != content_ids) {
    prefetches_.clear();  // waits for the answers, dropped
    return std::nullopt;
  }
  absl::StatusOr<std::vector<remote::RemoteManifest>> answer =
      prefetches_.front().answer.get();
  prefetches_.pop_front();
  return answer;
}

TransferStats Transfer::Stats() const {
  TransferStats stats;
  const remote::TransferCounters now = remote_.counters();
  stats.chunk_bytes_sent = now.chunk_bytes_sent - start_.chunk_bytes_sent;
  stats.chunks_sent = now.chunks_sent - start_.chunks_sent;
  stats.chunk_bytes_received = now.chunk_bytes_received - start_.chunk_bytes_received;
  stats.chunks_received = now.chunks_received - start_.chunks_received;
  std::lock_guard<std::mutex> lock(mu_);
  stats.whole_bytes_sent = whole_sent_;
  stats.whole_bytes_received = whole_received_;
  if (cache_ != nullptr) {
    const cache::CacheStats c = cache_->stats();
    stats.chunks_from_cache = c.hits - cache_start_.hits;
    stats.bytes_from_cache = c.hit_bytes - cache_start_.hit_bytes;
  }
  return stats;
}

// ---- UploadContents ----

absl::Status UploadContents(Transfer& transfer, const std::vector<UploadItem>& items) {
  if (transfer.Cancelled()) return transfer.CancelledError();  // decided at AddPlanned
  if (items.empty()) return absl::OkStatus();
  remote::Remote& remote = transfer.remote();
  if (!transfer.chunked()) return UploadWhole(transfer, items);

  std::vector<remote::ContentManifest> manifests(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    manifests[i].content_id = items[i].content_id;
    manifests[i].size = items[i].size;
  }
  FirstError error;
  BoundedQueue<std::unique_ptr<Window>> windows(kWindowsAhead);
  BoundedQueue<std::vector<remote::ChunkPayload>> messages(kMessagesQueued);
  auto abort_all = [&]() {
    windows.Abort();
    messages.Abort();
  };

  std::thread reader([&] {
    ReadAndChunk(transfer, items, windows, error);
    if (error.failed()) abort_all();
  });
  std::vector<std::thread> senders;
  for (int k = 0; k < kUploadStreams; ++k) {
    senders.emplace_back([&] {
      absl::StatusOr<std::unique_ptr<remote::ChunkUploadStream>> stream = remote.OpenChunkUpload(transfer.repository());
      if (!stream.ok()) {
        error.Set(stream.status());
        abort_all();
        return;
      }
      while (std::optional<std::vector<remote::ChunkPayload>> batch = messages.Pop()) {
        if (transfer.Cancelled()) {
          error.Set(transfer.CancelledError());
          break;
        }
        if (!(*stream)->Write(*batch).ok()) {
          absl::StatusOr<remote::UploadChunksStats> finished = (*stream)->Finish();
          error.Set(finished.ok() ? absl::UnavailableError("the chunk upload stream broke")
                                  : finished.status());
          abort_all();
          return;
        }
        transfer.AddDone(0, 0);  // wire bytes moved
      }
      // A stop decided at the last report still stops: the stream is broken, not finished.
      if (!error.failed() && transfer.Cancelled()) error.Set(transfer.CancelledError());
      if (error.failed()) {
        // As a killed client: break the stream, do not end it cleanly.
        (*stream)->Cancel();
        abort_all();
        return;
      }
      absl::StatusOr<remote::UploadChunksStats> finished = (*stream)->Finish();
      if (!finished.ok()) {
        error.Set(finished.status());
        abort_all();
      }
    });
  }

  // This thread: hash each window, ask which chunks the server lacks, queue those.
  std::unordered_set<std::string> seen;  // asked about already (sent or present)
  bool unchunked = false;
  while (!error.failed()) {
    std::optional<std::unique_ptr<Window>> next = windows.Pop();
    if (!next) break;
    Window& window = **next;
    HashWindow(window);
    std::vector<std::string> ask;
    std::vector<size_t> ask_piece;
    std::vector<bool> first_of_item(window.pieces.size());
    for (size_t k = 0; k < window.pieces.size(); ++k) {
      const Piece& p = window.pieces[k];
      first_of_item[k] = manifests[p.item].chunk_hashes.empty();
      manifests[p.item].chunk_hashes.push_back(p.hash);
      if (seen.insert(p.hash).second) {
        ask.push_back(p.hash);
        ask_piece.push_back(k);
      }
    }
    if (transfer.Cancelled()) {
      error.Set(transfer.CancelledError());
      break;
    }
    absl::StatusOr<std::vector<std::string>> missing = remote.FindMissingChunks(transfer.repository(), ask);
    if (!missing.ok()) {
      // A server without chunked transfer answers the first question so: nothing was sent.
      if (absl::IsUnimplemented(missing.status()) && seen.size() == ask.size()) {
        unchunked = true;
      }
      error.Set(missing.status());
      break;
    }
    std::unordered_set<std::string> lacking(missing->begin(), missing->end());
    std::vector<remote::ChunkPayload> message;
    size_t message_bytes = 0;
    bool queued = true;
    for (size_t k : ask_piece) {
      const Piece& p = window.pieces[k];
      if (lacking.count(p.hash) == 0) continue;
      remote::ChunkPayload& payload = message.emplace_back(
          remote::ChunkPayload{p.hash, window.bytes.substr(p.offset, p.length)});
      // A content of several chunks whose first one is sent: most likely (a first push) all
      // the others follow, so the server can verify it as it arrives instead of reading it
      // back when committed. A one-chunk content needs no reading back anyway.
      if (first_of_item[k] && items[p.item].size > p.length) {
        payload.starts_content_id = items[p.item].content_id;
        payload.starts_content_size = items[p.item].size;
      }
      message_bytes += p.length;
      if (message_bytes >= remote::kChunkMessageBytes) {
        queued = messages.Push(std::move(message));
        message.clear();
        message_bytes = 0;
        if (!queued) break;
      }
    }
    if (queued && !message.empty()) queued = messages.Push(std::move(message));
    if (!queued) break;
    transfer.AddDone(window.file_bytes, window.files_done);
  }
  if (error.failed()) abort_all();
  messages.Close();
  reader.join();
  for (std::thread& sender : senders) sender.join();
  if (unchunked) {
    transfer.set_unchunked();
    return UploadWhole(transfer, items);
  }
  if (error.failed()) return error.status();
  if (transfer.Cancelled()) return transfer.CancelledError();

  absl::StatusOr<std::vector<std::string>> committed = remote.CommitContents(transfer.repository(), manifests);
  if (absl::IsDataLoss(committed.status())) {
    return absl::DataLossError("a file changed while it was being uploaded (" +
                               std::string(committed.status().message()) + "); commit again");
  }
  return committed.status();
}

// ---- DownloadContents ----

absl::StatusOr<std::vector<std::string>> DownloadContents(
    Transfer& transfer, const wc::WorkingCopy& wc,
    const std::vector<const remote::TreeFile*>& files) {
  if (transfer.Cancelled()) return transfer.CancelledError();  // decided at AddPlanned
  std::vector<std::string> temps;
  temps.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) temps.push_back(wc.TempPath());
  if (files.empty()) return temps;
  if (!transfer.chunked()) return DownloadWhole(transfer, files, temps);

  remote::Remote& remote = transfer.remote();
  std::vector<std::string> ids = ManifestIds(files);
  std::unordered_map<std::string, size_t> manifest_of;
  for (size_t k = 0; k < ids.size(); ++k) manifest_of.emplace(ids[k], k);
  std::optional<absl::StatusOr<std::vector<remote::RemoteManifest>>> prefetched =
      transfer.TakeManifests(ids);
  absl::StatusOr<std::vector<remote::RemoteManifest>> manifests =
      prefetched ? *std::move(prefetched) : remote.GetManifests(transfer.repository(), ids);
  if (absl::IsUnimplemented(manifests.status())) {
    transfer.set_unchunked();
    return DownloadWhole(transfer, files, temps);
  }
  if (!manifests.ok()) return manifests.status();
  ASSIGN_OR_RETURN(cache::ChunkCache * cache, transfer.Cache());

  // Plan: each file's chunks in order; a chunk's first use comes from a group (cache or
  // server), later uses are copied from where it was first written.
  std::vector<Group> groups;
  std::vector<std::vector<ChunkSource>> sources(files.size());
  std::unordered_map<std::string, ChunkSource> first_place;  // hash -> kCopy source
  uint64_t group_bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const remote::RemoteManifest& m = (*manifests)[manifest_of[files[i]->content_id]];
    if (!m.chunked) continue;
    uint64_t offset = 0;
    for (const remote::ManifestChunk& chunk : m.chunks) {
      ChunkSource source;
      source.length = static_cast<uint32_t>(chunk.length);
      auto [place, first] = first_place.try_emplace(chunk.hash);
      if (first) {
        if (groups.empty() || group_bytes >= kGroupBytes ||
            groups.back().hashes.size() >= remote::kChunkBatch) {
          groups.emplace_back();
          group_bytes = 0;
        }
        Group& group = groups.back();
        source.kind = ChunkSource::Kind::kGroup;
        source.group = static_cast<uint32_t>(groups.size() - 1);
        source.index = static_cast<uint32_t>(group.hashes.size());
        group.hashes.push_back(chunk.hash);
        group.cached.push_back(cache != nullptr && cache->Contains(chunk.hash));
        group.keep.push_back(cache != nullptr &&
                             m.size <= cache->max_bytes() / kCacheAdmitShare);
        group_bytes += chunk.length;
        place->second = ChunkSource{ChunkSource::Kind::kCopy, 0, 0, static_cast<uint32_t>(i),
                                    offset, source.length};
      } else {
        source = place->second;
        source.length = static_cast<uint32_t>(chunk.length);
      }
      sources[i].push_back(source);
      offset += chunk.length;
    }
  }
  first_place.clear();

  // Workers fill groups in order, at most kGroupsAhead ahead of the writer.
  FirstError error;
  std::mutex mu;
  std::condition_variable changed;
  size_t released = 0;  // groups before this one are written and freed
  std::atomic<size_t> next_group{0};
  auto fill = [&](size_t g) -> absl::Status {
    Group& group = groups[g];
    std::vector<std::string> data(group.hashes.size());
    std::vector<std::string> fetch;
    std::vector<size_t> fetch_at;
    for (size_t k = 0; k < group.hashes.size(); ++k) {
      if (group.cached[k]) {
        std::optional<std::string> hit = cache->Get(group.hashes[k]);  // verified
        if (hit) {
          data[k] = *std::move(hit);
          continue;
        }
      }
      fetch.push_back(group.hashes[k]);
      fetch_at.push_back(k);
    }
    size_t next = 0;
    // Not verified chunk by chunk: the writer hashes every file whole and refuses it unless
    // it matches its content id (the server verified each chunk as it read it, and the cache
    // verifies on every Get), so a second SHA-256 pass here would only name the bad chunk.
    // It was a fifth of a 1 GiB checkout's CPU.
    RETURN_IF_ERROR(remote.ReadChunks(
        transfer.repository(),
        fetch,
        [&](remote::ChunkPayload&& chunk) -> absl::Status {
          if (error.failed()) return absl::CancelledError("stopped");
          if (transfer.Cancelled()) return transfer.CancelledError();
          if (group.keep[fetch_at[next]]) cache->Put(chunk.hash, chunk.data).IgnoreError();
          data[fetch_at[next++]] = std::move(chunk.data);
          return absl::OkStatus();
        },
        /*verify_each=*/false));
    std::lock_guard<std::mutex> lock(mu);
    group.data = std::move(data);
    group.ready = true;
    changed.notify_all();
    return absl::OkStatus();
  };
  std::vector<std::thread> workers;
  const size_t worker_count = std::min<size_t>(kDownloadStreams, groups.size());
  for (size_t w = 0; w < worker_count; ++w) {
    workers.emplace_back([&] {
      while (!error.failed()) {
        const size_t g = next_group.fetch_add(1);
        if (g >= groups.size()) return;
        {
          std::unique_lock<std::mutex> lock(mu);
          changed.wait(lock, [&] { return error.failed() || g < released + kGroupsAhead; });
        }
        if (error.failed()) return;
        // No group is asked for once the transfer is cancelled.
        absl::Status filled = transfer.Cancelled() ? transfer.CancelledError() : fill(g);
        if (!filled.ok()) {
          error.Set(filled);
          std::lock_guard<std::mutex> lock(mu);
          changed.notify_all();
        }
      }
    });
  }

  // Reports written bytes and finished files, then asks at once whether to stop. The writer
  // is the one thread that always reaches the end, so an observer that decides in its
  // progress callback stops the transfer at exactly that report: the workers may already
  // hold every remaining chunk and never ask again.
  auto report = [&](uint64_t bytes, uint64_t done_files) -> absl::Status {
    transfer.AddDone(bytes, done_files);
    return transfer.Cancelled() ? transfer.CancelledError() : absl::OkStatus();
  };
  // This thread: write the files in order, hashing each, as their chunks become ready.
  auto write_all = [&]() -> absl::Status {
    uint64_t unreported = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const remote::TreeFile& file = *files[i];
      const remote::RemoteManifest& m = (*manifests)[manifest_of[file.content_id]];
      if (!m.chunked) {
        if (transfer.Cancelled()) return transfer.CancelledError();
        RETURN_IF_ERROR(remote.DownloadToFile(transfer.repository(), file.content_id, temps[i]));
        transfer.AddWholeBytes(0, m.size);
        RETURN_IF_ERROR(report(m.size, 1));
        continue;
      }
      // Created with the mode it is installed with (execute, lock), sparing a chmod.
      int fd = ::open(temps[i].c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
                      static_cast<mode_t>(wc::CreateMode(wc, file.path, file.executable)));
      if (fd < 0) return Errno("write", temps[i]);
      common::Sha256 hash;
      uint64_t written = 0;
      std::string copy;
      absl::Status status;
      for (const ChunkSource& source : sources[i]) {
        std::string_view bytes;
        if (source.kind == ChunkSource::Kind::kGroup) {
          Group& group = groups[source.group];
          {
            std::unique_lock<std::mutex> lock(mu);
            changed.wait(lock, [&] { return error.failed() || group.ready; });
          }
          if (error.failed()) break;
          bytes = group.data[source.index];
        } else {
          copy.resize(source.length);
          int from = source.file == i ? fd : ::open(temps[source.file].c_str(), O_RDONLY);
          const bool read = from >= 0 && PreadAll(from, copy.data(), copy.size(), source.offset);
          if (from >= 0 && from != fd) ::close(from);
          if (!read) {
            status = Errno("read", temps[source.file]);
            break;
          }
          bytes = copy;
        }
        if (bytes.size() != source.length) {
          status = absl::DataLossError("chunk of '" + file.path + "' has the wrong length");
          break;
        }
        if (!WriteAll(fd, bytes)) {
          status = Errno("write", temps[i]);
          break;
        }
        hash.Update(bytes);
        written += bytes.size();
        unreported += bytes.size();
        if (source.kind == ChunkSource::Kind::kGroup &&
            source.index + 1 == groups[source.group].hashes.size()) {
          std::lock_guard<std::mutex> lock(mu);
          groups[source.group].data = std::vector<std::string>();
          released = source.group + 1;
          changed.notify_all();
        }
        if (unreported >= kProgressStep) {
          status = report(unreported, 0);
          unreported = 0;
          if (!status.ok()) break;
        }
      }
      if (::close(fd) != 0 && status.ok()) status = Errno("write", temps[i]);
      if (status.ok() && error.failed()) status = error.status();
      RETURN_IF_ERROR(status);
      const std::string got = hash.FinishHex();
      if (got != file.content_id || written != m.size) {
        return absl::DataLossError("downloaded content " + file.content_id + " of '" +
                                   file.path + "' does not match (got " +
                                   std::to_string(written) + " bytes hashing to " + got + ")");
      }
      RETURN_IF_ERROR(report(unreported, 1));
      unreported = 0;
    }
    return absl::OkStatus();
  };
  absl::Status written = write_all();
  if (!written.ok()) {
    error.Set(written);
    std::lock_guard<std::mutex> lock(mu);
    changed.notify_all();
  }
  for (std::thread& worker : workers) worker.join();
  if (error.failed()) {
    RemoveTemps(temps, 0);
    return error.status();
  }
  return temps;
}

}  // namespace mlvc::client::ops::internal
