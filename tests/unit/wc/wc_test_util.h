// Helpers for the working-copy tests: files with chosen contents and mtimes, and entries
// recorded as if a checkout had put them there.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "client/wc/working_copy.h"
#include "common/hash/sha256.h"
#include "common/tree/content_kind.h"

namespace mlvc::client::wc::testutil {

// An mtime safely outside the racy window: one hour ago plus `offset_s`.
inline int64_t PastNs(int64_t offset_s = 0) {
  return (static_cast<int64_t>(std::time(nullptr)) - 3600 + offset_s) * 1'000'000'000 + 123;
}

inline void SetMtime(const std::string& abspath, int64_t mtime_ns) {
  struct timespec times[2];
  times[0].tv_sec = mtime_ns / 1'000'000'000;
  times[0].tv_nsec = mtime_ns % 1'000'000'000;
  times[1] = times[0];
  REQUIRE(::utimensat(AT_FDCWD, abspath.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

inline void WriteFile(const std::string& abspath, const std::string& bytes,
                      int64_t mtime_ns = PastNs()) {
  std::filesystem::create_directories(std::filesystem::path(abspath).parent_path());
  std::ofstream(abspath, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (mtime_ns != 0) SetMtime(abspath, mtime_ns);
}

inline void SetExecutable(const std::string& abspath, bool on) {
  std::filesystem::permissions(abspath,
                               std::filesystem::perms::owner_exec |
                                   std::filesystem::perms::group_exec |
                                   std::filesystem::perms::others_exec,
                               on ? std::filesystem::perm_options::add
                                  : std::filesystem::perm_options::remove);
}

// Writes `bytes` at `relpath` and records an entry as a checkout of that content would.
inline void CheckOutFile(WorkingCopy& wc, const std::string& relpath, const std::string& bytes,
                         int64_t mtime_ns = PastNs()) {
  WriteFile(wc.AbsPath(relpath), bytes, mtime_ns);
  WcEntry e;
  e.relpath = relpath;
  e.base_content_id = common::Sha256Hex(bytes);
  e.base_size = bytes.size();
  e.kind = common::LooksLikeText(bytes) ? FileKind::kText : FileKind::kBinary;
  REQUIRE(wc.RecordDiskState(e).ok());
  wc.Put(e);
}

inline WcConfig SampleConfig() {
  WcConfig c;
  c.server = "127.0.0.1:7070";
  c.repository = "models";
  c.branch = "main";
  c.base_number = 7;
  return c;
}

inline std::string Codes(const std::vector<StatusItem>& items) {
  std::string out;
  for (const StatusItem& item : items) {
    switch (item.code) {
      case StatusCode::kModified: out += "M "; break;
      case StatusCode::kAdded: out += "A "; break;
      case StatusCode::kDeleted: out += "D "; break;
      case StatusCode::kMissing: out += "! "; break;
      case StatusCode::kUnversioned: out += "? "; break;
    }
    out += item.relpath + "\n";
  }
  return out;
}

}  // namespace mlvc::client::wc::testutil
