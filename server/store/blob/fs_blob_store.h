// FsBlobStore: the BlobStore on a local filesystem, content-addressed.
// Requires: POSIX. Used by: the mlvcd main (`--blobs DIR`), handed to server/core.
//
// Layout under ROOT: objects/ab/cd/<key> for key "abcd...", and tmp/ for objects being
// written. A writer fills a uniquely named temp file, and Commit fsyncs it, renames it into
// place and fsyncs the directory, so an object is either whole and durable or absent.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/blob_store.h"

namespace mlvc::server::store {

// Thread-safe (state lives in the filesystem; every writer has its own temp file).
class FsBlobStore : public BlobStore {
 public:
  // Opens (creating when needed) the store rooted at `root_abspath`, making ROOT/objects and
  // ROOT/tmp. INVALID_ARGUMENT for a relative or empty path, INTERNAL when the folders
  // cannot be created.
  static absl::StatusOr<std::unique_ptr<FsBlobStore>> Open(const std::string& root_abspath);

  // See BlobStore. Keys must be content ids (64 lowercase hex digits): INVALID_ARGUMENT
  // otherwise, so no key can name a path outside ROOT.
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> Open(const std::string& key,
                                                   uint64_t offset) override;
  absl::StatusOr<bool> Exists(const std::string& key) override;
  absl::Status Delete(const std::string& key) override;

  const std::string& root() const { return root_; }

 private:
  explicit FsBlobStore(std::string root) : root_(std::move(root)) {}
  std::string ObjectPath(const std::string& key) const;

  const std::string root_;
};

}  // namespace mlvc::server::store
