// Packs: one blob object holding many chunks back to back (each raw or zstd-compressed),
// followed by an index of the chunks and a fixed footer, so the blob store holds a few large
// objects instead of millions of 8 KiB ones. The byte format is in
// server/store/pack/README.md; a pack can be verified and its index rebuilt from the object
// alone.
// Requires: abseil, libzstd, common/hash, server/store (BlobStore). Used by:
// server/store/pack/chunk_store.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::store::pack {

// How a chunk is stored in a pack; the values are on disk and in the chunks table.
enum class Codec : int { kRaw = 0, kZstd = 1 };

struct PackOptions {
  // A writer is finished once its stored bytes reach this (a pack may exceed it by one chunk).
  uint64_t target_size = 64ull << 20;
  int zstd_level = 3;
  // zstd is kept only when it saves at least this share of a chunk's bytes: an incompressible
  // chunk (model weights) then costs no decompression on every read.
  double min_saving = 0.05;
};

// Fixed sizes of the format (README.md).
inline constexpr size_t kPackHeaderSize = 16;
inline constexpr size_t kPackFooterSize = 64;
inline constexpr size_t kPackIndexEntrySize = 57;

// A written pack: its object key, total size and chunks in pack order.
struct PackInfo {
  std::string key;
  uint64_t size = 0;
  std::vector<ChunkRecord> chunks;
};

// Writes one pack, streaming: it holds one chunk (and its compressed form) plus the index in
// memory, never the pack. Not thread-safe. Destroying it before Finish() leaves no object.
class PackWriter {
 public:
  // Starts a pack under a fresh random key (README.md: why not a hash of its bytes).
  // INTERNAL when the blob store cannot start the object.
  static absl::StatusOr<std::unique_ptr<PackWriter>> Create(BlobStore* blobs,
                                                            const PackOptions& options);
  ~PackWriter();

  // The object key, known before the first byte is written.
  const std::string& key() const { return key_; }

  // Appends a chunk whose SHA-256 hex is `hash` (the caller has verified it), compressed when
  // that pays. INVALID_ARGUMENT when `hash` is not 64 lowercase hex digits; INTERNAL on a
  // blob store or compression error.
  absl::Status Add(const std::string& hash, std::string_view bytes);

  // Bytes written so far (header and stored chunks).
  uint64_t size() const { return offset_; }
  size_t chunk_count() const { return entries_.size(); }
  // True once size() reached options.target_size.
  bool full() const { return offset_ >= options_.target_size; }

  // Writes the index and footer and commits the object. INTERNAL on a blob store error.
  // REQUIRES: called once; Add() may not follow.
  absl::StatusOr<PackInfo> Finish();

 private:
  PackWriter(std::string key, std::unique_ptr<BlobWriter> writer, const PackOptions& options);

  const std::string key_;
  std::unique_ptr<BlobWriter> writer_;
  const PackOptions options_;
  void* zstd_ctx_ = nullptr;  // ZSTD_CCtx, reused across chunks
  std::string compressed_;    // reused buffer
  uint64_t offset_ = 0;
  std::vector<ChunkRecord> entries_;
};

// Reads chunks back, verifying each: the bytes (after decompression) must hash to the
// chunk's SHA-256, so corruption is reported, never served. Keeps the last pack open and
// reads on without reopening when the next chunk follows the previous one in the same pack
// (the usual case for a content written in one push). Not thread-safe.
class PackReader {
 public:
  explicit PackReader(BlobStore* blobs) : blobs_(blobs) {}

  // Replaces *out with the raw bytes of `location`. NOT_FOUND when the pack object is
  // absent; DATA_LOSS when the pack is short, the codec unknown, decompression fails, the
  // length or the SHA-256 differs; INTERNAL on a blob store error.
  absl::Status ReadChunk(const ChunkLocation& location, std::string* out);

 private:
  BlobStore* const blobs_;
  std::unique_ptr<BlobReader> reader_;
  std::string reader_key_;
  uint64_t reader_pos_ = 0;
  std::string stored_;  // reused buffer
};

// One-shot form of PackReader::ReadChunk.
absl::Status ReadChunk(BlobStore* blobs, const ChunkLocation& location, std::string* out);

// Reads and checks a pack's footer and index (magic, version, index SHA-256, every entry
// inside the chunk area) and returns the pack's chunks in pack order: how an index is
// rebuilt from the object alone. NOT_FOUND when absent; DATA_LOSS when anything is off.
absl::StatusOr<PackInfo> ReadPackIndex(BlobStore* blobs, const std::string& key);

// ReadPackIndex, then reads and verifies every chunk. Same errors.
absl::Status VerifyPack(BlobStore* blobs, const std::string& key);

}  // namespace mlvc::server::store::pack
