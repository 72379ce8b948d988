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
  // Finishes `writer` and records its pack; deletes it again when every chunk lost a race.
  absl::Status RecordPack(std::unique_ptr<PackWriter> writer, StoreChunksResult* result);

  MetadataStore* const metadata_;
  BlobStore* const blobs_;
  const PackOptions options_;
};

}  // namespace mlvc::server::store::pack
