// End to end through the real binaries: a real mlvcd (fresh database, own blob folder, free
// port) and the real mlvc, each user with its own HOME. Covers the basic user-visible
// promises: a big commit arrives byte-identical in a second working copy, a stale commit is
// refused without losing the local edit, sparse checkouts stay sparse.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// The number N of "Committed changeset @N."
int CommittedNumber(const ProcessResult& r) {
  std::smatch m;
  INFO(r.Describe());
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(Committed changeset @(\d+)\.)")));
  return std::stoi(m[1].str());
}

std::string Folder(int i) { return "d" + std::string(i < 10 ? "0" : "") + std::to_string(i); }

TEST_CASE("1,000 files and a 200 MiB binary committed in A arrive byte-identical in B",
          "[e2e][large]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());
  const std::string home = alice.home();
  const std::string a = alice.Sub("A");
  const std::string b = alice.Sub("B");

  auto created = MLVC_OK(alice, home, "repo", "create", "big", "--server", server.address());
  CHECK_THAT(created.out, Contains("Created repository big."));
  MLVC_OK(alice, home, "checkout", server.address() + "/big", "A");
  // B is checked out before the commit, so it receives everything through `update`.
  MLVC_OK(alice, home, "checkout", server.address() + "/big", "B");
  REQUIRE(fs::is_directory(b + "/.mlvc"));

  std::vector<std::string> add_args = {"add"};
  for (int d = 0; d < 20; ++d) {
    for (int f = 0; f < 50; ++f) {
      std::string content = "folder " + std::to_string(d) + " file " + std::to_string(f) + "\n";
      for (int k = 0; k < f; ++k) content += "line " + std::to_string(k) + " of some text\n";
      WriteFile(a + "/" + Folder(d) + "/file" + std::to_string(f) + ".txt", content);
    }
    add_args.push_back(Folder(d));
  }
  WriteRandomFile(a + "/models/model.bin", 200ull << 20, 42);
  add_args.push_back("models");
  {
    ProcessResult r = alice.Run(a, add_args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == 0);
  }

  auto status = MLVC_OK(alice, a, "status");
  std::vector<std::string> lines = Lines(status.out);
  CHECK(lines.size() == 1001);
  CHECK(std::count_if(lines.begin(), lines.end(),
                      [](const std::string& l) { return l.rfind("A ", 0) == 0; }) == 1001);
  CHECK(std::is_sorted(lines.begin(), lines.end()));

  auto commit = MLVC_OK(alice, a, "commit", "-m", "1,000 files and a model");
  const int n = CommittedNumber(commit);
  CHECK(MLVC_OK(alice, a, "status").out.empty());

  auto update = MLVC_OK(alice, b, "update");
  CHECK_THAT(update.out, Contains("Updated to @" + std::to_string(n) + "."));
  CHECK(Lines(update.out).size() == 1002);  // "A path" per file, then "Updated to"

  const auto in_a = HashTree(a);
  const auto in_b = HashTree(b);
  REQUIRE(in_a.size() == 1001);
  CHECK(in_b.size() == in_a.size());
  CHECK(in_a == in_b);
  CHECK(MLVC_OK(alice, b, "status").out.empty());

  // A third, fresh checkout downloads the same bytes through `checkout`.
  auto checkout = MLVC_OK(alice, home, "checkout", server.address() + "/big", "C");
  CHECK_THAT(checkout.out, Contains("1001 files"));
  CHECK(HashTree(alice.Sub("C")) == in_a);

  auto log = MLVC_OK(alice, b, "log", "--json");
  nlohmann::json entries = nlohmann::json::parse(log.out);
  REQUIRE(entries.is_array());
  REQUIRE(!entries.empty());
  CHECK(entries[0]["number"] == n);
  CHECK(entries[0]["author"] == "admin");
  CHECK(entries[0]["message"] == "1,000 files and a model");
}

TEST_CASE("a commit from a stale base is refused and the local edit stays", "[e2e]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());
  MLVC_OK(alice, alice.home(), "repo", "create", "shared", "--server", server.address());
  // bob uses `mlvc login` and its stored credentials instead of MLVC_TOKEN.
  const std::string bob_token = server.CreateUserWithRole("bob2", "shared", "writer");
  MlvcClient bob_login("");
  MLVC_OK(bob_login, bob_login.home(), "login", server.address(), "--token", bob_token);
  const auto creds = fs::status(bob_login.Sub(".config/mlvc/credentials.json"));
  CHECK((creds.permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);

  const std::string a = alice.Sub("wc");
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/shared", "wc");
  WriteFile(a + "/params.yaml", "lr: 0.1\n");
  WriteFile(a + "/other.txt", "other\n");
  MLVC_OK(alice, a, "add", "params.yaml", "other.txt");
  const int first = CommittedNumber(MLVC_OK(alice, a, "commit", "-m", "params"));

  const std::string b = bob_login.Sub("wc");
  auto co = MLVC_OK(bob_login, bob_login.home(), "checkout", server.address() + "/shared", "wc");
  CHECK_THAT(co.out, Contains("2 files"));
  CHECK(ReadFile(b + "/params.yaml") == "lr: 0.1\n");

  WriteFile(b + "/params.yaml", "lr: 0.2  # bob\n");
  WriteFile(a + "/params.yaml", "lr: 0.3  # alice\n");
  const int second = CommittedNumber(MLVC_OK(alice, a, "commit", "-m", "alice's lr"));
  CHECK(second > first);

  auto refused = MLVC_REFUSED(6, bob_login, b, "commit", "-m", "bob's lr");
  CHECK_THAT(refused.err, Contains("params.yaml"));
  CHECK_THAT(refused.err, Contains("out of date"));
  CHECK_THAT(refused.err, Contains("@" + std::to_string(second)));
  CHECK(ReadFile(b + "/params.yaml") == "lr: 0.2  # bob\n");
  CHECK_THAT(MLVC_OK(bob_login, b, "status").out, Contains("M params.yaml"));

  // Update merges three-way: both changed the one line, so it conflicts, and
  // bob's edit is kept (between the markers and whole in params.yaml.mine).
  auto update = MLVC_OK(bob_login, b, "update");
  CHECK_THAT(update.out, Contains("C params.yaml"));
  CHECK_THAT(update.out, Contains("Updated to @" + std::to_string(second) + "."));
  CHECK_THAT(ReadFile(b + "/params.yaml"), Contains("lr: 0.2  # bob"));
  CHECK(ReadFile(b + "/params.yaml.mine") == "lr: 0.2  # bob\n");

  // A conflicted file cannot be committed (exit 9), and the refusal is harmless.
  MLVC_REFUSED(9, bob_login, b, "commit", "-m", "bob's lr again");
  CHECK(ReadFile(b + "/params.yaml.mine") == "lr: 0.2  # bob\n");

  // An edit to a file nobody else touched commits on top of alice's change.
  WriteFile(b + "/other.txt", "other, by bob\n");
  const int third = CommittedNumber(MLVC_OK(bob_login, b, "commit", "-m", "other", "other.txt"));
  CHECK(third > second);
  auto log = nlohmann::json::parse(MLVC_OK(alice, a, "log", "--json").out);
  REQUIRE(log.size() >= 3);
  CHECK(log[0]["number"] == third);
  CHECK(log[0]["author"] == "bob2");
  auto a_update = MLVC_OK(alice, a, "update");
  CHECK_THAT(a_update.out, Contains("U other.txt"));
  CHECK(ReadFile(a + "/other.txt") == "other, by bob\n");
  CHECK(ReadFile(a + "/params.yaml") == "lr: 0.3  # alice\n");
}

TEST_CASE("a sparse checkout holds only its paths and status, commit, update stay inside",
          "[e2e]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  const std::string home = user.home();
  MLVC_OK(user, home, "repo", "create", "sparse", "--server", server.address());
  MLVC_OK(user, home, "checkout", server.address() + "/sparse", "full");
  const std::string full = user.Sub("full");
  WriteFile(full + "/src/train.py", "train\n");
  WriteFile(full + "/src/lib/util.py", "util\n");
  WriteFile(full + "/data/big.csv", "a,b\n1,2\n");
  WriteFile(full + "/docs/readme.md", "# readme\n");
  WriteFile(full + "/top.txt", "top\n");
  MLVC_OK(user, full, "add", "src", "data", "docs", "top.txt");
  CommittedNumber(MLVC_OK(user, full, "commit", "-m", "layout"));

  auto co = MLVC_OK(user, home, "checkout", server.address() + "/sparse", "part", "--paths", "src",
                    "docs");
  CHECK_THAT(co.out, Contains("3 files"));
  const std::string part = user.Sub("part");
  std::set<std::string> on_disk;
  for (const auto& [path, hash] : HashTree(part)) on_disk.insert(path);
  CHECK(on_disk == std::set<std::string>{"docs/readme.md", "src/lib/util.py", "src/train.py"});
  CHECK(!fs::exists(part + "/data"));
  CHECK(!fs::exists(part + "/top.txt"));

  auto info = nlohmann::json::parse(MLVC_OK(user, part, "info", "--json").out);
  std::set<std::string> paths;
  for (const auto& p : info["paths"]) paths.insert(p.get<std::string>());
  CHECK(paths == std::set<std::string>{"docs", "src"});
  CHECK(info["repository"] == "sparse");
  CHECK(info["branch"] == "main");

  // Outside the sparse paths nothing is seen, even files that exist on disk.
  WriteFile(part + "/data/local.csv", "local\n");
  WriteFile(part + "/src/new.py", "new\n");
  auto status = MLVC_OK(user, part, "status");
  CHECK(Lines(status.out) == std::vector<std::string>{"? src/new.py"});

  MLVC_OK(user, part, "add", "src/new.py");
  WriteFile(part + "/src/train.py", "train v2\n");
  const int n = CommittedNumber(MLVC_OK(user, part, "commit", "-m", "sparse commit"));
  auto log = nlohmann::json::parse(MLVC_OK(user, part, "log", "-v", "--json").out);
  REQUIRE(!log.empty());
  CHECK(log[0]["number"] == n);
  std::set<std::string> changed;
  for (const auto& p : log[0]["paths"]) changed.insert(p["path"].get<std::string>());
  CHECK(changed == std::set<std::string>{"src/new.py", "src/train.py"});

  // The full working copy gets exactly the two changes; nothing outside was deleted.
  auto full_update = MLVC_OK(user, full, "update");
  CHECK_THAT(full_update.out, Contains("A src/new.py"));
  CHECK_THAT(full_update.out, Contains("U src/train.py"));
  CHECK_THAT(full_update.out, !Contains("D "));
  CHECK(ReadFile(full + "/data/big.csv") == "a,b\n1,2\n");
  CHECK(ReadFile(full + "/top.txt") == "top\n");

  // Upstream changes inside and outside the sparse paths: update brings only the inside ones.
  WriteFile(full + "/data/big.csv", "a,b\n3,4\n");
  WriteFile(full + "/docs/readme.md", "# readme v2\n");
  WriteFile(full + "/top.txt", "top v2\n");
  const int m = CommittedNumber(MLVC_OK(user, full, "commit", "-m", "both sides"));
  auto part_update = MLVC_OK(user, part, "update");
  CHECK_THAT(part_update.out, Contains("U docs/readme.md"));
  CHECK_THAT(part_update.out, !Contains("data/big.csv"));
  CHECK_THAT(part_update.out, !Contains("top.txt"));
  CHECK_THAT(part_update.out, Contains("Updated to @" + std::to_string(m) + "."));
  CHECK(ReadFile(part + "/docs/readme.md") == "# readme v2\n");
  CHECK(!fs::exists(part + "/top.txt"));
  CHECK(!fs::exists(part + "/data/big.csv"));
  CHECK(ReadFile(part + "/data/local.csv") == "local\n");
  CHECK(MLVC_OK(user, part, "status").out.empty());
}

}  // namespace
}  // namespace mlvc::testing
