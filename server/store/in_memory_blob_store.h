// InMemoryBlobStore: a BlobStore held in memory, for unit tests of server/core.
// Requires: abseil. Used by: tests. Same contract as every BlobStore (blob_store.h),
// checked by the shared conformance suite in tests/integration/store/.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/store/blob_store.h"

namespace mlvc::server::store {

// Thread-safe. Objects are shared immutable strings, so readers never copy a whole object
// and stay valid after Delete.
class InMemoryBlobStore : public BlobStore {
 public:
  InMemoryBlobStore() = default;

  // INVALID_ARGUMENT for a key that is not a content id, as for every BlobStore.
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> Open(const std::string& key,
                                                   uint64_t offset) override;
  absl::StatusOr<bool> Exists(const std::string& key) override;
  absl::Status Delete(const std::string& key) override;

  // Number of committed objects (for tests).
  size_t ObjectCount() const;

 private:
  friend class InMemoryBlobWriter;
  void Put(const std::string& key, std::shared_ptr<const std::string> bytes);

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const std::string>> objects_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mlvc::server::store
