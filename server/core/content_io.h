// Small contents in memory, for the server's three-way merges (merge and submit on a moved
// head): reading a content whole from the BlobStore, and storing a merged text as a new
// content. Requires: store/blob_store.h, store/metadata_store.h. Used by: MergeService, Submit.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Texts larger than this are not merged line by line (they count as binary changes).
inline constexpr uint64_t kMaxMergeTextBytes = 16 << 20;

// The bytes of content `content_id`. OUT_OF_RANGE when larger than `max_bytes`; DATA_LOSS
// when the blob is missing; INTERNAL on read errors.
absl::StatusOr<std::string> ReadContent(store::BlobStore& blobs, const std::string& content_id,
                                        uint64_t max_bytes);

// Writes `bytes` as a blob keyed by their SHA-256 and returns that content id. The content
// is not recorded in the metadata store: call MetadataTxn::PutContent(id, size) in the
// transaction that references it. Writing an existing content is a no-op.
absl::StatusOr<std::string> WriteContent(store::BlobStore& blobs, const std::string& bytes);

}  // namespace mlvc::server::core
