#include "common/path/names.h"

#include <string>

#include <catch2/catch.hpp>

namespace mlvc::common {
namespace {

TEST_CASE("names: repository grammar", "[common][names]") {
  for (const char* ok : {"a", "A", "0a", "models", "my-repo_2.v1", "1x", "a.b"}) {
    INFO(ok);
    CHECK(ValidateRepositoryName(ok).ok());
  }
  CHECK(ValidateRepositoryName(std::string(100, 'r')).ok());
  CHECK_FALSE(ValidateRepositoryName(std::string(101, 'r')).ok());
  for (const char* bad : {"", "123", "0", ".a", "-a", "_a", "a.", "a..b", "a/b", "a b",
                          "a\nb", "é"}) {
    INFO(bad);
    absl::Status s = ValidateRepositoryName(bad);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("names: branch grammar", "[common][names]") {
  for (const char* ok : {"main", "feature/x", "release/1.2", "u/alice/exp-3", "1a", "v1"}) {
    INFO(ok);
    CHECK(ValidateBranchName(ok).ok());
  }
  CHECK(ValidateBranchName(std::string(200, 'b')).ok());
  CHECK_FALSE(ValidateBranchName(std::string(201, 'b')).ok());
  for (const char* bad : {"", "42", "0", "a.lock", "x/y.lock", "a/", "/a", "a//b", "a/.b",
                          "a.", "a..b", "a b", "-x", "a/-b"}) {
    INFO(bad);
    absl::Status s = ValidateBranchName(bad);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(ValidateBranchName("a.locks").ok());
  CHECK(ValidateBranchName("lock").ok());
  CHECK(ValidateBranchName("12/34").ok());  // digits and a slash are not all digits
}

TEST_CASE("names: label grammar", "[common][names]") {
  for (const char* ok : {"v1.0", "v1.2.0", "1.0", "release-2024.06", "rc_1", "V2"}) {
    INFO(ok);
    CHECK(ValidateLabelName(ok).ok());
  }
  CHECK(ValidateLabelName(std::string(100, 'l')).ok());
  CHECK_FALSE(ValidateLabelName(std::string(101, 'l')).ok());
  for (const char* bad : {"", "42", "v1/rc", ".v1", "-v1", "v1.", "v1..2", "v1.lock", "v 1",
                          "v1@2", "@3"}) {
    INFO(bad);
    absl::Status s = ValidateLabelName(bad);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mlvc::common
