// client/ops/admin_ops: the checks made before any server call (token lifetimes, audit
// times, role names).
#include "client/ops/admin_ops.h"

#include <catch2/catch.hpp>

namespace mlvc::client::ops {
namespace {

TEST_CASE("ParseTokenLifetime takes durations and never", "[ops][admin]") {
  CHECK(*ParseTokenLifetime("30d") == 30 * 86400);
  CHECK(*ParseTokenLifetime("12h") == 12 * 3600);
  CHECK(*ParseTokenLifetime("1h30m") == 5400);
  CHECK(*ParseTokenLifetime("never") == 0);
  for (const char* bad : {"", "0", "0d", "-1d", "30", "soon", "d", "1y", "36600000d"}) {
    INFO(bad);
    absl::StatusOr<int64_t> parsed = ParseTokenLifetime(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(parsed.status().message()).find("token lifetime") != std::string::npos);
  }
}

TEST_CASE("ParseSince takes a duration ago or a time", "[ops][admin]") {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  CHECK(*ParseSince("2h", now) == (1700000000 - 7200) * int64_t{1000000});
  CHECK(*ParseSince("7d", now) == (1700000000 - 7 * 86400) * int64_t{1000000});
  const int64_t may_first = 1777593600 * int64_t{1000000};  // 2026-05-01T00:00:00Z
  CHECK(*ParseSince("2026-05-01", now) == may_first);
  CHECK(*ParseSince("2026-05-01T12:00:00Z", now) == may_first + 12 * 3600 * int64_t{1000000});
  CHECK(*ParseSince("2026-05-01T14:00:00+02:00", now) ==
        may_first + 12 * 3600 * int64_t{1000000});
  CHECK(*ParseSince("2026-05-01 12:00", now) == may_first + 12 * 3600 * int64_t{1000000});
  CHECK(*ParseSince("2026-05-01T12:00:00", now) == may_first + 12 * 3600 * int64_t{1000000});
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026/05/01", "12:00", "-2h"}) {
    INFO(bad);
    absl::StatusOr<int64_t> parsed = ParseSince(bad, now);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("role names are checked with the server's vocabulary", "[ops][admin]") {
  for (const char* role : {"reader", "writer", "maintainer"}) CHECK(CheckRoleName(role).ok());
  for (const char* role : {"", "admin", "Reader", "none", "owner"}) {
    INFO(role);
    CHECK(CheckRoleName(role).code() == absl::StatusCode::kInvalidArgument);
  }
  for (const char* role : {"none", "reader", "writer"}) CHECK(CheckDefaultRoleName(role).ok());
  CHECK(CheckDefaultRoleName("maintainer").code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(CheckDefaultRoleName("maintainer").message()),
             Catch::Matchers::Contains("none, reader or writer"));
}

}  // namespace
}  // namespace mlvc::client::ops
