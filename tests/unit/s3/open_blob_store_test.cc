// mlvcd's --blobs: a folder or s3://BUCKET/PREFIX, and the S3 settings that come with it.
#include <catch2/catch.hpp>
#include <map>

#include "absl/strings/match.h"
#include "server/store/blob/open_blob_store.h"
#include "tests/support/temp_dir.h"

namespace mlvc::server::store {
namespace {

GetEnv FakeEnv(std::map<std::string, std::string> vars) {
  auto owned = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [owned](const char* name) -> const char* {
    auto it = owned->find(name);
    return it == owned->end() ? nullptr : it->second.c_str();
  };
}

const std::map<std::string, std::string> kCreds = {{"AWS_ACCESS_KEY_ID", "AK"},
                                                   {"AWS_SECRET_ACCESS_KEY", "SK"}};

TEST_CASE("mlvcd --blobs s3://BUCKET/PREFIX reads the bucket - prefix and AWS variables", "[s3]") {
  auto env = kCreds;
  env["AWS_SESSION_TOKEN"] = "TOKEN";
  auto c = S3ConfigFor({"s3://my-bucket/team/models", "http://127.0.0.1:9000", "eu-west-1"},
                       FakeEnv(env));
  REQUIRE(c.ok());
  CHECK(c->bucket == "my-bucket");
  CHECK(c->prefix == "team/models");
  CHECK(c->endpoint == "http://127.0.0.1:9000");
  CHECK(c->region == "eu-west-1");
  CHECK(c->access_key == "AK");
  CHECK(c->secret_key == "SK");
  CHECK(c->session_token == "TOKEN");

  // Defaults: AWS_REGION, then AWS's endpoint for the region; no prefix.
  env["AWS_REGION"] = "ap-south-1";
  auto d = S3ConfigFor({"s3://b", "", ""}, FakeEnv(env));
  REQUIRE(d.ok());
  CHECK(d->bucket == "b");
  CHECK(d->prefix.empty());
  CHECK(d->region == "ap-south-1");
  CHECK(d->endpoint == "https://s3.ap-south-1.amazonaws.com");
  CHECK(S3ConfigFor({"s3://b", "", ""}, FakeEnv(kCreds))->region == "us-east-1");
}

TEST_CASE("mlvcd --blobs s3:// without a credential names the missing variable", "[s3]") {
  auto no_key = S3ConfigFor({"s3://b/p", "", ""}, FakeEnv({{"AWS_SECRET_ACCESS_KEY", "SK"}}));
  CHECK(absl::IsInvalidArgument(no_key.status()));
  CHECK(no_key.status().message() ==
        "AWS_ACCESS_KEY_ID is not set (--blobs s3://b/p needs S3 credentials)");
  auto no_secret = S3ConfigFor({"s3://b/p", "", ""}, FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"}}));
  CHECK(absl::StrContains(no_secret.status().message(), "AWS_SECRET_ACCESS_KEY is not set"));
  // Opening fails the same way, before any network.
  CHECK(absl::IsInvalidArgument(OpenBlobStore({"s3://b", "", ""}, FakeEnv({})).status()));
}

TEST_CASE("mlvcd --blobs errors: no bucket - S3 options with a folder", "[s3]") {
  CHECK(absl::IsInvalidArgument(S3ConfigFor({"s3://", "", ""}, FakeEnv(kCreds)).status()));
  CHECK(absl::IsInvalidArgument(S3ConfigFor({"s3:///p", "", ""}, FakeEnv(kCreds)).status()));
  mlvc::testing::TempDir dir;
  CHECK(absl::IsInvalidArgument(
      OpenBlobStore({dir.Sub("b"), "http://127.0.0.1:1", ""}, FakeEnv(kCreds)).status()));
  auto fs = OpenBlobStore({dir.Sub("b"), "", ""}, FakeEnv({}));
  CHECK(fs.ok());
}

}  // namespace
}  // namespace mlvc::server::store
