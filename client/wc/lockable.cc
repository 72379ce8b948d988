#include "client/wc/lockable.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mlvc::client::wc {

bool MatchesLockable(const std::vector<std::string>& patterns, std::string_view relpath) {
  const std::string path(relpath);
  const size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const std::string& p : patterns) {
    if (::fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
    if (::fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  }
  return false;
}

bool IsLockable(const WorkingCopy& wc, std::string_view relpath) {
  const auto& patterns = wc.config().lockable_patterns;
  return patterns.has_value() && MatchesLockable(*patterns, relpath);
}

bool HoldsLock(const WorkingCopy& wc, std::string_view relpath) {
  const auto& held = wc.config().held_locks;
  return std::binary_search(held.begin(), held.end(), relpath);
}

bool WantsReadOnly(const WorkingCopy& wc, std::string_view relpath) {
  return IsLockable(wc, relpath) && !HoldsLock(wc, relpath);
}

uint32_t CreateMode(const WorkingCopy& wc, std::string_view relpath, bool executable) {
  const uint32_t mode = executable ? 0777 : 0666;
  return WantsReadOnly(wc, relpath) ? mode & ~static_cast<uint32_t>(0222) : mode;
}

absl::Status ApplyLockMode(const WorkingCopy& wc, const std::string& relpath) {
  const std::string abspath = wc.AbsPath(relpath);
  struct stat st;
  if (::lstat(abspath.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return absl::OkStatus();
    return absl::InternalError("cannot stat " + abspath + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return absl::OkStatus();
  const mode_t mode = st.st_mode & 07777;
  mode_t want = mode;
  if (WantsReadOnly(wc, relpath)) {
    want = mode & ~static_cast<mode_t>(S_IWUSR | S_IWGRP | S_IWOTH);
  } else if ((mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) {
    want = mode | S_IWUSR;
  }
  if (want == mode) return absl::OkStatus();
  if (::chmod(abspath.c_str(), want) != 0) {
    return absl::InternalError("cannot change the mode of " + abspath + ": " +
                               std::strerror(errno));
  }
  return absl::OkStatus();
}

}  // namespace mlvc::client::wc
