// The signer against an independent implementation: botocore (Debian's python3-botocore,
// installed by scripts/install-deps.sh) signs the same S3 requests, shaped like the ones
// S3BlobStore sends, with characters the published examples do not cover.
#include <stdio.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/hash/sha256.h"
#include "server/store/blob/sigv4.h"
#include "tests/support/temp_dir.h"

namespace mlvc::server::store::sigv4 {
namespace {

struct Case {
  Request request;
  Credentials credentials;
  std::string region;
};

TEST_CASE("SigV4 agrees with botocore on S3 requests", "[s3][sigv4]") {
  const char* source_dir = std::getenv("MLVC_SOURCE_DIR");
  REQUIRE(source_dir != nullptr);
  const std::string date = "20240229T235959Z";
  const std::string key = common::Sha256Hex("key");
  const std::string object = "/mlvc-test/team/models/objects/" + key.substr(0, 2) + "/" +
                             key.substr(2, 2) + "/" + key;
  const Credentials plain{"AKIAEXAMPLE", "secret/with+chars=", ""};
  const Credentials temporary{"ASIAEXAMPLE", "another-secret", "FwoGZXIvYXdzE//token+/="};
  auto base = [&](std::string method, std::string path,
                  std::vector<std::pair<std::string, std::string>> query,
                  std::string payload_hash) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.payload_hash = std::move(payload_hash);
    r.headers = {{"host", "127.0.0.1:4568"},
                 {"x-amz-date", date},
                 {"x-amz-content-sha256", r.payload_hash}};
    return r;
  };
  std::vector<Case> cases;
  cases.push_back({base("PUT", object,
                        {{"partNumber", "3"}, {"uploadId", "VXBsb2Fk IElE+/=~"}},
                        common::Sha256Hex("part")),
                   temporary, "eu-west-1"});
  cases.back().request.headers.emplace_back("x-amz-security-token", temporary.session_token);
  cases.push_back({base("POST", object, {{"uploads", ""}}, std::string(kEmptyPayloadHash)),
                   plain, "us-east-1"});
  cases.push_back({base("GET", "/bucket/a b/\xc3\xbc+$&=@!*'()[],;:", {},
                        std::string(kEmptyPayloadHash)),
                   plain, "us-east-1"});
  cases.back().request.headers.emplace_back("Range", "bytes=8388608-16777215");
  cases.push_back({base("GET", "/bucket",
                        {{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y="}},
                        std::string(kEmptyPayloadHash)),
                   plain, "ap-southeast-2"});
  cases.push_back({base("DELETE", object, {{"uploadId", "abc"}}, std::string(kUnsignedPayload)),
                   plain, "us-east-1"});
  cases.push_back({base("HEAD", "/mlvc-test", {}, std::string(kEmptyPayloadHash)), plain,
                   "us-east-1"});
  cases.back().request.headers.emplace_back("X-Amz-Meta-Note", "  two   spaces  inside ");

  nlohmann::json doc = nlohmann::json::array();
  for (const Case& c : cases) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : c.request.headers) headers[name] = value;
    nlohmann::json query = nlohmann::json::array();
    for (const auto& [name, value] : c.request.query) query.push_back({name, value});
    doc.push_back({{"method", c.request.method},
                   {"host", "127.0.0.1:4568"},
                   {"path", c.request.path},
                   {"query", query},
                   {"headers", headers},
                   {"access_key", c.credentials.access_key},
                   {"secret_key", c.credentials.secret_key},
                   {"session_token", c.credentials.session_token},
                   {"region", c.region},
                   {"amz_date", date}});
  }
  mlvc::testing::TempDir dir;
  const std::string json_path = dir.Sub("cases.json");
  std::ofstream(json_path) << doc.dump();

  const std::string command = std::string("/usr/bin/python3 ") + source_dir +
                              "/tests/unit/s3/botocore_sign.py " + json_path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  const int rc = ::pclose(pipe);
  INFO(output);
  REQUIRE(rc == 0);  // botocore missing: run scripts/install-deps.sh

  std::vector<std::string> theirs;
  size_t start = 0;
  while (start < output.size()) {
    const size_t end = output.find('\n', start);
    theirs.push_back(output.substr(start, end - start));
    start = end == std::string::npos ? output.size() : end + 1;
  }
  REQUIRE(theirs.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].request.method << " " << RequestTarget(cases[i].request));
    const Signature ours =
        Sign(cases[i].request, cases[i].credentials, cases[i].region, "s3", date);
    INFO(ours.canonical_request);
    CHECK(ours.signature == theirs[i]);
  }
}

}  // namespace
}  // namespace mlvc::server::store::sigv4
