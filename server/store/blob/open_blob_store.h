// Opens the blob store that mlvcd's command line names: a folder, or an S3 bucket.
// Requires: abseil. Used by: server/main.cc (`mlvcd serve --blobs ...`).
//
//   --blobs DIR                      FsBlobStore at DIR (relative to the working folder)
//   --blobs s3://BUCKET[/PREFIX]     S3BlobStore; --s3-endpoint URL (default
//                                    https://s3.REGION.amazonaws.com), --s3-region R
//                                    (default $AWS_REGION, else us-east-1); credentials from
//                                    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optional)
//                                    AWS_SESSION_TOKEN; AWS_CA_BUNDLE names extra trusted CAs
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/blob/s3_blob_store.h"
#include "server/store/blob_store.h"

namespace mlvc::server::store {

struct BlobLocation {
  std::string blobs;        // --blobs
  std::string s3_endpoint;  // --s3-endpoint ("" = AWS's for the region)
  std::string s3_region;    // --s3-region ("" = $AWS_REGION or us-east-1)
};

// Reads an environment variable (nullptr when unset); std::getenv in production.
using GetEnv = std::function<const char*(const char*)>;

// The S3 configuration for an s3:// location. INVALID_ARGUMENT for a malformed URL (no
// bucket), S3 options without an s3:// location, or a missing credential (naming the
// variable to set).
absl::StatusOr<S3Config> S3ConfigFor(const BlobLocation& location, const GetEnv& getenv);

// Opens the store `location` names. The errors of S3ConfigFor, FsBlobStore::Open and
// S3BlobStore::Open.
absl::StatusOr<std::unique_ptr<BlobStore>> OpenBlobStore(const BlobLocation& location,
                                                         const GetEnv& getenv);

}  // namespace mlvc::server::store
