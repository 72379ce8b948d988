// The blob store an integration suite runs on, chosen by the environment, so one suite
// covers every backend: FsBlobStore by default, S3BlobStore on the test S3 server (the CTest
// "s3" fixture, see tests/CMakeLists.txt) with MLVC_TEST_BLOBS=s3.
// Header-only; a test that includes it links mlvc_blob and mlvc_blob_s3.
#pragma once

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/blob/s3_blob_store.h"

namespace mlvc::testing {

inline std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// The test S3 server's configuration (MLVC_TEST_S3_*), under a fresh random prefix so tests
// never see each other's objects. An empty endpoint when the test was not registered with S3.
inline server::store::S3Config TestS3Config() {
  server::store::S3Config c;
  c.endpoint = EnvOr("MLVC_TEST_S3_ENDPOINT", "");
  c.bucket = EnvOr("MLVC_TEST_S3_BUCKET", "mlvc-test");
  c.access_key = EnvOr("MLVC_TEST_S3_ACCESS_KEY", "");
  c.secret_key = EnvOr("MLVC_TEST_S3_SECRET_KEY", "");
  c.region = "us-east-1";
  std::random_device rd;
  c.prefix = absl::StrCat("t", rd(), rd());
  c.first_backoff = absl::Milliseconds(20);
  return c;
}

// FsBlobStore at `fs_root`, or with MLVC_TEST_BLOBS=s3 an S3BlobStore (INVALID_ARGUMENT
// naming the missing variable when the S3 fixture's environment is absent).
inline absl::StatusOr<std::unique_ptr<server::store::BlobStore>> OpenTestBlobStore(
    const std::string& fs_root) {
  if (EnvOr("MLVC_TEST_BLOBS", "fs") == "s3") {
    server::store::S3Config c = TestS3Config();
    if (c.endpoint.empty()) {
      return absl::InvalidArgumentError(
          "MLVC_TEST_BLOBS=s3 but MLVC_TEST_S3_ENDPOINT is not set: register the test with S3");
    }
    auto s3 = server::store::S3BlobStore::Open(c);
    if (!s3.ok()) return s3.status();
    return std::unique_ptr<server::store::BlobStore>(std::move(*s3));
  }
  auto fs = server::store::FsBlobStore::Open(fs_root);
  if (!fs.ok()) return fs.status();
  return std::unique_ptr<server::store::BlobStore>(std::move(*fs));
}

}  // namespace mlvc::testing
