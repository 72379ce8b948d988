// Small contents in memory, for the server's three-way merges (merge and submit on a moved
// head) and text diffs: reading a content whole (chunked or stored whole), and storing a
// merged text as a new content.
// Requires: store/blob_store.h, store/metadata_store.h, store/pack. Used by: MergeService,
// Submit, HistoryService (diff text), RecordService (environment files).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Texts larger than this are not merged line by line (they count as binary changes).
inline constexpr uint64_t kMaxMergeTextBytes = 16 << 20;

// The bytes of content `content_id`, chunked (read through `txn`'s manifest, every chunk
// and the whole checked against their hashes) or stored whole (schema 1). OUT_OF_RANGE when
// larger than `max_bytes`; DATA_LOSS when bytes are missing or corrupt; INTERNAL on read
// errors.
absl::StatusOr<std::string> ReadContent(store::MetadataTxn& txn, store::BlobStore& blobs,
                                        const std::string& content_id, uint64_t max_bytes);
// The same in a transaction of its own.
absl::StatusOr<std::string> ReadContent(store::MetadataStore& metadata, store::BlobStore& blobs,
                                        const std::string& content_id, uint64_t max_bytes);

// Writes `bytes` as a blob keyed by their SHA-256 and returns that content id. The content
// is not recorded in the metadata store: call MetadataTxn::PutContent(id, size) in the
// transaction that references it. Writing an existing content is a no-op.
// Merged texts stay whole blobs (schema 1), not packs: Submit merges inside its transaction,
// and storing chunks takes transactions of their own (ChunkStore), so a submit would hold one
// pooled connection while waiting for a second: N concurrent merging submits on a pool of N
// would deadlock. They are small texts, read back by the same ReadContent.
absl::StatusOr<std::string> WriteContent(store::BlobStore& blobs, const std::string& bytes);

}  // namespace mlvc::server::core
