#include "common/version/protocol.h"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "common/version/version.h"

namespace mlvc::common {
namespace {

using Catch::Matchers::Contains;

// A server of release 2.3.0 that answers protocols 3 to 5.
constexpr ServerProtocols kServer{.release = "2.3.0", .oldest = 3, .newest = 5};

TEST_CASE("protocols from the oldest to the newest a server answers are served",
          "[common][version]") {
  CHECK(CheckClientProtocol("3", kServer).ok());
  CHECK(CheckClientProtocol("4", kServer).ok());
  CHECK(CheckClientProtocol("5", kServer).ok());
  // This build's own client and server agree.
  CHECK(CheckClientProtocol(std::to_string(kProtocolVersion),
                            {.release = kVersion,
                             .oldest = kOldestClientProtocol,
                             .newest = kProtocolVersion})
            .ok());
}

TEST_CASE("a newer client is told to upgrade the server, an older one to upgrade mlvc",
          "[common][version]") {
  absl::Status newer = CheckClientProtocol("6", kServer);
  CHECK(absl::IsFailedPrecondition(newer));
  CHECK(std::string(newer.message()) ==
        "this mlvc speaks protocol 6, newer than the server's (mlvcd 2.3.0, protocol 5): "
        "upgrade the server, or use mlvc 2.3.0");
  absl::Status older = CheckClientProtocol("2", kServer);
  CHECK(absl::IsFailedPrecondition(older));
  CHECK(std::string(older.message()) ==
        "this mlvc speaks protocol 2, which the server (mlvcd 2.3.0) no longer answers: "
        "upgrade mlvc to 2.3.0");
}

TEST_CASE("a protocol that is not a positive number is INVALID_ARGUMENT", "[common][version]") {
  for (const char* bad : {"", "0", "-1", "x", "4x", " 4", "99999999999999999999"}) {
    INFO("announced: '" << bad << "'");
    absl::Status status = CheckClientProtocol(bad, kServer);
    CHECK(absl::IsInvalidArgument(status));
    CHECK_THAT(std::string(status.message()), Contains("expected a positive number"));
  }
}

TEST_CASE("the release is MAJOR.MINOR.PATCH and the protocols are ordered", "[common][version]") {
  const std::string release = kVersion;
  CHECK(std::count(release.begin(), release.end(), '.') == 2);
  CHECK(release.find_first_not_of("0123456789.") == std::string::npos);
  CHECK(kOldestClientProtocol >= 1);
  CHECK(kOldestClientProtocol <= kProtocolVersion);
}

}  // namespace
}  // namespace mlvc::common
