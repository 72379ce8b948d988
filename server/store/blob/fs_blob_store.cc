#include "server/store/blob/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"

namespace mlvc::server::store {
namespace {

absl::Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(std::string(what), " ", path, ": ", std::strerror(err)));
}

absl::Status CheckKey(const std::string& key) {
  if (!common::IsContentId(key)) {
    return absl::InvalidArgumentError("blob key is not a content id: '" + key + "'");
  }
  return absl::OkStatus();
}

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return absl::OkStatus();
  return ErrnoError("cannot create folder", path, errno);
}

// Makes a rename or a new entry in `dir` durable.
absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open folder", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot sync folder", dir, err);
  return absl::OkStatus();
}

class FsBlobWriter : public BlobWriter {
 public:
  FsBlobWriter(int fd, std::string tmp_path, std::string root, std::string key)
      : fd_(fd), tmp_path_(std::move(tmp_path)), root_(std::move(root)), key_(std::move(key)) {}

  ~FsBlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_path_.c_str());
  }

  absl::Status Append(std::string_view bytes) override {
    if (fd_ < 0) return absl::FailedPreconditionError("blob writer is closed");
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        Close();
        return ErrnoError("cannot write", tmp_path_, err);
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (fd_ < 0) return absl::FailedPreconditionError("blob writer is closed");
    if (::fsync(fd_) != 0) {
      const int err = errno;
      Close();
      return ErrnoError("cannot sync", tmp_path_, err);
    }
    Close();
    const std::string dir1 = absl::StrCat(root_, "/objects/", key_.substr(0, 2));
    const std::string dir2 = absl::StrCat(dir1, "/", key_.substr(2, 2));
    const std::string final_path = absl::StrCat(dir2, "/", key_);
    struct stat st;
    if (::stat(final_path.c_str(), &st) == 0) {
      // Same key, same bytes: keep the object already there.
      return absl::OkStatus();
    }
    if (auto s = MakeDir(dir1); !s.ok()) return s;
    if (auto s = MakeDir(dir2); !s.ok()) return s;
    if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) {
      return ErrnoError("cannot rename into", final_path, errno);
    }
    committed_ = true;
    // The new fan-out entries must be durable as well as the object's own entry.
    if (auto s = SyncDir(dir2); !s.ok()) return s;
    if (auto s = SyncDir(dir1); !s.ok()) return s;
    return SyncDir(root_ + "/objects");
  }

 private:
  void Close() {
    ::close(fd_);
    fd_ = -1;
  }

  int fd_;
  const std::string tmp_path_;
  const std::string root_;
  const std::string key_;
  bool committed_ = false;
};

class FsBlobReader : public BlobReader {
 public:
  FsBlobReader(int fd, std::string path, uint64_t size, uint64_t offset)
      : fd_(fd), path_(std::move(path)), size_(size), pos_(offset) {}
  ~FsBlobReader() override { ::close(fd_); }

  absl::Status Read(size_t max_bytes, std::string* out) override {
    const uint64_t want = std::min<uint64_t>(max_bytes, size_ - std::min(pos_, size_));
    out->resize(want);
    size_t got = 0;
    while (got < want) {
      const ssize_t n = ::pread(fd_, out->data() + got, want - got, static_cast<off_t>(pos_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("cannot read", path_, errno);
      }
      if (n == 0) break;  // shorter than it was when opened: objects never shrink, but be safe
      got += static_cast<size_t>(n);
      pos_ += static_cast<uint64_t>(n);
    }
    out->resize(got);
    return absl::OkStatus();
  }

  uint64_t size() const override { return size_; }

 private:
  const int fd_;
  const std::string path_;
  const uint64_t size_;
  uint64_t pos_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FsBlobStore>> FsBlobStore::Open(const std::string& root_abspath) {
  if (root_abspath.empty() || root_abspath[0] != '/') {
    return absl::InvalidArgumentError("blob store root must be an absolute path: '" +
                                      root_abspath + "'");
  }
  std::string root = root_abspath;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (auto s = MakeDir(root); !s.ok()) return s;
  if (auto s = MakeDir(root + "/objects"); !s.ok()) return s;
  if (auto s = MakeDir(root + "/tmp"); !s.ok()) return s;
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(root)));
}

std::string FsBlobStore::ObjectPath(const std::string& key) const {
  return absl::StrCat(root_, "/objects/", key.substr(0, 2), "/", key.substr(2, 2), "/", key);
}

absl::StatusOr<std::unique_ptr<BlobWriter>> FsBlobStore::NewWriter(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  std::string tmp = absl::StrCat(root_, "/tmp/", key, ".XXXXXX");
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot create temporary file", tmp, errno);
  return std::unique_ptr<BlobWriter>(new FsBlobWriter(fd, std::move(tmp), root_, key));
}

absl::StatusOr<std::unique_ptr<BlobReader>> FsBlobStore::Open(const std::string& key,
                                                               uint64_t offset) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  const std::string path = ObjectPath(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("no blob " + key);
    return ErrnoError("cannot open", path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("cannot stat", path, err);
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    ::close(fd);
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of blob ",
                                              key, " (", size, " bytes)"));
  }
  return std::unique_ptr<BlobReader>(new FsBlobReader(fd, path, size, offset));
}

absl::StatusOr<bool> FsBlobStore::Exists(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  const std::string path = ObjectPath(key);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoError("cannot stat", path, errno);
}

absl::Status FsBlobStore::Delete(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  const std::string path = ObjectPath(key);
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
  return ErrnoError("cannot delete", path, errno);
}

}  // namespace mlvc::server::store
