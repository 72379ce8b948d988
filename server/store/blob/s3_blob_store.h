// S3BlobStore: the BlobStore on an S3-compatible object store (AWS S3, MinIO, Ceph RGW,
// s3rver...), signed with AWS Signature V4.
// Requires: Boost.Beast (header-only), OpenSSL, abseil. Used by: the mlvcd main
// (`--blobs s3://BUCKET/PREFIX`), handed to server/core.
//
// Layout: object KEY lives at PREFIX/objects/ab/cd/KEY in BUCKET, addressed path-style
// (ENDPOINT/BUCKET/...), which every S3-compatible server accepts. http:// and https://
// endpoints both work; https verifies the certificate and its host name (system CAs, or
// ca_file). Memory stays bounded
// whatever the object size: a writer holds at most one part (part_size) and sends larger
// objects as a multipart upload; a reader holds at most one ranged piece (read_piece).
// Every request is retried with exponential backoff and jitter on 5xx answers, timeouts and
// connection errors, up to max_attempts in all.
//
// Errors common to every method: PERMISSION_DENIED when S3 refuses the credentials (403),
// FAILED_PRECONDITION when the bucket does not exist, UNAVAILABLE / DEADLINE_EXCEEDED when
// S3 cannot be reached or keeps failing after the retries, INTERNAL for any other refusal
// (with S3's error code).
//
// Differences from FsBlobStore that callers may notice: a reader opened before Delete() of
// its object keeps what it has buffered (the first piece) but fails with NOT_FOUND on the
// next piece, since S3 has no open-file semantics (only garbage collection deletes); and an
// object larger than 10,000 parts (80 GiB at 8 MiB) is refused (S3's part-count limit).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/store/blob_store.h"

namespace mlvc::server::store {

namespace s3 {
class HttpClient;
}

struct S3Config {
  std::string endpoint;  // "http://127.0.0.1:4568" or "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // "" or "a/b": leading and trailing '/' are ignored
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only
  std::string ca_file;        // https: PEM of trusted CAs; empty = the system's

  // Tuning; the defaults suit production, tests lower them.
  size_t part_size = 8u << 20;   // write buffer and multipart part size (S3 minimum: 5 MiB)
  size_t read_piece = 8u << 20;  // bytes per ranged GET
  int max_attempts = 5;
  absl::Duration first_backoff = absl::Milliseconds(200);  // doubled per attempt, +-50%
  absl::Duration max_backoff = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(60);  // per network step (connect, send, receive)
};

// Thread-safe: requests borrow connections from a pool.
class S3BlobStore : public BlobStore {
 public:
  // Checks the configuration and that the bucket is reachable with the credentials (one
  // HEAD request). INVALID_ARGUMENT for a bad endpoint, an empty bucket or missing
  // credentials; otherwise the common errors above.
  static absl::StatusOr<std::unique_ptr<S3BlobStore>> Open(const S3Config& config);
  ~S3BlobStore() override;

  // See BlobStore. Keys must be content ids (INVALID_ARGUMENT otherwise).
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(const std::string& key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> Open(const std::string& key,
                                                   uint64_t offset) override;
  absl::StatusOr<bool> Exists(const std::string& key) override;
  absl::Status Delete(const std::string& key) override;

  // The object path of `key` under the endpoint: "/BUCKET/PREFIX/objects/ab/cd/KEY".
  std::string ObjectPath(const std::string& key) const;

  // The transport and signing layer, shared with the writers and readers (internal).
  class Client;

 private:
  explicit S3BlobStore(std::unique_ptr<Client> client);
  std::unique_ptr<Client> client_;
};

}  // namespace mlvc::server::store
