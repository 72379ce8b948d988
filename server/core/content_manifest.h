// Helpers shared by server/core's content code (content_service.cc, content_chunks.cc):
// storing uploaded chunks in batches, a compact list of chunk hashes, and recording a content
// with its manifest.
// Requires: store/metadata_store.h. Used by: ContentService, content_io.
#pragma once

#include <cstdint>
#include <future>
#include <vector>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "server/core/content_service.h"
#include "server/store/metadata_store.h"
#include "server/store/pack/chunk_store.h"

namespace mlvc::server::core {

// Manifest rows written per statement (and hashes per manifest part or request).
inline constexpr size_t kManifestRowsPerStatement = 10000;

// Chunk hashes in binary, 32 bytes each: a 32 GiB content (~460 Ki chunks at 64 KiB) costs
// 16 MiB here instead of ~50 MiB as hex strings. Not thread-safe.
class PackedHashes {
 public:
  // REQUIRES: common::IsContentId(hex).
  void Add(std::string_view hex);
  size_t size() const { return bytes_.size() / 32; }
  std::string Hex(size_t i) const;

 private:
  std::string bytes_;
};

// Stores verified chunks a batch at a time into one PackSession (packs of 64 MiB that span
// batches), on a second thread: the batch in flight is compressed and written while the
// caller receives, verifies and buffers the next one, and a full pack is recorded in
// Postgres on a third. Memory: two batches. Not thread-safe (one stream).
class ChunkBatcher {
 public:
  // `uploader`: the user whose stream it is (store::pack::PackSession).
  ChunkBatcher(store::pack::ChunkStore& chunks, uint64_t batch_bytes, int64_t uploader)
      : session_(chunks, uploader), batch_limit_(batch_bytes) {}
  ~ChunkBatcher();  // waits for the batch in flight

  // Buffers a chunk whose hash the caller verified; hands the buffer over once full (after
  // the previous batch finished, returning its error if it failed).
  absl::Status Add(ReceivedChunk chunk);
  // Stores what is buffered, records every pack, and returns the totals of the stream.
  // After an error too, the chunks written before it are recorded.
  absl::StatusOr<ChunkUploadResult> Finish();

 private:
  absl::Status Wait();
  absl::Status Launch();

  store::pack::PackSession session_;
  const uint64_t batch_limit_;
  std::vector<ReceivedChunk> batch_;
  uint64_t batch_bytes_ = 0;
  std::future<absl::Status> in_flight_;
};

// INVALID_ARGUMENT naming `what` unless `id` is 64 lowercase hex digits.
absl::Status CheckHashArg(const char* what, const std::string& id);

// A verified content to record: its id, size and chunks in order (not owned).
struct ManifestView {
  const std::string& id;
  uint64_t size;
  const PackedHashes& hashes;
};

// Records each content of `manifests` as its chunks, all in one transaction: the contents
// rows, then the manifest rows of those this transaction recorded, kManifestRowsPerStatement
// at a time. The caller has verified the chunks (stored, adding up to the size, hashing to
// the id). A content that already has a manifest keeps it. REQUIRES: ids distinct.
// NOT_FOUND when a chunk is not stored.
absl::Status RecordManifests(store::MetadataStore& metadata,
                             const std::vector<ManifestView>& manifests);
// RecordManifests of one content.
absl::Status RecordManifest(store::MetadataStore& metadata, const std::string& id, uint64_t size,
                            const PackedHashes& hashes);

}  // namespace mlvc::server::core
