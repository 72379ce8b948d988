#include "server/store/blob/open_blob_store.h"

#include <filesystem>

#include "server/store/blob/fs_blob_store.h"

namespace mlvc::server::store {
namespace {

constexpr char kScheme[] = "s3://";

bool IsS3(const std::string& blobs) { return blobs.rfind(kScheme, 0) == 0; }

std::string Env(const GetEnv& getenv, const char* name) {
  const char* v = getenv(name);
  return v == nullptr ? "" : std::string(v);
}

}  // namespace

absl::StatusOr<S3Config> S3ConfigFor(const BlobLocation& location, const GetEnv& getenv) {
  if (!IsS3(location.blobs)) {
    return absl::InvalidArgumentError("--blobs must be s3://BUCKET[/PREFIX] for S3, not '" +
                                      location.blobs + "'");
  }
  S3Config c;
  const std::string rest = location.blobs.substr(sizeof(kScheme) - 1);
  const size_t slash = rest.find('/');
  c.bucket = rest.substr(0, slash);
  c.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (c.bucket.empty()) {
    return absl::InvalidArgumentError("--blobs " + location.blobs +
                                      " names no bucket: use s3://BUCKET[/PREFIX]");
  }
  c.region = !location.s3_region.empty() ? location.s3_region : Env(getenv, "AWS_REGION");
  if (c.region.empty()) c.region = "us-east-1";
  c.endpoint = !location.s3_endpoint.empty()
                   ? location.s3_endpoint
                   : "https://s3." + c.region + ".amazonaws.com";
  c.access_key = Env(getenv, "AWS_ACCESS_KEY_ID");
  c.secret_key = Env(getenv, "AWS_SECRET_ACCESS_KEY");
  c.session_token = Env(getenv, "AWS_SESSION_TOKEN");
  c.ca_file = Env(getenv, "AWS_CA_BUNDLE");
  for (const auto& [value, name] : {std::pair{c.access_key, "AWS_ACCESS_KEY_ID"},
                                    std::pair{c.secret_key, "AWS_SECRET_ACCESS_KEY"}}) {
    if (value.empty()) {
      return absl::InvalidArgumentError(std::string(name) + " is not set (--blobs " +
                                        location.blobs + " needs S3 credentials)");
    }
  }
  return c;
}

absl::StatusOr<std::unique_ptr<BlobStore>> OpenBlobStore(const BlobLocation& location,
                                                         const GetEnv& getenv) {
  if (IsS3(location.blobs)) {
    absl::StatusOr<S3Config> config = S3ConfigFor(location, getenv);
    if (!config.ok()) return config.status();
    auto s3 = S3BlobStore::Open(*config);
    if (!s3.ok()) return s3.status();
    return std::unique_ptr<BlobStore>(std::move(*s3));
  }
  if (!location.s3_endpoint.empty() || !location.s3_region.empty()) {
    return absl::InvalidArgumentError("--s3-endpoint and --s3-region need --blobs s3://BUCKET");
  }
  std::error_code ec;
  const std::string root =
      std::filesystem::absolute(location.blobs, ec).lexically_normal().string();
  if (ec) return absl::InvalidArgumentError("bad --blobs: " + ec.message());
  auto fs = FsBlobStore::Open(root);
  if (!fs.ok()) return fs.status();
  return std::unique_ptr<BlobStore>(std::move(*fs));
}

}  // namespace mlvc::server::store
