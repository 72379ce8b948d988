#include "client/wc/file_system_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace mlvc::client::wc::internal {
namespace {

// Closes a descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close(2) may carry for a written file.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string DirnameOf(const std::string& abspath) {
  const size_t slash = abspath.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return abspath.substr(0, slash);
}

}  // namespace

absl::Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(std::string(what) + " '" + path + "': " + std::strerror(err));
}

namespace {

FileStat ToFileStat(const struct stat& st) {
  FileStat out;
  if (S_ISREG(st.st_mode)) {
    out.type = NodeType::kRegular;
  } else if (S_ISDIR(st.st_mode)) {
    out.type = NodeType::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    out.type = NodeType::kSymlink;
  } else {
    out.type = NodeType::kOther;
  }
  out.size = static_cast<uint64_t>(st.st_size);
  out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.executable = (st.st_mode & S_IXUSR) != 0;
  return out;
}

}  // namespace

absl::StatusOr<FileStat> StatPath(const std::string& abspath) {
  struct stat st;
  if (::lstat(abspath.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileStat();
    return ErrnoError("cannot stat", abspath, errno);
  }
  return ToFileStat(st);
}

absl::StatusOr<std::unique_ptr<DirReader>> DirReader::Open(const std::string& abspath) {
  const int fd = ::open(abspath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
      return absl::NotFoundError(absl::StrCat("'", abspath, "' is not a folder any more"));
    }
    return ErrnoError("cannot list folder", abspath, errno);
  }
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("cannot list folder", abspath, err);
  }
  return std::unique_ptr<DirReader>(new DirReader(abspath, dir));
}

DirReader::~DirReader() { ::closedir(dir_); }

absl::StatusOr<bool> DirReader::Next(std::string& name) {
  for (;;) {
    errno = 0;
    const struct dirent* entry = ::readdir(dir_);
    if (entry == nullptr) {
      if (errno != 0) return ErrnoError("cannot list folder", abspath_, errno);
      return false;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    name.assign(entry->d_name);
    return true;
  }
}

absl::StatusOr<FileStat> DirReader::Stat(const std::string& relative) const {
  struct stat st;
  if (::fstatat(::dirfd(dir_), relative.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileStat();
    return ErrnoError("cannot stat", abspath_ + "/" + relative, errno);
  }
  return ToFileStat(st);
}

int64_t NowNs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

absl::StatusOr<std::string> ReadPrefix(const std::string& abspath, size_t max_bytes) {
  Fd fd(::open(abspath.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("'", abspath, "' is gone"));
    return ErrnoError("cannot open", abspath, errno);
  }
  std::string out(max_bytes, '\0');
  size_t filled = 0;
  while (filled < max_bytes) {
    const ssize_t n = ::read(fd.get(), out.data() + filled, max_bytes - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", abspath, errno);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  out.resize(filled);
  return out;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& abspath) {
  Fd fd(::open(abspath.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("'", abspath, "' not found"));
    return ErrnoError("cannot open", abspath, errno);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", abspath, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::Status SyncPath(const std::string& abspath, bool is_directory) {
  Fd fd(::open(abspath.c_str(), (is_directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot open", abspath, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync", abspath, errno);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& abspath, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::string temp =
      absl::StrCat(abspath, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return ErrnoError("cannot create", temp, errno);
    size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(temp.c_str());
        return ErrnoError("cannot write", temp, err);
      }
      written += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.Close() != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return ErrnoError("cannot write", temp, err);
    }
  }
  if (::rename(temp.c_str(), abspath.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return ErrnoError("cannot rename into", abspath, err);
  }
  return SyncPath(DirnameOf(abspath), /*is_directory=*/true);
}

}  // namespace mlvc::client::wc::internal
