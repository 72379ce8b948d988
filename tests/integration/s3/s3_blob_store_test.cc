// S3BlobStore beyond the shared BlobStore contract (which blob_store_conformance_test.cc
// runs on it): multipart uploads, ranged reads, abort, retries and error mapping, against
// s3rver, through a fault-injecting proxy where a test needs S3 to misbehave.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "common/hash/sha256.h"
#include "server/store/blob/s3_blob_store.h"
#include "tests/integration/s3/fault_proxy.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_blobs.h"

namespace mlvc::server::store {
namespace {

using testing::FaultProxy;
using Action = FaultProxy::Action;

S3Config Config() {
  S3Config c = testing::TestS3Config();
  REQUIRE_FALSE(c.endpoint.empty());  // the test must be registered with S3
  return c;
}

std::unique_ptr<S3BlobStore> OpenStore(const S3Config& c) {
  auto store = S3BlobStore::Open(c);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return *std::move(store);
}

absl::Status Put(BlobStore& store, const std::string& key, std::string_view bytes) {
  auto writer = store.NewWriter(key);
  if (!writer.ok()) return writer.status();
  if (auto s = (*writer)->Append(bytes); !s.ok()) return s;
  return (*writer)->Commit();
}

std::string ReadAll(BlobStore& store, const std::string& key, uint64_t offset) {
  auto reader = store.Open(key, offset);
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  std::string all, chunk;
  while (true) {
    REQUIRE((*reader)->Read(1 << 20, &chunk).ok());
    if (chunk.empty()) break;
    all += chunk;
  }
  return all;
}

size_t Count(const std::vector<FaultProxy::Seen>& seen, const std::string& method,
             const std::string& target_part) {
  size_t n = 0;
  for (const auto& s : seen) {
    if (s.method == method && absl::StrContains(s.target, target_part)) ++n;
  }
  return n;
}

// 1 MiB pieces that all differ, so a misplaced piece changes the bytes read back.
std::string Piece(size_t i) {
  std::string p(1 << 20, static_cast<char>('a' + i % 26));
  p.replace(0, 8, std::to_string(10000000 + i));
  return p;
}

TEST_CASE("S3BlobStore: a 40 MiB object goes through multipart and reads back by ranges",
          "[s3]") {
  S3Config c = Config();
  FaultProxy proxy(c.endpoint, nullptr);
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);

  constexpr size_t kPieces = 40;
  common::Sha256 hasher;
  for (size_t i = 0; i < kPieces; ++i) hasher.Update(Piece(i));
  const std::string key = hasher.FinishHex();
  {
    auto writer = store->NewWriter(key);
    REQUIRE(writer.ok());
    for (size_t i = 0; i < kPieces; ++i) REQUIRE((*writer)->Append(Piece(i)).ok());
    CHECK_FALSE(*store->Exists(key));  // parts uploaded, object not visible yet
    REQUIRE((*writer)->Commit().ok());
  }
  const std::string path = store->ObjectPath(key);
  CHECK(path == "/mlvc-test/" + c.prefix + "/objects/" + key.substr(0, 2) + "/" +
                    key.substr(2, 2) + "/" + key);
  auto seen = proxy.seen();
  CHECK(Count(seen, "POST", path + "?uploads") == 1);
  CHECK(Count(seen, "PUT", path + "?partNumber=") == 5);  // 40 MiB in 8 MiB parts
  CHECK(Count(seen, "POST", path + "?uploadId=") == 1);
  CHECK(Count(seen, "PUT", path) == 5);  // no single PUT of the whole object

  auto reader = store->Open(key, 0);
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == kPieces << 20);
  common::Sha256 check;
  std::string chunk;
  uint64_t total = 0;
  while (true) {
    REQUIRE((*reader)->Read(3 << 20, &chunk).ok());
    if (chunk.empty()) break;
    CHECK(chunk.size() <= (3u << 20));
    total += chunk.size();
    check.Update(chunk);
  }
  CHECK(total == kPieces << 20);
  CHECK(check.FinishHex() == key);
  CHECK(Count(proxy.seen(), "GET", path) == 5);  // 8 MiB ranges, never the whole object

  // From offsets inside a piece, and near the end.
  auto mid = store->Open(key, (20u << 20) + 3);
  REQUIRE(mid.ok());
  REQUIRE((*mid)->Read(10, &chunk).ok());
  CHECK(chunk == Piece(20).substr(3, 10));
  CHECK(ReadAll(*store, key, (kPieces << 20) - 10) == Piece(kPieces - 1).substr((1 << 20) - 10));
}

TEST_CASE("S3BlobStore: an aborted writer leaves no object and no pending upload", "[s3]") {
  S3Config c = Config();
  // s3rver does not implement AbortMultipartUpload (405): the proxy answers it as S3 does,
  // and the test checks that it was sent for the upload the writer had started.
  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string& target) {
    if (method == "DELETE" && absl::StrContains(target, "uploadId=")) {
      return Action{Action::kRespond, 204, ""};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("never committed");
  {
    auto writer = store->NewWriter(key);
    REQUIRE(writer.ok());
    for (size_t i = 0; i < 9; ++i) REQUIRE((*writer)->Append(Piece(i)).ok());  // > 1 part
  }
  const std::string path = store->ObjectPath(key);
  auto seen = proxy.seen();
  REQUIRE(Count(seen, "POST", path + "?uploads") == 1);
  std::string upload_id;
  for (const auto& s : seen) {
    if (s.method == "POST" && absl::StrContains(s.target, "?uploads")) {
      const size_t a = s.response_body.find("<UploadId>") + 10;
      upload_id = s.response_body.substr(a, s.response_body.find("</UploadId>") - a);
    }
  }
  REQUIRE_FALSE(upload_id.empty());
  CHECK(Count(seen, "DELETE", path + "?uploadId=" + upload_id) == 1);
  CHECK(Count(seen, "POST", path + "?uploadId=") == 0);  // never completed
  CHECK_FALSE(*store->Exists(key));
  CHECK(absl::IsNotFound(store->Open(key, 0).status()));

  // A small uncommitted writer has sent nothing at all.
  const size_t before = proxy.seen().size();
  {
    auto writer = store->NewWriter(common::Sha256Hex("small"));
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("small").ok());
  }
  CHECK(proxy.seen().size() == before);
}

TEST_CASE("S3BlobStore: a server that answers 500 twice then succeeds is retried", "[s3]") {
  S3Config c = Config();
  std::atomic<int> put_failures{0}, get_failures{0};
  FaultProxy proxy(c.endpoint, [&](const std::string& method, const std::string&) {
    if (method == "PUT" && put_failures < 2) {
      ++put_failures;
      return Action{Action::kRespond, 500, FaultProxy::ErrorXml("InternalError", "oops")};
    }
    if (method == "GET" && get_failures < 1) {
      ++get_failures;
      return Action{Action::kRespond, 503, FaultProxy::ErrorXml("SlowDown", "slow down")};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string bytes = "retried until stored";
  const std::string key = common::Sha256Hex(bytes);
  REQUIRE(Put(*store, key, bytes).ok());
  const std::string path = store->ObjectPath(key);
  CHECK(Count(proxy.seen(), "PUT", path) == 3);
  CHECK(ReadAll(*store, key, 0) == bytes);
  CHECK(Count(proxy.seen(), "GET", path) == 2);
}

TEST_CASE("S3BlobStore: a timeout is retried on a new connection", "[s3]") {
  S3Config c = Config();
  // The first GET is held unanswered, so it times out whatever the machine's speed. A
  // forwarded step (opening the store, the PUT, the GET after) is meant to answer within
  // the timeout: two seconds, a hundred times what one takes here (the test waits it once).
  // Should a loaded machine still stall one past it, that step is retried like the held
  // one, so the checks below do not count requests exactly.
  c.timeout = absl::Seconds(2);
  std::atomic<int> hung{0};
  FaultProxy proxy(c.endpoint, [&](const std::string& method, const std::string&) {
    if (method == "GET" && hung++ == 0) return Action{Action::kHang};
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string bytes = "slow the first time";
  const std::string key = common::Sha256Hex(bytes);
  REQUIRE(Put(*store, key, bytes).ok());
  CHECK(ReadAll(*store, key, 0) == bytes);
  // The held GET, then at least one more that was answered.
  std::vector<FaultProxy::Seen> gets;
  for (const FaultProxy::Seen& s : proxy.seen()) {
    if (s.method == "GET" && absl::StrContains(s.target, store->ObjectPath(key))) {
      gets.push_back(s);
    }
  }
  REQUIRE(gets.size() >= 2);
  CHECK(gets.front().status == 0);
  CHECK(gets.back().status / 100 == 2);  // 200, or 206 for a range
}

TEST_CASE("S3BlobStore: errors that persist end after the bounded attempts", "[s3]") {
  S3Config c = Config();
  c.max_attempts = 3;
  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string&) {
    if (method == "PUT") {
      return Action{Action::kRespond, 503, FaultProxy::ErrorXml("SlowDown", "Reduce your rate")};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("never stored");
  const absl::Status s = Put(*store, key, "never stored");
  CHECK(absl::IsUnavailable(s));
  CHECK(absl::StrContains(s.message(), "SlowDown"));
  CHECK(absl::StrContains(s.message(), "after 3 attempts"));
  CHECK(Count(proxy.seen(), "PUT", store->ObjectPath(key)) == 3);

  // Nobody listening: connection errors are retried, then UNAVAILABLE.
  S3Config nowhere = Config();
  nowhere.max_attempts = 2;
  {
    FaultProxy closed(nowhere.endpoint, nullptr);
    nowhere.endpoint = closed.endpoint();
  }  // its port is now closed
  auto refused = S3BlobStore::Open(nowhere);
  CHECK(absl::IsUnavailable(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "after 2 attempts"));
}

TEST_CASE("S3BlobStore: 403 maps to PERMISSION_DENIED", "[s3]") {
  S3Config c = Config();
  S3Config wrong = c;
  wrong.access_key = "NOT-A-KEY";  // s3rver knows only its own key
  auto denied = S3BlobStore::Open(wrong);
  CHECK(absl::IsPermissionDenied(denied.status()));
  CHECK(absl::StrContains(denied.status().message(),
                          "S3 denied access to bucket mlvc-test (check the credentials / clock)"));

  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string&) {
    if (method == "GET" || method == "PUT") {
      return Action{Action::kRespond, 403, FaultProxy::ErrorXml("AccessDenied", "Access Denied")};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("denied");
  const absl::Status put = Put(*store, key, "denied");
  CHECK(absl::IsPermissionDenied(put));
  CHECK(absl::StrContains(put.message(), "AccessDenied"));
  CHECK(absl::IsPermissionDenied(store->Open(key, 0).status()));
  CHECK(Count(proxy.seen(), "PUT", store->ObjectPath(key)) == 1);  // not retried
}

TEST_CASE("S3BlobStore: a refused part while others are in flight fails and aborts the upload", "[s3]") {
  S3Config c = Config();
  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string& target) {
    if (method == "PUT" && absl::StrContains(target, "partNumber=2&")) {
      return Action{Action::kRespond, 403, FaultProxy::ErrorXml("AccessDenied", "Access Denied")};
    }
    if (method == "DELETE" && absl::StrContains(target, "uploadId=")) {
      return Action{Action::kRespond, 204, ""};  // s3rver lacks AbortMultipartUpload
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("part 2 refused");
  absl::Status status;
  {
    auto writer = store->NewWriter(key);
    REQUIRE(writer.ok());
    for (size_t i = 0; i < 40 && status.ok(); ++i) status = (*writer)->Append(Piece(i));
    if (status.ok()) status = (*writer)->Commit();
    // Closed after a failure.
    CHECK(absl::IsFailedPrecondition((*writer)->Append("more")));
  }
  CHECK(absl::IsPermissionDenied(status));
  INFO(status.message());
  CHECK(absl::StrContains(status.message(), "AccessDenied"));
  const std::string path = store->ObjectPath(key);
  CHECK(Count(proxy.seen(), "POST", path + "?uploadId=") == 0);  // never completed
  CHECK(Count(proxy.seen(), "DELETE", path + "?uploadId=") == 1);
  CHECK_FALSE(*store->Exists(key));
}

TEST_CASE("S3BlobStore: a missing bucket maps to FAILED_PRECONDITION", "[s3]") {
  S3Config c = Config();
  S3Config missing = c;
  missing.bucket = "no-such-bucket";
  auto opened = S3BlobStore::Open(missing);
  CHECK(absl::IsFailedPrecondition(opened.status()));
  CHECK(opened.status().message() == "bucket no-such-bucket does not exist");

  // Deleted after the store was opened: the object requests say so too.
  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string&) {
    if (method == "PUT" || method == "GET") {
      return Action{Action::kRespond, 404,
                    FaultProxy::ErrorXml("NoSuchBucket", "The specified bucket does not exist")};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("bucketless");
  const absl::Status put = Put(*store, key, "bucketless");
  CHECK(absl::IsFailedPrecondition(put));
  CHECK(put.message() == "bucket mlvc-test does not exist");
  CHECK(absl::IsFailedPrecondition(store->Open(key, 0).status()));
}

TEST_CASE("S3BlobStore: other 4xx answers are INTERNAL with the S3 error code", "[s3]") {
  S3Config c = Config();
  FaultProxy proxy(c.endpoint, [](const std::string& method, const std::string&) {
    if (method == "PUT") {
      return Action{Action::kRespond, 400,
                    FaultProxy::ErrorXml("EntityTooSmall", "Your proposed upload is smaller")};
    }
    return Action{};
  });
  c.endpoint = proxy.endpoint();
  auto store = OpenStore(c);
  const std::string key = common::Sha256Hex("refused");
  auto writer = store->NewWriter(key);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append("refused").ok());
  const absl::Status s = (*writer)->Commit();
  CHECK(absl::IsInternal(s));
  CHECK(absl::StrContains(s.message(), "HTTP 400 EntityTooSmall: Your proposed upload"));
  CHECK(Count(proxy.seen(), "PUT", store->ObjectPath(key)) == 1);
  CHECK(absl::IsFailedPrecondition((*writer)->Append("more")));  // the writer is closed
}

TEST_CASE("S3BlobStore: bad configurations are INVALID_ARGUMENT", "[s3]") {
  const S3Config good = Config();
  auto with = [&](auto change) {
    S3Config c = good;
    change(c);
    return S3BlobStore::Open(c).status();
  };
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.endpoint = "ftp://127.0.0.1:1"; })));
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.endpoint = "http://127.0.0.1:1/x"; })));
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.endpoint = "http://127.0.0.1:0"; })));
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.bucket = ""; })));
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.access_key = ""; })));
  CHECK(absl::IsInvalidArgument(with([](S3Config& c) { c.secret_key = ""; })));
  // Slashes around the prefix are not part of it.
  S3Config slashed = good;
  slashed.prefix = "/" + good.prefix + "/";
  auto store = OpenStore(slashed);
  const std::string key = common::Sha256Hex("k");
  CHECK(store->ObjectPath(key) == "/mlvc-test/" + good.prefix + "/objects/" + key.substr(0, 2) +
                                      "/" + key.substr(2, 2) + "/" + key);
}

// A port nothing listens on right now (the kernel's choice).
unsigned short FreePort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(
      ioc, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0)});
  return a.local_endpoint().port();
}

// A second s3rver, on https with a fresh self-signed certificate, for this test only.
struct TlsS3 {
  mlvc::testing::TempDir dir;
  std::string script = std::string(std::getenv("MLVC_SOURCE_DIR")) + "/scripts/s3.sh";
  unsigned short port = FreePort();
  TlsS3() {
    REQUIRE(std::system((script + " start " + dir.Sub("s3") + " " + std::to_string(port) +
                         " tls-bucket --tls")
                            .c_str()) == 0);
  }
  ~TlsS3() { (void)std::system((script + " stop " + dir.Sub("s3")).c_str()); }
};

TEST_CASE("S3BlobStore: https verifies the server certificate", "[s3]") {
  REQUIRE(std::getenv("MLVC_SOURCE_DIR") != nullptr);
  TlsS3 server;
  S3Config c = Config();
  c.bucket = "tls-bucket";
  c.endpoint = "https://127.0.0.1:" + std::to_string(server.port);
  c.ca_file = server.dir.Sub("s3/cert.pem");
  auto store = OpenStore(c);
  const std::string bytes = "over TLS";
  const std::string key = common::Sha256Hex(bytes);
  REQUIRE(Put(*store, key, bytes).ok());
  CHECK(ReadAll(*store, key, 0) == bytes);
  // The name in the certificate counts too: "localhost" is in it.
  c.endpoint = "https://localhost:" + std::to_string(server.port);
  CHECK(S3BlobStore::Open(c).ok());

  // Not trusted: refused at once (no retries), with the way out.
  c.ca_file.clear();
  auto untrusted = S3BlobStore::Open(c);
  CHECK(absl::IsFailedPrecondition(untrusted.status()));
  CHECK(absl::StrContains(untrusted.status().message(), "certificate verify failed"));
  CHECK(absl::StrContains(untrusted.status().message(), "AWS_CA_BUNDLE"));
}

}  // namespace
}  // namespace mlvc::server::store
