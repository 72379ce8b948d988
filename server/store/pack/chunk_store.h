// ChunkStore: contents as deduplicated chunks in packs. Chunk bytes go into packs in the
// BlobStore (pack.h); Postgres records where each chunk is and which chunks make each
// content (migration 0004). No gRPC, no SQL: server/core's content upload and download call
// it with plain bytes.
// Requires: server/store (MetadataStore, BlobStore), pack.h. Used by: server/core (next:
// ContentService upload and download).
//
// Thread-safe: any number of threads may call it at once (racing stores of the same chunk
// record it once; see StoreChunks).
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"
#include "server/store/pack/pack.h"

namespace mlvc::server::store::pack {

// A chunk to store: the SHA-256 hex its sender claims, and its bytes (not owned).
struct ChunkInput {
  std::string hash;
  std::string_view bytes;
  // True when the caller has already checked that `bytes` hash to `hash` (server/core
  // verifies each received message before buffering it): StoreChunks then skips its own
  // SHA-256 pass, which would otherwise double the hashing cost of every upload.
  bool verified = false;
};

struct StoreChunksResult {
  int64_t chunks_stored = 0;   // new chunks written into packs and recorded
  int64_t chunks_skipped = 0;  // already stored (or repeated in the batch)
  uint64_t raw_bytes = 0;      // raw bytes of the new chunks
  uint64_t stored_bytes = 0;   // their bytes in the packs, after compression
  int64_t packs_written = 0;   // pack objects kept
};

class PackSession;

class ChunkStore {
 public:
  // Neither pointer is owned; both must outlive the ChunkStore.
  ChunkStore(MetadataStore* metadata, BlobStore* blobs, PackOptions options = PackOptions());

  // Stores the chunks of `batch` that are not stored yet: verifies every hash, asks Postgres
  // which are missing (one round trip), streams those into packs of ~options.target_size and
  // records each pack with its chunks in one transaction. Chunks are usable (GetChunk-style
  // reads, PutContent) once this returns OK.
  // A chunk stored concurrently by another call is recorded once, in whichever pack commits
  // first; a pack all of whose chunks lost that race is deleted again.
  // INVALID_ARGUMENT for a hash that is not 64 lowercase hex digits; DATA_LOSS when bytes do
  // not hash to their claimed hash (chunks not marked verified; nothing of the batch is
  // stored then); INTERNAL or
  // UNAVAILABLE from the stores.
  // Same as one PackSession's Add() then Flush().
  absl::StatusOr<StoreChunksResult> StoreChunks(const std::vector<ChunkInput>& batch);

  // Records content `content_id` of `size` bytes as the concatenation of the stored chunks
  // `chunk_hashes`, after reading them back and checking that they hash to `content_id`
  // (so a content is never referenced before its whole hash is verified). A content that
  // already has a manifest keeps it. INVALID_ARGUMENT for a malformed id or when the chunks
  // do not add up to `size`; NOT_FOUND when a chunk is not stored; DATA_LOSS when the
  // chunks do not hash to `content_id` or a stored chunk is corrupt.
  absl::Status PutContent(const std::string& content_id, uint64_t size,
                          const std::vector<std::string>& chunk_hashes);

  // Streams content `content_id` to `sink`, one verified chunk at a time (memory stays at
  // one chunk plus one manifest page whatever the size). Stops at the first error, which
  // it returns: NOT_FOUND when the content has no manifest; DATA_LOSS when a chunk or the
  // whole content does not match its hash, or the sizes disagree (the sink may have received
  // bytes by then: a caller writing a file must discard it unless this returns OK); the
  // sink's own error.
  absl::Status ReadContent(const std::string& content_id,
                           const std::function<absl::Status(std::string_view)>& sink);

  // Manifest rows read per transaction by ReadContent and PutContent.
  static constexpr int64_t kManifestPage = 4096;

 private:
  friend class PackSession;

  // Finishes `writer` and records its pack as written by `uploader`; deletes it again when
  // every chunk lost a race. The uploader is recorded as holding the chunks that lost.
  absl::Status RecordPack(std::unique_ptr<PackWriter> writer, std::optional<int64_t> uploader,
                          StoreChunksResult* result);

  MetadataStore* const metadata_;
  BlobStore* const blobs_;
  const PackOptions options_;
};

// The chunks of one upload stream, stored batch after batch into packs that fill up to
// PackOptions::target_size ACROSS batches: a GiB received in 8 MiB batches makes 16 packs of
// 64 MiB rather than 128 of 8 MiB, and each pack costs an uploads row, an fsync, a recording
// transaction and an object. A full pack is finished and recorded on a second thread while
// the next one is written (at most one in flight).
// A chunk becomes readable once the pack holding it is recorded: at the latest when Flush()
// returns OK. Destroying a session without Flush() waits for the pack in flight and drops
// the open one (its object is never committed). Not thread-safe: one stream.
//
// `uploader` is the user whose stream this is (nullopt: the server's own chunks): packs
// record it, and chunks the stream sends that were stored already are recorded as held by
// that user too (content reach: server/core/content_reach.h).
class PackSession {
 public:
  explicit PackSession(ChunkStore& store, std::optional<int64_t> uploader = std::nullopt)
      : store_(store), uploader_(uploader) {}
  ~PackSession();
  PackSession(const PackSession&) = delete;
  PackSession& operator=(const PackSession&) = delete;

  // Checks the batch as StoreChunks does (nothing of a refused batch is written), asks which
  // of its chunks are stored (one round trip) and appends the others, each once, to the open
  // pack; hands the pack over for recording once full. Errors as StoreChunks, including
  // that of an earlier pack's recording.
  absl::Status Add(const std::vector<ChunkInput>& batch);
  // Records the open pack, waits for every recording, and returns the totals of the session.
  absl::StatusOr<StoreChunksResult> Flush();

 private:
  absl::Status WaitForRecording();
  absl::Status HandOver();  // the open pack to the recording thread

  ChunkStore& store_;
  const std::optional<int64_t> uploader_;
  std::unique_ptr<PackWriter> writer_;
  std::set<std::string> in_open_pack_;  // written to the open pack
  std::set<std::string> in_recording_;  // in the pack being recorded
  std::future<absl::Status> recording_;
  StoreChunksResult recorded_;   // written by the recording thread, read after it joined
  StoreChunksResult skipped_;    // chunks_skipped of Add's own checks
};

}  // namespace mlvc::server::store::pack
