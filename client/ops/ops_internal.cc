#include "client/ops/ops_internal.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "client/ops/transfer.h"
#include "client/wc/lockable.h"
#include "common/status/status_macros.h"
#include "common/tree/content_kind.h"

namespace mlvc::client::ops::internal {

absl::StatusOr<std::unique_ptr<remote::Remote>> Connect(const Endpoint& endpoint) {
  remote::Remote::Options options;
  options.ca_file = endpoint.ca_file;
  return remote::Remote::Connect(endpoint.server, endpoint.token, options);
}

absl::StatusOr<LocalFile> StatLocal(const std::string& abspath) {
  struct stat st;
  LocalFile f;
  if (::lstat(abspath.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return f;
    return absl::InternalError("cannot stat " + abspath + ": " + std::strerror(errno));
  }
  f.exists = true;
  f.regular = S_ISREG(st.st_mode);
  f.directory = S_ISDIR(st.st_mode);
  f.executable = (st.st_mode & S_IXUSR) != 0;
  f.size = static_cast<uint64_t>(st.st_size);
  return f;
}

absl::StatusOr<wc::FileKind> SniffKind(const std::string& abspath) {
  std::FILE* file = std::fopen(abspath.c_str(), "rb");
  if (file == nullptr) {
    return absl::InternalError("cannot read " + abspath + ": " + std::strerror(errno));
  }
  std::string prefix(common::kKindSniffBytes, '\0');
  size_t n = std::fread(prefix.data(), 1, prefix.size(), file);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return absl::InternalError("cannot read " + abspath);
  prefix.resize(n);
  return common::LooksLikeText(prefix) ? wc::FileKind::kText : wc::FileKind::kBinary;
}

std::string RandomHex() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // OpenSSL's generator failing is rare; the id only has to be unique, not secret.
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& abspath) {
  std::FILE* file = std::fopen(abspath.c_str(), "rb");
  if (file == nullptr) {
    return absl::InternalError("cannot read " + abspath + ": " + std::strerror(errno));
  }
  std::string out;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.append(buffer, n);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return absl::InternalError("cannot read " + abspath);
  return out;
}

absl::Status FetchInto(wc::WorkingCopy& wc, remote::Remote& remote,
                       const remote::TreeFile& file) {
  const std::string temp = wc.TempPath();
  RETURN_IF_ERROR(remote.DownloadToFile(wc.config().repository, file.content_id, temp));
  return InstallFetched(wc, temp, file);
}

absl::StatusOr<std::vector<std::string>> DownloadAll(
    const wc::WorkingCopy& wc, Transfer& transfer,
    const std::vector<const remote::TreeFile*>& files) {
  return DownloadContents(transfer, wc, files);
}

absl::Status InstallFetched(wc::WorkingCopy& wc, const std::string& temp,
                            const remote::TreeFile& file) {
  // Lockable files become read-only on the way in (DownloadContents creates the temporary
  // file with that mode already, so mostly there is no chmod).
  absl::StatusOr<wc::WorkingCopy::InstalledFile> installed =
      wc.InstallFile(temp, file.path, file.executable, wc::WantsReadOnly(wc, file.path));
  if (!installed.ok()) {
    std::remove(temp.c_str());
    return installed.status();
  }
  wc::WcEntry entry;
  entry.relpath = file.path;
  entry.base_content_id = file.content_id;
  entry.base_size = file.size;
  entry.kind = ToWcKind(file.kind);
  entry.executable = file.executable;
  entry.schedule = wc::Schedule::kNormal;
  wc.RecordDiskState(entry, *installed);
  wc.Put(std::move(entry));
  return absl::OkStatus();
}

void RemoveTemps(const std::vector<std::string>& temps, size_t from) {
  for (size_t i = from; i < temps.size(); ++i) std::remove(temps[i].c_str());
}

absl::Status SaveOnError(const wc::WorkingCopy& wc, absl::Status status) {
  if (!status.ok()) wc.Save().IgnoreError();
  return status;
}

}  // namespace mlvc::client::ops::internal
