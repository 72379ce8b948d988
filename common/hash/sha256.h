// SHA-256, the content id of mlvc: 64 lowercase hex digits of the hash of a file's bytes.
// Requires: OpenSSL (libcrypto). Used by: server core (upload verification), client wc (scan).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlvc::common {

// Incremental SHA-256. Not thread-safe; one instance per stream of bytes.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Returns the hex digest. REQUIRES: called once; Update() may not follow.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

struct FileDigest {
  std::string content_id;
  uint64_t size = 0;
};

// Hashes a file by streaming it (never whole in memory).
// Returns NOT_FOUND if it does not exist, INTERNAL on a read error.
absl::StatusOr<FileDigest> Sha256File(const std::string& local_abspath);

// True for 64 lowercase hex digits.
bool IsContentId(std::string_view id);

}  // namespace mlvc::common
