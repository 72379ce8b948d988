#include "client/remote/server_address.h"

#include <string>

#include <catch2/catch.hpp>

namespace mlvc::client::remote {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("a scheme says TLS or plaintext, whatever the host", "[remote][address]") {
  auto a = ParseServerAddress("https://127.0.0.1:7070");
  REQUIRE(a.ok());
  CHECK(a->tls);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->target == "127.0.0.1:7070");

  a = ParseServerAddress("http://mlvc.example.com:80");
  REQUIRE(a.ok());
  CHECK_FALSE(a->tls);
  CHECK(a->host == "mlvc.example.com");
  CHECK(a->target == "mlvc.example.com:80");

  a = ParseServerAddress("https://[::1]:443");
  REQUIRE(a.ok());
  CHECK(a->tls);
  CHECK(a->host == "::1");
  CHECK(a->target == "[::1]:443");
}

TEST_CASE("a bare address is plaintext on loopback and TLS elsewhere", "[remote][address]") {
  for (const char* local : {"127.0.0.1:7070", "127.9.9.9:1", "localhost:7070", "[::1]:7070"}) {
    INFO(local);
    auto a = ParseServerAddress(local);
    REQUIRE(a.ok());
    CHECK_FALSE(a->tls);
    CHECK(a->target == local);
  }
  for (const char* remote : {"10.0.0.5:7070", "mlvc.example.com:7070", "[2001:db8::1]:7070",
                             "0.0.0.0:7070", "localhost.example.com:7070"}) {
    INFO(remote);
    auto a = ParseServerAddress(remote);
    REQUIRE(a.ok());
    CHECK(a->tls);
    CHECK(a->target == remote);
  }
}

TEST_CASE("malformed server addresses are INVALID_ARGUMENT", "[remote][address]") {
  for (const char* bad :
       {"", "localhost", "https://", "https://localhost", "ftp://localhost:21",
        "HTTPS://localhost:7070", "https://localhost:7070/", "https://localhost:7070/repo",
        "localhost:0", "localhost:65536", "https://::1:7070", "https://[::1:7070",
        "ho st:7070", ":7070", "https://https://localhost:7070"}) {
    INFO("server: " << bad);
    auto a = ParseServerAddress(bad);
    REQUIRE_FALSE(a.ok());
    CHECK(a.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(a.status().message()), Contains("HOST:PORT"));
  }
}

// The messages below are gRPC 1.51's, as seen from a real mlvcd (tests/e2e/tls_e2e_test.cc
// checks the sentences end to end).
TEST_CASE("failed TLS handshakes are named, with the reason", "[remote][address]") {
  auto untrusted = DescribeConnectFailure(
      "https://localhost:7070",
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:7070: Ssl "
      "handshake failed: SSL_ERROR_SSL: error:0A000086:SSL routines::certificate verify failed");
  REQUIRE(untrusted.has_value());
  CHECK_THAT(*untrusted, Contains("cannot make a TLS connection to https://localhost:7070: "
                                  "the server's certificate is not trusted"));
  CHECK_THAT(*untrusted, Contains("--ca or MLVC_CA"));

  auto wrong_name = DescribeConnectFailure(
      "https://127.0.0.1:7070",
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:7070: Peer name "
      "127.0.0.1 is not in peer certificate");
  REQUIRE(wrong_name.has_value());
  CHECK_THAT(*wrong_name, Contains("cannot make a TLS connection to https://127.0.0.1:7070: the "
                                   "server's certificate is not valid for the name 127.0.0.1"));

  auto plaintext_server = DescribeConnectFailure(
      "mlvc.example.com:7070",
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:10.0.0.5:7070: Ssl "
      "handshake failed: SSL_ERROR_SSL: error:0A00010B:SSL routines::wrong version number");
  REQUIRE(plaintext_server.has_value());
  CHECK_THAT(*plaintext_server, Contains("does not speak TLS"));
  CHECK_THAT(*plaintext_server, Contains("http://"));

  auto other = DescribeConnectFailure(
      "https://localhost:7070",
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:7070: Ssl "
      "handshake failed: SSL_ERROR_SSL: error:0A000410:SSL routines::sslv3 alert handshake "
      "failure");
  REQUIRE(other.has_value());
  CHECK_THAT(*other, Contains("the TLS handshake failed (sslv3 alert handshake failure)"));
}

TEST_CASE("a plaintext connection closed at once hints at TLS", "[remote][address]") {
  auto closed = DescribeConnectFailure(
      "localhost:7070",
      "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:7070: Socket "
      "closed");
  REQUIRE(closed.has_value());
  CHECK_THAT(*closed, Contains("server localhost:7070 is unreachable"));
  CHECK_THAT(*closed, Contains("https://localhost:7070"));
}

TEST_CASE("other connection failures are left to the generic sentence", "[remote][address]") {
  // Refused: nothing listens.
  CHECK_FALSE(DescribeConnectFailure("https://localhost:7070",
                                     "failed to connect to all addresses; last error: UNKNOWN: "
                                     "ipv4:127.0.0.1:7070: Failed to connect to remote host: "
                                     "Connection refused")
                  .has_value());
  // A call cut off after connecting (the server shut down): not a connection failure.
  CHECK_FALSE(DescribeConnectFailure("localhost:7070", "Socket closed").has_value());
  CHECK_FALSE(DescribeConnectFailure("https://localhost:7070", "Socket closed").has_value());
  // An address that does not parse is reported when connecting, not here.
  CHECK_FALSE(DescribeConnectFailure("ftp://x:1", "failed to connect to all addresses; Socket "
                                     "closed").has_value());
}

}  // namespace
}  // namespace mlvc::client::remote
