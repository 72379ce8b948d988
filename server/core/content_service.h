// Content transfer: which contents the server lacks, verified uploads, and downloads.
// An upload streams into a BlobWriter while hashing, so memory stays flat whatever the
// size; the content is recorded in the metadata store only after its SHA-256 and size
// matched the header and the blob was committed.
// Requires: store/metadata_store.h, store/blob_store.h. Used by: server/rpc (ContentService).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/hash/sha256.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

struct UploadHeader {
  std::string content_id;
  uint64_t size = 0;
};

struct UploadResult {
  std::string content_id;
  bool already_present = false;  // the server held it; the data sent was discarded
};

// One upload in progress. Used by one thread; destroying it without Finish() stores nothing.
class Upload {
 public:
  virtual ~Upload() = default;
  // Adds the next piece. DATA_LOSS as soon as more bytes arrive than the header announced;
  // INTERNAL on a blob write error.
  virtual absl::Status Append(std::string_view piece) = 0;
  // Verifies size and hash, commits the blob and records the content.
  // DATA_LOSS "content hash mismatch: ..." or "content size mismatch: ..." (nothing stored);
  // errors of the stores otherwise. REQUIRES: called once.
  virtual absl::StatusOr<UploadResult> Finish() = 0;
};

// One download in progress. Used by one thread.
class Download {
 public:
  virtual ~Download() = default;
  virtual uint64_t total_size() const = 0;
  // The next piece (at most kMaxPieceBytes) in *piece; empty at the end. INTERNAL on a read
  // error.
  virtual absl::Status Next(std::string* piece) = 0;
};

// Thread-safe (stateless beyond the stores).
class ContentService {
 public:
  ContentService(store::MetadataStore& metadata, store::BlobStore& blobs)
      : metadata_(metadata), blobs_(blobs) {}

  // The ids among `content_ids` that the server does not hold, in input order.
  // INVALID_ARGUMENT for a malformed id or more than 10,000 ids.
  absl::StatusOr<std::vector<std::string>> FindMissing(const std::vector<std::string>& content_ids);

  // Starts an upload. When the content is already recorded, the upload discards its data
  // and Finish() reports already_present. INVALID_ARGUMENT for a malformed content id.
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const Caller& caller,
                                                      const UploadHeader& header);

  // Opens content for reading from `offset`. INVALID_ARGUMENT for a malformed id, NOT_FOUND
  // when the content is not recorded, OUT_OF_RANGE for an offset past its end, DATA_LOSS
  // when recorded but its blob is missing.
  absl::StatusOr<std::unique_ptr<Download>> OpenDownload(const std::string& content_id,
                                                         uint64_t offset);

 private:
  store::MetadataStore& metadata_;
  store::BlobStore& blobs_;
};

}  // namespace mlvc::server::core
