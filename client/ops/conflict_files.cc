#include "client/ops/conflict_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/status/status_macros.h"

namespace mlvc::client::ops::internal {
namespace {

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

absl::Status WriteWcFile(const wc::WorkingCopy& wc, const std::string& relpath,
                         std::string_view bytes, bool executable) {
  const std::string temp = wc.TempPath();
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) return Errno("cannot create", temp);
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::remove(temp.c_str());
    return absl::InternalError("cannot write " + temp);
  }
  absl::Status installed = wc.InstallFile(temp, relpath, executable);
  if (!installed.ok()) std::remove(temp.c_str());
  return installed;
}

absl::Status CheckConflictNamesFree(const wc::WorkingCopy& wc, const std::string& relpath,
                                    bool mine_only) {
  for (const char* suffix : {kBaseSuffix, kMineSuffix, kTheirsSuffix}) {
    if (mine_only && suffix != kMineSuffix) continue;
    const std::string name = relpath + suffix;
    struct stat st;
    // Anything there may be the user's (even one we left earlier holds a local version), so
    // nothing is ever replaced: the caller leaves the path alone instead.
    if (wc.Find(name) != nullptr || ::lstat(wc.AbsPath(name).c_str(), &st) == 0) {
      return absl::FailedPreconditionError("'" + name +
                                           "' is in the way of the conflict files of '" +
                                           relpath + "'; move it away and try again");
    }
  }
  return absl::OkStatus();
}

absl::Status WriteTextConflictFiles(const wc::WorkingCopy& wc, const std::string& relpath,
                                    std::string_view base, std::string_view mine,
                                    std::string_view theirs) {
  RETURN_IF_ERROR(CheckConflictNamesFree(wc, relpath, /*mine_only=*/false));
  RETURN_IF_ERROR(WriteWcFile(wc, relpath + kBaseSuffix, base, false));
  RETURN_IF_ERROR(WriteWcFile(wc, relpath + kMineSuffix, mine, false));
  return WriteWcFile(wc, relpath + kTheirsSuffix, theirs, false);
}

absl::Status MoveToMine(const wc::WorkingCopy& wc, const std::string& relpath) {
  const std::string from = wc.AbsPath(relpath);
  RETURN_IF_ERROR(CheckConflictNamesFree(wc, relpath, /*mine_only=*/true));
  const std::string to = wc.AbsPath(relpath + kMineSuffix);
  if (std::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename", from);
  return absl::OkStatus();
}

absl::Status RemoveConflictFiles(const wc::WorkingCopy& wc, const std::string& relpath) {
  for (const char* suffix : {kBaseSuffix, kMineSuffix, kTheirsSuffix}) {
    const std::string path = wc.AbsPath(relpath + suffix);
    if (std::remove(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot delete", path);
  }
  return absl::OkStatus();
}

bool ConflictFileExists(const wc::WorkingCopy& wc, const std::string& relpath,
                        const char* suffix) {
  struct stat st;
  return ::stat(wc.AbsPath(relpath + suffix).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace mlvc::client::ops::internal
