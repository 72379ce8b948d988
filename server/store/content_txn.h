// Contents, chunks, packs and manifests: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/chunk_sql.cc, tree_content_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

// Where a chunk's bytes are: `stored_length` bytes at `offset` of a pack, raw or compressed
// (codec: 0 raw, 1 zstd; server/store/pack/README.md).
struct ChunkRecord {
  std::string hash;  // SHA-256 hex of the raw bytes
  uint64_t offset = 0;
  uint64_t stored_length = 0;
  uint64_t raw_length = 0;
  int codec = 0;
};

// A chunk with the object key of its pack: enough to read it back.
struct ChunkLocation {
  ChunkRecord chunk;
  std::string pack_key;
};

// A page of a content's manifest: the content's size and chunk count, and its chunks from
// sequence number `first_seq` on, in order.
struct ContentManifest {
  uint64_t size = 0;
  int64_t chunk_count = 0;
  int64_t first_seq = 0;
  std::vector<ChunkLocation> chunks;
};

// Whose view of the stored contents and chunks a question takes (server/core/content_reach.h
// states the rule): a user reaches what the repositories `repo_ids` reference, and the chunks
// they uploaded or re-sent themselves.
struct ContentReach {
  int64_t user_id = 0;
  // nullopt: every repository (a server admin), so everything stored is reached.
  std::optional<std::vector<int64_t>> repo_ids;
};

// A content's row: its size and, when chunked, its chunk count;
// nullopt for a content stored whole as one blob (schema 1).
struct ContentHead {
  std::string id;
  uint64_t size = 0;
  std::optional<int64_t> chunk_count;
};

// One manifest row: chunk `seq` (from 0) of content `content_id`, with its raw length on
// reads.
struct ContentChunkRow {
  std::string content_id;
  int64_t seq = 0;
  std::string chunk_hash;
  uint64_t raw_length = 0;  // filled on reads
};

// Not thread-safe, like the MetadataTxn it is part of.
class ContentTxn {
 public:
  virtual ~ContentTxn() = default;

  // The ids among `content_ids` that have no verified content, in input order.
  virtual absl::StatusOr<std::vector<std::string>> FindMissingContents(
      const std::vector<std::string>& content_ids) = 0;
  // Records verified content; a content already recorded is left as it is.
  virtual absl::Status PutContent(const std::string& content_id, uint64_t size) = 0;
  // The size of recorded content, or nullopt when not recorded.
  virtual absl::StatusOr<std::optional<uint64_t>> GetContentSize(
      const std::string& content_id) = 0;
  // The hashes among `hashes` that no stored chunk has, in input order (duplicates kept).
  // One round trip for any number.
  virtual absl::StatusOr<std::vector<std::string>> FindMissingChunks(
      const std::vector<std::string>& hashes) = 0;
  // Records that a pack object is being written (uploads table, for the GC grace period).
  // A key already recorded is left as it is.
  virtual absl::Status BeginPackUpload(const std::string& object_key) = 0;
  // Records a written pack and forgets its upload row; returns the pack's id.
  // ALREADY_EXISTS when a pack has this key.
  // `uploaded_by` is the user whose upload wrote it (nullopt: the server's own, e.g. a
  // merged text).
  virtual absl::StatusOr<int64_t> InsertPack(const std::string& object_key, uint64_t size,
                                             int64_t chunk_count,
                                             std::optional<int64_t> uploaded_by) = 0;
  // Records chunks of pack `pack_id` in one statement; chunks already recorded (in any pack)
  // are left as they are. Returns the hashes this call inserted, in input order.
  // NOT_FOUND for an unknown pack id.
  virtual absl::StatusOr<std::vector<std::string>> InsertChunks(
      int64_t pack_id, const std::vector<ChunkRecord>& chunks) = 0;
  // Deletes a pack row that no chunk references (a pack that lost a race: every chunk it
  // holds was recorded first by another pack). FAILED_PRECONDITION when a chunk references it.
  virtual absl::Status DeleteUnusedPack(int64_t pack_id) = 0;
  // Where the chunks `hashes` are, in input order; NOT_FOUND naming the first unknown hash.
  virtual absl::StatusOr<std::vector<ChunkLocation>> GetChunkLocations(
      const std::vector<std::string>& hashes) = 0;
  // Records content `content_id` of `size` bytes as the concatenation of `chunk_hashes`
  // (with its contents row when absent). A content that already has a manifest keeps it
  // (content addressing: any manifest of an id yields the same bytes), even under racing
  // calls. NOT_FOUND when a chunk is not stored; INVALID_ARGUMENT when the chunks' raw
  // lengths do not add up to `size`.
  virtual absl::Status PutContentManifest(const std::string& content_id, uint64_t size,
                                          const std::vector<std::string>& chunk_hashes) = 0;
  // A page of the manifest of `content_id`: at most `limit` chunks from sequence number
  // `first_seq` on, in order, with their packs (paged so a 5 GiB content, ~640 Ki chunks,
  // is never listed whole in memory). NOT_FOUND when the content is unknown or stored whole
  // (no manifest); DATA_LOSS when the page has fewer rows than the recorded count implies.
  virtual absl::StatusOr<ContentManifest> GetContentManifest(const std::string& content_id,
                                                             int64_t first_seq,
                                                             int64_t limit) = 0;
  // Batched forms for server/core's chunked transfer, each one statement:
  // The recorded contents among `content_ids`, in input order (unknown ones left out).
  virtual absl::StatusOr<std::vector<ContentHead>> GetContentHeads(
      const std::vector<std::string>& content_ids) = 0;
  // Records the contents rows of `heads` (chunk_count set) and returns, in input order, the
  // ids this call gave a manifest: new contents and contents stored whole until now. A
  // content that already has a manifest keeps it (of racing transactions the first wins;
  // the others wait on its row, then find it set). The caller then writes the manifest
  // rows of the returned ids with InsertContentChunks in the same transaction, after
  // checking them (this method checks no chunk). REQUIRES: ids distinct. INVALID_ARGUMENT
  // when a content is recorded with another size.
  virtual absl::StatusOr<std::vector<std::string>> InsertContentHeads(
      const std::vector<ContentHead>& heads) = 0;
  // Inserts manifest rows (raw_length ignored). NOT_FOUND when a chunk is not stored.
  virtual absl::Status InsertContentChunks(const std::vector<ContentChunkRow>& rows) = 0;
  // Every manifest row of `content_ids` (contents with few chunks: the caller bounds the
  // total), grouped by content in input order, by seq within one.
  virtual absl::StatusOr<std::vector<ContentChunkRow>> ListContentChunks(
      const std::vector<std::string>& content_ids) = 0;

  // --- reach: who may learn of and read which contents (server/core/content_reach.h) ---
  // The hashes among `hashes` that are not stored or not reached by `reach`, in input order
  // (duplicates kept). One round trip.
  virtual absl::StatusOr<std::vector<std::string>> FindUnreachedChunks(
      const std::vector<std::string>& hashes, const ContentReach& reach) = 0;
  // The ids among `content_ids` that are not recorded or not reached by `reach`: a content
  // is reached when a repository of the reach references it, or when it has a manifest
  // every chunk of which is reached. In input order. One round trip.
  virtual absl::StatusOr<std::vector<std::string>> FindUnreachedContents(
      const std::vector<std::string>& content_ids, const ContentReach& reach) = 0;
  // The ids among `content_ids` that repository `repo_id` does not reference (no changeset
  // of it added or modified a file with it, no run of it recorded it as its environment
  // file), in input order.
  virtual absl::StatusOr<std::vector<std::string>> ContentsNotReferencedBy(
      int64_t repo_id, const std::vector<std::string>& content_ids) = 0;
  // The hashes among `hashes` that are no chunk of a content `repo_id` references, in input
  // order (duplicates kept).
  virtual absl::StatusOr<std::vector<std::string>> ChunksNotReferencedBy(
      int64_t repo_id, const std::vector<std::string>& hashes) = 0;
  // Records that `user_id` sent the stored chunks `hashes` (kept when already recorded).
  // NOT_FOUND when a chunk is not stored.
  virtual absl::Status RecordChunkPossessions(int64_t user_id,
                                              const std::vector<std::string>& hashes) = 0;
};

}  // namespace mlvc::server::store
