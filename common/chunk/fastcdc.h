// Content-defined chunking: FastCDC with normalized chunking (Xia et al., USENIX ATC 2016).
// Splits a byte stream into chunks whose boundaries depend on the bytes near them, not on
// their offsets, so an insert or overwrite changes only the chunks around it and the rest
// deduplicate against the previous version.
// Requires: common/hash (SHA-256, for ChunkFile only). Used by: client (upload pipeline),
// server (verification, packs).
//
// The boundaries are part of the on-disk format: the Gear table, its seed and the default
// sizes are described in common/chunk/README.md, with the measurements behind the defaults.
// Changing any of them changes every chunk of every file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::common {

// Chunk sizes, in bytes. Every chunk of a stream has min_size <= length <= max_size except
// the last, which may be shorter.
//
// Defaults: avg 64 KiB, min 16 KiB, max 512 KiB. Measured with tests/bench/chunk_bench.cc
// (command in its header; full table in the README) on a 256 MiB random file; "re-sent" =
// bytes of chunks of the edited file not in the old one:
//
//   avg/min/max        chunks  mean B  CPU MB/s  re-sent: 1% scattered 4K  1 MiB insert
//   4K/1K/32K           57445    4673      2985                     3.44%         0.39%
//   8K/2K/64K           28717    9348      3104                     5.02%         0.39%
//   16K/4K/128K         14392   18652      3330                     7.78%         0.40%
//   64K/16K/512K (dflt)  3591   74752      3742                    21.23%         0.47%
//   256K/64K/2M           884  303660      3915                    56.41%         0.49%
//   1M/256K/8M            221 1214640      3916                    96.50%         0.78%
//
// What decides is the cost of each chunk elsewhere. Every chunk is a chunks row, a manifest
// row per content using it, a probe in FindMissingChunks and a pack-index entry; measured on
// a 1 GiB push at 8 KiB (131 Ki chunks), Postgres spent 5-5.7 s of CPU per GiB on them, as
// much as mlvcd and twice the client (inserting a chunks row ~20 us, a manifest row ~10 us,
// a probe ~5 us), so no first push could beat ~3 s per GiB. 64 KiB cuts that eightfold,
// as the Xet store of large ML files does with the same average. The price is the
// scattered case: every overwritten 4 KiB block re-sends the chunk(s) around it, about
// 1% x (4 KiB + 2 x mean chunk) / 4 KiB, so small scattered in-place edits (a database
// file's pages) re-send ~20% instead of 5%. Edits of checkpoints and datasets touch
// contiguous regions (a rewritten tensor, an appended shard, an insert), which re-send
// ~1% at any average. Chunking costs ~0.3 ns/B of CPU, well under SHA-256 (1.8 GB/s here).
struct ChunkerOptions {
  uint32_t min_size = 16 * 1024;
  uint32_t avg_size = 64 * 1024;  // must be a power of two
  uint32_t max_size = 512 * 1024;
};

// Returns INVALID_ARGUMENT unless 64 <= min_size < avg_size < max_size, avg_size is a power
// of two between 256 B and 64 MiB, and max_size <= 1 GiB.
absl::Status ValidateChunkerOptions(const ChunkerOptions& options);

// A chunk: `length` bytes starting at `offset` of the stream.
struct ChunkRef {
  uint64_t offset = 0;
  uint64_t length = 0;
  friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

// A chunk with the SHA-256 (64 lowercase hex digits) of its bytes.
struct ChunkDigest {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string sha256;
  friend bool operator==(const ChunkDigest&, const ChunkDigest&) = default;
};

// Streaming chunker. Feed it a stream in buffers of any size; it reports each chunk as soon
// as its end is seen. It keeps no copy of the data (state is two integers), so the caller
// keeps the bytes of the chunk in progress (ChunkFile shows how). The boundaries do not
// depend on how the stream is split into Feed() calls.
// Not thread-safe; one instance per stream.
class Chunker {
 public:
  // REQUIRES: ValidateChunkerOptions(options).ok().
  explicit Chunker(const ChunkerOptions& options = ChunkerOptions());

  // Consumes `data`, the next bytes of the stream, and appends to *out every chunk that
  // ends inside it (offsets are from the start of the stream). Returns the number appended.
  size_t Feed(std::string_view data, std::vector<ChunkRef>* out);

  // Ends the stream: appends the last, possibly short, chunk if any bytes are pending and
  // returns the number appended (0 or 1). The chunker is then reset for a new stream.
  size_t Finish(std::vector<ChunkRef>* out);

  // Bytes consumed so far in this stream.
  uint64_t position() const { return position_; }

 private:
  uint64_t min_size_;
  uint64_t avg_size_;
  uint64_t max_size_;
  uint64_t mask_small_;  // stricter mask, used before avg_size: cuts less likely
  uint64_t mask_large_;  // looser mask, used from avg_size on: cuts more likely
  uint64_t position_ = 0;     // bytes consumed in the stream
  uint64_t chunk_start_ = 0;  // stream offset where the current chunk began
  uint64_t fingerprint_ = 0;  // Gear hash of the bytes hashed so far in this chunk
};

// Chunks a whole buffer (convenience for tests and small inputs).
// REQUIRES: ValidateChunkerOptions(options).ok().
std::vector<ChunkRef> ChunkBuffer(std::string_view data,
                                  const ChunkerOptions& options = ChunkerOptions());

// Chunks and hashes a file by streaming it in 4 MiB blocks; memory stays bounded whatever
// the file size. With `parallel_hash`, a second thread hashes chunks while the first reads
// and chunks the next block (see README for when that helps).
// Returns NOT_FOUND if the file does not exist, INVALID_ARGUMENT for bad options, INTERNAL
// on a read error.
absl::StatusOr<std::vector<ChunkDigest>> ChunkFile(const std::string& local_abspath,
                                                   const ChunkerOptions& options = ChunkerOptions(),
                                                   bool parallel_hash = false);

// The Gear table (256 entries) the fingerprint uses; exposed so tests can pin it.
const uint64_t* GearTable();

}  // namespace mlvc::common
