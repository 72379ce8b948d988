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
  // A chunk whose bytes look incompressible is stored raw without trying zstd: when the
  // order-0 entropy of a sample (up to 4 KiB, EstimateEntropyBits) exceeds this many bits
  // per byte, entropy coding cannot save 5% (8 x 0.95 = 7.6 bits). Measured on 64 MiB, 8 KiB
  // chunks, one core here: a zstd-3 attempt runs at 531 MB/s on random bytes (ratio 1.001:
  // 2 s of CPU per GiB pushed, more than hashing it twice), the estimate at 2,450 MB/s.
  // Random chunks estimate 7.94-7.97 (2 KiB ones 7.87-7.94), fp32 model weights (normal,
  // sigma 0.02) 7.26-7.35, which zstd-3 still shrinks by 7% and so keeps compressing; text
  // is far lower. What the estimate cannot see is repetition inside one chunk of bytes
  // whose histogram is flat (a random block repeated within 64 KiB): rare in checkpoints,
  // and repeats across chunks are deduplicated anyway. 8 (or more) disables the test.
  double incompressible_bits = 7.8;
};

// Order-0 entropy, in bits per byte, of up to 4 KiB of `bytes` (four 1 KiB blocks spread
// over it when longer): a cheap predictor of whether zstd can pay (PackOptions).
double EstimateEntropyBits(std::string_view bytes);

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

// Writes one pack, streaming: it holds one chunk (and its compressed form), up to 1 MiB of
// stored chunks not yet written, and the index in memory, never the pack. Not thread-safe. Destroying it before Finish() leaves no object.
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
  static constexpr size_t kWriteBuffer = 1 << 20;
  std::string out_;           // stored chunks not yet appended to the blob writer
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
  // With `verify_hash` false, ReadChunk still checks the codec and lengths but not the
  // chunk's SHA-256: only for a caller that hashes the bytes itself right after (the
  // whole-content check of server/core's CommitContents, where a second SHA-256 pass per
  // chunk would cost as much as the check itself).
  PackReader(BlobStore* blobs, bool verify_hash) : blobs_(blobs), verify_hash_(verify_hash) {}

  // Replaces *out with the raw bytes of `location`. NOT_FOUND when the pack object is
  // absent; DATA_LOSS when the pack is short, the codec unknown, decompression fails, the
  // length or the SHA-256 differs; INTERNAL on a blob store error.
  absl::Status ReadChunk(const ChunkLocation& location, std::string* out);

 private:
  BlobStore* const blobs_;
  const bool verify_hash_ = true;
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
