#include "client/wc/lockable.h"

#include <sys/stat.h>

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "tests/unit/wc/wc_test_util.h"

namespace mlvc::client::wc {
namespace {

using testutil::SampleConfig;
using testutil::WriteFile;

mode_t Mode(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("wc: lockable patterns match the name or the whole path", "[wc][locks]") {
  const std::vector<std::string> patterns = {"*.pt", "models/*", "exact.bin"};
  CHECK(MatchesLockable(patterns, "a.pt"));
  CHECK(MatchesLockable(patterns, "deep/dir/a.pt"));
  CHECK(MatchesLockable(patterns, "models/x/y.txt"));  // '*' crosses '/' on the whole path
  CHECK(MatchesLockable(patterns, "sub/exact.bin"));
  CHECK_FALSE(MatchesLockable(patterns, "a.pth"));
  CHECK_FALSE(MatchesLockable(patterns, "sub/models/x"));
  CHECK_FALSE(MatchesLockable({}, "a.pt"));
}

TEST_CASE("wc: lockable files are read-only unless held and the state keeps both lists",
          "[wc][locks]") {
  testing::TempDir dir;
  const std::string root = dir.Sub("wc");
  WcConfig config = SampleConfig();
  auto wc = WorkingCopy::Create(root, config);
  REQUIRE(wc.ok());
  WriteFile(root + "/m.pt", "w");
  WriteFile(root + "/t.py", "p");
  ::chmod((root + "/m.pt").c_str(), 0755);

  // Patterns unknown (a state from before locks): nothing changes.
  REQUIRE(ApplyLockMode(*wc, "m.pt").ok());
  CHECK(Mode(root + "/m.pt") == 0755);

  wc->mutable_config().lockable_patterns = std::vector<std::string>{"*.pt"};
  REQUIRE(ApplyLockMode(*wc, "m.pt").ok());
  REQUIRE(ApplyLockMode(*wc, "t.py").ok());
  REQUIRE(ApplyLockMode(*wc, "absent.pt").ok());
  CHECK(Mode(root + "/m.pt") == 0555);  // write bits gone, executable kept
  CHECK((Mode(root + "/t.py") & S_IWUSR) != 0);

  wc->mutable_config().held_locks = {"m.pt"};
  REQUIRE(ApplyLockMode(*wc, "m.pt").ok());
  CHECK(Mode(root + "/m.pt") == 0755);
  REQUIRE(wc->Save().ok());

  auto opened = WorkingCopy::Open(root);
  REQUIRE(opened.ok());
  REQUIRE(opened->config().lockable_patterns.has_value());
  CHECK(*opened->config().lockable_patterns == std::vector<std::string>{"*.pt"});
  CHECK(opened->config().held_locks == std::vector<std::string>{"m.pt"});

  // A state file without the new keys still opens, with the patterns unknown.
  opened->mutable_config().lockable_patterns.reset();
  opened->mutable_config().held_locks.clear();
  REQUIRE(opened->Save().ok());
  auto old = WorkingCopy::Open(root);
  REQUIRE(old.ok());
  CHECK_FALSE(old->config().lockable_patterns.has_value());
  CHECK(old->config().held_locks.empty());
}

}  // namespace
}  // namespace mlvc::client::wc
