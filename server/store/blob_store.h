// BlobStore: immutable byte objects by key (a content id), the narrow seam between the
// server and where bytes live (filesystem now, S3-compatible later).
// Requires: abseil. Used by: server/core (content upload and download).
//
// Writes are atomic: an object is visible under its key only after Commit() succeeded, and
// a writer destroyed without Commit() leaves nothing behind. Objects are never modified.
// Implementations are thread-safe; readers and writers are used by one thread each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;  // aborts when not committed
  // Appends bytes. INTERNAL on an I/O error (the writer is then unusable).
  virtual absl::Status Append(std::string_view bytes) = 0;
  // Makes the object durable and visible under its key. Committing a key that already
  // exists keeps the existing object (same key, same bytes) and returns OK.
  virtual absl::Status Commit() = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `max_bytes` into `out` (replacing its contents); an empty `out` means the
  // end. INTERNAL on an I/O error.
  virtual absl::Status Read(size_t max_bytes, std::string* out) = 0;
  // Total size of the object.
  virtual uint64_t size() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Starts writing the object `key`. INVALID_ARGUMENT for a key that is not a content id.
  virtual absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) = 0;
  // Opens `key` for reading from `offset`. NOT_FOUND when absent, OUT_OF_RANGE for an offset
  // past the end.
  virtual absl::StatusOr<std::unique_ptr<BlobReader>> Open(const std::string& key,
                                                           uint64_t offset) = 0;
  virtual absl::StatusOr<bool> Exists(const std::string& key) = 0;
  // Removes `key`; OK when already absent. (Used by garbage collection only.)
  virtual absl::Status Delete(const std::string& key) = 0;
};

}  // namespace mlvc::server::store
