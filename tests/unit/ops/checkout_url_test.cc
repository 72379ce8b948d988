#include "client/ops/checkout_url.h"

#include <catch2/catch.hpp>

namespace mlvc::client::ops {
namespace {

TEST_CASE("ParseCheckoutUrl accepts HOST:PORT/REPO with an optional ref", "[ops][url]") {
  auto url = ParseCheckoutUrl("127.0.0.1:7070/resnet50");
  REQUIRE(url.ok());
  CHECK(url->server == "127.0.0.1:7070");
  CHECK(url->repository == "resnet50");
  CHECK(url->ref.empty());

  url = ParseCheckoutUrl("build-host.example:80/churn-gbm@exp/lr-3e-4");
  REQUIRE(url.ok());
  CHECK(url->server == "build-host.example:80");
  CHECK(url->repository == "churn-gbm");
  CHECK(url->ref == "exp/lr-3e-4");

  url = ParseCheckoutUrl("localhost:7070/repo@42");
  REQUIRE(url.ok());
  CHECK(url->ref == "42");

  url = ParseCheckoutUrl("[::1]:7070/repo/");
  REQUIRE(url.ok());
  CHECK(url->server == "[::1]:7070");
  CHECK(url->repository == "repo");
}

TEST_CASE("ParseCheckoutUrl keeps an https:// or http:// scheme in the server", "[ops][url]") {
  auto url = ParseCheckoutUrl("https://mlvc.example.com:7070/resnet50@exp/a");
  REQUIRE(url.ok());
  CHECK(url->server == "https://mlvc.example.com:7070");
  CHECK(url->repository == "resnet50");
  CHECK(url->ref == "exp/a");

  url = ParseCheckoutUrl("http://[::1]:7070/repo");
  REQUIRE(url.ok());
  CHECK(url->server == "http://[::1]:7070");
  CHECK(url->repository == "repo");
}

TEST_CASE("ParseCheckoutUrl rejects malformed URLs with INVALID_ARGUMENT", "[ops][url]") {
  for (const char* bad :
       {"", "repo", "127.0.0.1/repo", "127.0.0.1:/repo", "127.0.0.1:0/repo",
        "127.0.0.1:65536/repo", "127.0.0.1:70x0/repo", "127.0.0.1:7070", "127.0.0.1:7070/",
        "127.0.0.1:7070/@main", "127.0.0.1:7070/repo@", "127.0.0.1:7070/repo@@5",
        "127.0.0.1:7070/re po", "127.0.0.1:7070/a/b", "127.0.0.1:7070/12345",
        "127.0.0.1:7070/repo@bad..ref.", "mlvc://127.0.0.1:7070/repo", "[::1:7070/repo",
        "ho st:7070/repo", ":7070/repo", "ftp://host:7070/repo", "https://https://h:1/repo",
        "https://host/repo", "HTTPS://host:7070/repo"}) {
    INFO("url: " << bad);
    auto url = ParseCheckoutUrl(bad);
    REQUIRE_FALSE(url.ok());
    CHECK(url.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(url.status().message()).find("HOST:PORT/REPO") != std::string::npos);
  }
}

}  // namespace
}  // namespace mlvc::client::ops
