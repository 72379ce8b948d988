#include "server/store/in_memory_blob_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"

namespace mlvc::server::store {
namespace {

absl::Status CheckKey(const std::string& key) {
  if (!common::IsContentId(key)) {
    return absl::InvalidArgumentError("blob key is not a content id: '" + key + "'");
  }
  return absl::OkStatus();
}

class InMemoryBlobReader : public BlobReader {
 public:
  InMemoryBlobReader(std::shared_ptr<const std::string> bytes, uint64_t offset)
      : bytes_(std::move(bytes)), pos_(offset) {}

  absl::Status Read(size_t max_bytes, std::string* out) override {
    const size_t n = std::min<size_t>(max_bytes, bytes_->size() - pos_);
    out->assign(*bytes_, pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }

  uint64_t size() const override { return bytes_->size(); }

 private:
  const std::shared_ptr<const std::string> bytes_;
  size_t pos_;
};

}  // namespace

class InMemoryBlobWriter : public BlobWriter {
 public:
  InMemoryBlobWriter(InMemoryBlobStore* store, std::string key)
      : store_(store), key_(std::move(key)) {}

  absl::Status Append(std::string_view bytes) override {
    if (done_) return absl::FailedPreconditionError("blob writer is closed");
    bytes_.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (done_) return absl::FailedPreconditionError("blob writer is closed");
    done_ = true;
    store_->Put(key_, std::make_shared<const std::string>(std::move(bytes_)));
    return absl::OkStatus();
  }

 private:
  InMemoryBlobStore* const store_;
  const std::string key_;
  std::string bytes_;
  bool done_ = false;
};

void InMemoryBlobStore::Put(const std::string& key, std::shared_ptr<const std::string> bytes) {
  absl::MutexLock lock(&mu_);
  objects_.emplace(key, std::move(bytes));  // keeps an existing object, as Commit promises
}

absl::StatusOr<std::unique_ptr<BlobWriter>> InMemoryBlobStore::NewWriter(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  return std::unique_ptr<BlobWriter>(new InMemoryBlobWriter(this, key));
}

absl::StatusOr<std::unique_ptr<BlobReader>> InMemoryBlobStore::Open(const std::string& key,
                                                                    uint64_t offset) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  std::shared_ptr<const std::string> bytes;
  {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return absl::NotFoundError("no blob " + key);
    bytes = it->second;
  }
  if (offset > bytes->size()) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of blob ",
                                              key, " (", bytes->size(), " bytes)"));
  }
  return std::unique_ptr<BlobReader>(new InMemoryBlobReader(std::move(bytes), offset));
}

absl::StatusOr<bool> InMemoryBlobStore::Exists(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  return objects_.contains(key);
}

absl::Status InMemoryBlobStore::Delete(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  objects_.erase(key);
  return absl::OkStatus();
}

size_t InMemoryBlobStore::ObjectCount() const {
  absl::MutexLock lock(&mu_);
  return objects_.size();
}

}  // namespace mlvc::server::store
