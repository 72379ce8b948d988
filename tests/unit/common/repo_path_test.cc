#include "common/path/repo_path.h"

#include <string>

#include <catch2/catch.hpp>

namespace mlvc::common {
namespace {

bool Rejected(std::string_view path) {
  absl::StatusOr<std::string> r = NormalizeRepoRelpath(path);
  return !r.ok() && r.status().code() == absl::StatusCode::kInvalidArgument;
}

std::string Normal(std::string_view path) {
  absl::StatusOr<std::string> r = NormalizeRepoRelpath(path);
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("repo_path: plain paths are kept", "[common][path]") {
  CHECK(Normal("a") == "a");
  CHECK(Normal("a/b/c.txt") == "a/b/c.txt");
  CHECK(Normal("with space/é.bin") == "with space/é.bin");
  CHECK(Normal(".hidden/x") == ".hidden/x");
  CHECK(Normal("a/...") == "a/...");
}

TEST_CASE("repo_path: dot components and one trailing slash are dropped", "[common][path]") {
  CHECK(Normal("./a/./b/") == "a/b");
  CHECK(Normal("a/") == "a");
  CHECK(Normal("./x") == "x");
  CHECK(Rejected("."));
  CHECK(Rejected("./"));
  CHECK(Rejected("a//"));  // a second trailing slash is an empty component
}

TEST_CASE("repo_path: absolute and empty paths and dot-dot are rejected", "[common][path]") {
  CHECK(Rejected(""));
  CHECK(Rejected("/"));
  CHECK(Rejected("/a"));
  CHECK(Rejected("/etc/passwd"));
  CHECK(Rejected(".."));
  CHECK(Rejected("../a"));
  CHECK(Rejected("a/../b"));
  CHECK(Rejected("a/.."));
  CHECK(Rejected("a//b"));
  CHECK(Rejected("//a"));
}

TEST_CASE("repo_path: NUL and control characters are rejected", "[common][path]") {
  CHECK(Rejected(std::string("a\0b", 3)));
  CHECK(Rejected("a\nb"));
  CHECK(Rejected("a\tb"));
  CHECK(Rejected("a\x01"));
  CHECK(Rejected("a\x1f/b"));
  CHECK(Rejected("a\x7f"));
  CHECK(Normal("a b") == "a b");
  CHECK(Normal("a\\b") == "a\\b");  // backslash is an ordinary character
}

TEST_CASE("repo_path: component and path length limits", "[common][path]") {
  const std::string c255(255, 'c');
  const std::string c256(256, 'c');
  CHECK(Normal(c255) == c255);
  CHECK(Normal("d/" + c255) == "d/" + c255);
  CHECK(Rejected(c256));
  CHECK(Rejected("d/" + c256 + "/e"));

  // 20 components of 200 bytes and one of 76: exactly 4096 bytes.
  std::string path;
  for (int i = 0; i < 20; ++i) path += std::string(200, static_cast<char>('a' + i)) + "/";
  path += std::string(76, 'z');
  REQUIRE(path.size() == 4096);
  CHECK(Normal(path) == path);
  CHECK(Rejected(path + "z"));
  REQUIRE((path + "z").size() == 4097);
}

TEST_CASE("repo_path: .mlvc is reserved in any case and position", "[common][path]") {
  CHECK(Rejected(".mlvc"));
  CHECK(Rejected(".MLVC"));
  CHECK(Rejected(".Mlvc/state.json"));
  CHECK(Rejected("a/.mlvc"));
  CHECK(Rejected("a/.mlvc/b"));
  CHECK(Normal("a/.mlvcx") == "a/.mlvcx");
  CHECK(Normal("mlvc") == "mlvc");
}

TEST_CASE("repo_path: error names the rule", "[common][path]") {
  absl::StatusOr<std::string> r = NormalizeRepoRelpath("a/../b");
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("..") != std::string::npos);
}

TEST_CASE("repo_path: RelpathIsWithin", "[common][path]") {
  CHECK(RelpathIsWithin("a", "a"));
  CHECK(RelpathIsWithin("a/b", "a"));
  CHECK(RelpathIsWithin("a/b/c", "a/b"));
  CHECK_FALSE(RelpathIsWithin("ab", "a"));
  CHECK_FALSE(RelpathIsWithin("a", "ab"));
  CHECK_FALSE(RelpathIsWithin("a", "a/b"));
  CHECK_FALSE(RelpathIsWithin("a-b/c", "a"));
  CHECK_FALSE(RelpathIsWithin("b/a", "a"));
  CHECK(RelpathIsWithin("anything", ""));
  CHECK(RelpathIsWithin("", ""));
}

TEST_CASE("repo_path: dirname and basename", "[common][path]") {
  CHECK(RelpathDirname("a") == "");
  CHECK(RelpathDirname("a/b/c") == "a/b");
  CHECK(RelpathBasename("a") == "a");
  CHECK(RelpathBasename("a/b/c") == "c");
}

}  // namespace
}  // namespace mlvc::common
