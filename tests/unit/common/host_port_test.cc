#include "common/net/host_port.h"

#include <string>

#include <catch2/catch.hpp>

namespace mlvc::common {
namespace {

TEST_CASE("SplitHostPort splits names, IPv4 and bracketed IPv6", "[common][net]") {
  auto hp = SplitHostPort("127.0.0.1:7070");
  REQUIRE(hp.ok());
  CHECK(hp->host == "127.0.0.1");
  CHECK(hp->port == "7070");

  hp = SplitHostPort("build-host.example:0");
  REQUIRE(hp.ok());
  CHECK(hp->host == "build-host.example");
  CHECK(hp->port == "0");

  hp = SplitHostPort("[::1]:443");
  REQUIRE(hp.ok());
  CHECK(hp->host == "::1");
  CHECK(hp->port == "443");

  hp = SplitHostPort("[::]:65535");
  REQUIRE(hp.ok());
  CHECK(hp->host == "::");
}

TEST_CASE("SplitHostPort refuses what is not HOST:PORT", "[common][net]") {
  for (const char* bad : {"", "host", "host:", ":7070", "host:65536", "host:70x0", "host:-1",
                          "ho st:7070", "::1:7070", "[::1:7070", "[::1]7070", "[nope]:7070",
                          "host:7070/", "host:123456"}) {
    INFO("address: " << bad);
    auto hp = SplitHostPort(bad);
    REQUIRE_FALSE(hp.ok());
    CHECK(hp.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_FALSE(hp.status().message().empty());
  }
}

TEST_CASE("IsLoopbackHost: localhost, 127.0.0.0/8 and ::1 only", "[common][net]") {
  for (const char* local : {"localhost", "LocalHost", "127.0.0.1", "127.1.2.3",
                            "127.255.255.255", "::1", "0:0:0:0:0:0:0:1"}) {
    INFO(local);
    CHECK(IsLoopbackHost(local));
  }
  for (const char* remote : {"", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "126.0.0.1",
                             "localhost.example", "my-localhost", "example.com", "::2",
                             "::ffff:127.0.0.1", "[::1]", "127.1"}) {
    INFO(remote);
    CHECK_FALSE(IsLoopbackHost(remote));
  }
}

}  // namespace
}  // namespace mlvc::common
