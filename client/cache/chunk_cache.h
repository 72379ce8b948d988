// The local chunk cache: chunks this user has downloaded, kept per user on disk so that a
// second checkout, a switch or a re-run of an interrupted checkout fetches only the chunks
// it does not already have.
//
// Layout (under $XDG_CACHE_HOME/mlvc/chunks-v1, or ~/.cache/mlvc/chunks-v1):
//   SEG.dat   append-only segment: chunk bytes, back to back (at most segment_bytes)
//   SEG.idx   its index: one 48-byte record per chunk (binary hash, offset, length, check)
//   lock      flock()ed while evicting
// A 1 GiB file is ~128 Ki chunks: they land in a few dozen segments, not 128 Ki files.
// Open() reads every index into a hash map (48 bytes per chunk on disk, ~10 MiB for a full
// 2 GiB cache). Every chunk read back is checked against its SHA-256: a corrupt or vanished
// entry is dropped and reported as absent (the caller fetches it again), never returned.
//
// Several processes may use one cache at once: each writes only its own segments (created
// with O_EXCL under a random name), records are written data first then index, and a torn
// or garbled index record fails its check and is ignored. Eviction (least recently used,
// by segment: a segment's mtime is refreshed when a chunk is read from it) runs under the
// lock file and never removes a segment the calling process is still writing.
// Requires: common/hash. Used by: client/ops (downloads).
// Thread-safe: one instance may be shared by several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::client::cache {

inline constexpr uint64_t kDefaultCacheBytes = 2ull << 30;

struct CacheOptions {
  std::string dir;                        // the cache folder; created when missing
  uint64_t max_bytes = kDefaultCacheBytes;  // 0 disables the cache
  // Largest segment file; 0 picks min(64 MiB, max(64 KiB, max_bytes / 16)) so that LRU
  // eviction is fine-grained even for a small cap.
  uint64_t segment_bytes = 0;
};

// "2147483648", "512M", "2G", "1.5GiB", "0" (disabled). INVALID_ARGUMENT otherwise.
absl::StatusOr<uint64_t> ParseCacheSize(std::string_view text);

// The user's cache: dir from XDG_CACHE_HOME (else HOME/.cache) + "/mlvc/chunks-v1", size
// from MLVC_CACHE_SIZE (ParseCacheSize; default 2 GiB). Disabled (max_bytes 0) when neither
// XDG_CACHE_HOME nor HOME is set. INVALID_ARGUMENT naming MLVC_CACHE_SIZE when malformed.
absl::StatusOr<CacheOptions> DefaultCacheOptions();

struct CacheStats {
  uint64_t hits = 0;       // Get() calls that returned a verified chunk
  uint64_t hit_bytes = 0;  // their bytes
  uint64_t misses = 0;     // Get() calls for a chunk not in the cache
  uint64_t corrupt = 0;    // entries dropped because their bytes did not match their hash
  uint64_t puts = 0;       // chunks written by this instance
  uint64_t evicted_segments = 0;
};

class ChunkCache {
 public:
  // Opens the cache (creating its folder) and loads its index. A disabled cache
  // (max_bytes 0) opens without touching the disk. INTERNAL when the folder cannot be made.
  static absl::StatusOr<std::unique_ptr<ChunkCache>> Open(const CacheOptions& options);
  ~ChunkCache();  // Close()s, ignoring errors
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  bool enabled() const;
  // The cap (CacheOptions::max_bytes).
  uint64_t max_bytes() const;
  // True when the index has the chunk (it may still turn out corrupt or evicted on Get).
  bool Contains(const std::string& hash_hex) const;
  // The chunk's bytes, verified against `hash_hex`; nullopt when absent, unreadable or
  // corrupt (then dropped from the index).
  std::optional<std::string> Get(const std::string& hash_hex);
  // Stores a chunk. No-op when disabled or present. Get() verifies what it returns, so a
  // chunk stored with the wrong bytes is dropped when read, never returned; callers still
  // store only what they have reason to believe (a download checked as a whole file).
  // Evicts when the cache grows past its cap. INTERNAL on a write error (the cache is then
  // read-only for this instance; callers may ignore the error, it is only a cache).
  absl::Status Put(const std::string& hash_hex, std::string_view data);
  // Finishes this instance's segment and evicts down to the cap.
  absl::Status Close();

  CacheStats stats() const;
  // Bytes of every segment and index file on disk now (all processes').
  uint64_t DiskBytes() const;

 private:
  struct Impl;
  explicit ChunkCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::client::cache
