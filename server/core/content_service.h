// Content transfer: which contents and chunks the server lacks, verified uploads (whole or as
// chunks plus manifests), manifests and chunk reads, and downloads.
// Every new content lives in packs (store/pack/chunk_store.h): the whole-content Upload is
// chunked by the server while it streams; the chunked RPCs store the client's chunks. A
// content is recorded (and may be referenced by a submit) only once its whole SHA-256 and
// size were checked against the chunks it lists. Contents stored whole before chunking
// (schema 1, one blob keyed by the content id) still download.
// Memory stays flat whatever the size: uploads buffer at most one batch of chunks
// (ContentOptions::upload_batch_bytes), manifests are read and written a page at a time, and
// a content being committed keeps only its chunk hashes in 32-byte binary form.
// Requires: store/metadata_store.h, store/blob_store.h, store/pack, common/chunk.
// Used by: server/rpc (ContentService).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/chunk/fastcdc.h"
#include "common/hash/sha256.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"
#include "server/store/pack/chunk_store.h"

namespace mlvc::server::core {

// Limits of the chunked transfer (proto/mlvc/v1/content.proto).
inline constexpr size_t kMaxChunkHashes = 10000;          // per request or manifest part
inline constexpr size_t kMaxChunkBytes = 1 << 20;         // one chunk
inline constexpr size_t kMaxChunkMessageBytes = 2 << 20;  // one UploadChunks message
// ReadChunks reads this much of a request (raw bytes, one chunk more at most) in pack order
// before sending it in request order: its memory per stream.
inline constexpr uint64_t kReadWindowBytes = 8 << 20;

struct ContentOptions {
  store::pack::PackOptions pack;
  // Chunks an upload buffers before storing them (one PackSession::Add call): 8 MiB, written
  // on a second thread while the next 8 MiB arrive (ChunkBatcher), so a stream holds at most
  // 16 MiB and a client's 4 parallel streams 64 MiB, well under mlvcd's 200 MiB RSS target.
  // Each batch costs one FindMissingChunks round trip; packs span batches, so the uploads
  // row, fsync, object and recording transaction are paid per 64 MiB pack, not per batch.
  // A broken stream loses no complete chunk: the buffer is stored when it breaks.
  uint64_t upload_batch_bytes = 8 << 20;
  common::ChunkerOptions chunker;
};

struct UploadHeader {
  std::string content_id;
  uint64_t size = 0;
};

struct UploadResult {
  std::string content_id;
  bool already_present = false;  // the server held it; the data sent was discarded
};

// One upload in progress. Used by one thread; destroying it without Finish() records nothing
// (chunks of a full batch may already be stored: harmless, content-addressed).
class Upload {
 public:
  virtual ~Upload() = default;
  // Adds the next piece. DATA_LOSS as soon as more bytes arrive than the header announced;
  // INTERNAL on a blob write error.
  virtual absl::Status Append(std::string_view piece) = 0;
  // Verifies size and hash, stores the last chunks and records the content.
  // DATA_LOSS "content hash mismatch: ..." or "content size mismatch: ..." (nothing recorded);
  // errors of the stores otherwise. REQUIRES: called once.
  virtual absl::StatusOr<UploadResult> Finish() = 0;
};

// One download in progress. Used by one thread.
class Download {
 public:
  virtual ~Download() = default;
  virtual uint64_t total_size() const = 0;
  // The next piece (at most kMaxPieceBytes) in *piece; empty at the end. DATA_LOSS when a
  // stored chunk is corrupt (never served); INTERNAL on a read error.
  virtual absl::Status Next(std::string* piece) = 0;
};

// ---- chunked transfer ----

// A chunk received by UploadChunks; its bytes are moved in (no copy).
struct ReceivedChunk {
  ReceivedChunk() = default;
  ReceivedChunk(std::string h, std::string d) : hash(std::move(h)), data(std::move(d)) {}
  std::string hash;
  std::string data;
  // Non-empty: the first chunk of this content, whose chunks the sender says follow in
  // order (proto ContentStart).
  std::string starts_content_id;
  uint64_t starts_content_size = 0;
};

struct ChunkUploadResult {
  int64_t chunks_stored = 0;
  int64_t chunks_skipped = 0;
  uint64_t bytes_stored = 0;  // raw bytes of the chunks newly stored
};

// One UploadChunks stream. Used by one thread.
class ChunkUpload {
 public:
  virtual ~ChunkUpload() = default;
  // Checks one message's chunks (INVALID_ARGUMENT for a malformed hash, a chunk over
  // kMaxChunkBytes or a message over kMaxChunkMessageBytes; DATA_LOSS naming the first chunk
  // whose bytes do not hash to its hash) and buffers them; nothing of a refused message is
  // kept. Stores the buffer once it reaches the batch size.
  virtual absl::Status AddMessage(std::vector<ReceivedChunk>& chunks) = 0;
  // Stores what is buffered and returns the counts of the whole stream. Call it also when
  // the stream broke or AddMessage failed: the complete chunks received before stay stored,
  // so a resumed push sends only the rest.
  virtual absl::StatusOr<ChunkUploadResult> Finish() = 0;
};

// A piece of one content's manifest (CommitContents).
struct ManifestPart {
  std::string content_id;
  uint64_t size = 0;
  std::vector<std::string> chunk_hashes;
  bool more = false;  // the next part continues this content
};

// One CommitContents stream. Used by one thread.
class ContentCommit {
 public:
  virtual ~ContentCommit() = default;
  // Takes the next parts, in order. Verifies and records contents as they complete (small
  // ones in batches). INVALID_ARGUMENT for a malformed id or hash, more than kMaxChunkHashes
  // hashes in a part, or parts of two contents interleaved; NOT_FOUND naming a chunk that is
  // not stored; DATA_LOSS when the chunks do not add up to the size or do not hash to the
  // content id (that content is not recorded; those before it stay recorded).
  virtual absl::Status Add(std::vector<ManifestPart>& parts) = 0;
  // Records what is pending and returns every content id of the stream, in order (those
  // already held included). INVALID_ARGUMENT when the last part announced more.
  virtual absl::StatusOr<std::vector<std::string>> Finish() = 0;
};

// A piece of a content's manifest for GetManifests.
struct ManifestPiece {
  std::string content_id;
  uint64_t size = 0;
  bool chunked = true;  // false: stored whole (schema 1), read it with Download
  std::vector<std::pair<std::string, uint64_t>> chunks;  // hash, length
  bool more = false;
};

// Thread-safe (stateless beyond the stores).
class ContentService {
 public:
  ContentService(store::MetadataStore& metadata, store::BlobStore& blobs,
                 ContentOptions options = ContentOptions());

  // The ids among `content_ids` that `caller` does not reach (content_reach.h: not held, or
  // held only where the caller cannot read), in input order.
  // INVALID_ARGUMENT for a malformed id or more than 10,000 ids.
  absl::StatusOr<std::vector<std::string>> FindMissing(const Caller& caller,
                                                       const std::vector<std::string>& content_ids);

  // Starts an upload by `caller`. When the caller reaches the content already, the upload
  // discards its data and Finish() reports already_present; otherwise it is chunked, hashed
  // and stored (chunks stored already are kept once). INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const Caller& caller,
                                                      const UploadHeader& header);

  // Reads go through the repository the call was authorized on (`caller.repo_id`): a
  // content or chunk it does not reference reads as unknown (content_reach.h). Server admins
  // read any stored content.
  //
  // Opens content for reading from `offset`, chunked or stored whole. INVALID_ARGUMENT for
  // a malformed id, NOT_FOUND when the content is not recorded or the repository does not
  // reference it, OUT_OF_RANGE for an offset past its end, DATA_LOSS when recorded but its
  // blob is missing.
  absl::StatusOr<std::unique_ptr<Download>> OpenDownload(const Caller& caller,
                                                         const std::string& content_id,
                                                         uint64_t offset);

  // The hashes among `hashes` that `caller` does not reach (content_reach.h), in input
  // order, each once. INVALID_ARGUMENT for a malformed hash or more than kMaxChunkHashes.
  absl::StatusOr<std::vector<std::string>> FindMissingChunks(const Caller& caller,
                                                             const std::vector<std::string>& hashes);

  // An upload stream of `caller`: its packs and the chunks it sent count as the caller's.
  std::unique_ptr<ChunkUpload> BeginChunkUpload(const Caller& caller);
  // A commit stream of `caller`: a chunk the caller does not reach counts as not stored.
  std::unique_ptr<ContentCommit> BeginCommit(const Caller& caller);

  // Streams the manifests of `content_ids` to `sink`, in request order, a large one in
  // pieces of at most kMaxChunkHashes chunks. INVALID_ARGUMENT for a malformed id or more
  // than kMaxChunkHashes ids; NOT_FOUND for a content unknown or not referenced by
  // the repository (before anything is sent).
  absl::Status GetManifests(const Caller& caller, const std::vector<std::string>& content_ids,
                            const std::function<absl::Status(ManifestPiece&)>& sink);

  // Streams the chunks `hashes` to `sink` in request order, each verified against its hash.
  // INVALID_ARGUMENT as FindMissingChunks; NOT_FOUND naming a chunk unknown or of no
  // content the repository references (before anything is sent); DATA_LOSS for a corrupt
  // stored chunk (never served).
  absl::Status ReadChunks(
      const Caller& caller, const std::vector<std::string>& hashes,
      const std::function<absl::Status(const std::string& hash, std::string& bytes)>& sink);

  // The one audit row of a finished upload stream ("content.upload", `summary` its target)
  // or commit stream ("content.commit"), in the repository the call was authorized on. A
  // stream's chunks are recorded in several transactions (one per pack), so its row is
  // written once the stream succeeded; a failed stream's row is the edge's.
  absl::Status AuditUpload(const Caller& caller, std::string summary);
  absl::Status AuditCommit(const Caller& caller, size_t contents);

  store::pack::ChunkStore& chunk_store() { return chunks_; }

 private:
  store::MetadataStore& metadata_;
  store::BlobStore& blobs_;
  const ContentOptions options_;
  store::pack::ChunkStore chunks_;
};

}  // namespace mlvc::server::core
