// End to end through the real binaries: branches, switch, labels, checkout at a label, diff
// between two versions, and their refusals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
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

int CommittedNumber(const ProcessResult& r) {
  std::smatch m;
  INFO(r.Describe());
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(Committed changeset @(\d+)\.)")));
  return std::stoi(m[1].str());
}

// A repository "demo" with train.yaml and data.csv on main, checked out in `wc`.
struct Demo {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};
  std::string home = alice.home();
  std::string wc = alice.Sub("wc");
  int first = 0;

  Demo() {
    MLVC_OK(alice, home, "repo", "create", "demo", "--server", server.address());
    MLVC_OK(alice, home, "checkout", server.address() + "/demo", "wc");
    WriteFile(wc + "/train.yaml", "lr: 0.1\nepochs: 10\nbatch: 32\n");
    WriteFile(wc + "/data.csv", "a,b\n1,2\n");
    MLVC_OK(alice, wc, "add", "train.yaml", "data.csv");
    first = CommittedNumber(MLVC_OK(alice, wc, "commit", "-m", "first"));
  }

  nlohmann::json Branches() {
    return nlohmann::json::parse(MLVC_OK(alice, wc, "branch", "list", "--json").out);
  }
  nlohmann::json Labels() {
    return nlohmann::json::parse(MLVC_OK(alice, wc, "label", "list", "--json").out);
  }
};

TEST_CASE("branch create - list - switch keeps a local edit that does not collide",
          "[e2e][branches]") {
  Demo d;
  auto created = MLVC_OK(d.alice, d.wc, "branch", "create", "exp/lr");
  CHECK_THAT(created.out, Contains("Created branch exp/lr at @" + std::to_string(d.first)));
  nlohmann::json branches = d.Branches();
  REQUIRE(branches.size() == 2);
  CHECK(branches[0]["name"] == "exp/lr");
  CHECK(branches[0]["head"] == d.first);
  CHECK(branches[0]["current"] == false);
  CHECK(branches[1]["name"] == "main");
  CHECK(branches[1]["current"] == true);

  // Someone else changes train.yaml on the branch.
  MLVC_OK(d.alice, d.home, "checkout", d.server.address() + "/demo@exp/lr", "other");
  const std::string other = d.alice.Sub("other");
  WriteFile(other + "/train.yaml", "lr: 0.0003\nepochs: 10\nbatch: 32\n");
  const int on_branch = CommittedNumber(MLVC_OK(d.alice, other, "commit", "-m", "lower lr"));

  // Meanwhile a local, uncommitted edit of data.csv in the first working copy.
  WriteFile(d.wc + "/data.csv", "a,b\n1,2\n3,4\n");
  const auto data_before = fs::last_write_time(d.wc + "/data.csv");
  auto switched = MLVC_OK(d.alice, d.wc, "switch", "exp/lr");
  CHECK_THAT(switched.out, Contains("U train.yaml"));
  CHECK_THAT(switched.out,
             Contains("Switched to branch exp/lr at @" + std::to_string(on_branch)));
  CHECK(switched.out.find("data.csv") == std::string::npos);  // untouched
  CHECK(ReadFile(d.wc + "/train.yaml") == "lr: 0.0003\nepochs: 10\nbatch: 32\n");
  CHECK(ReadFile(d.wc + "/data.csv") == "a,b\n1,2\n3,4\n");
  CHECK(fs::last_write_time(d.wc + "/data.csv") == data_before);
  CHECK(d.Branches()[0]["current"] == true);

  // The kept edit commits onto the branch, not main.
  const int edit = CommittedNumber(MLVC_OK(d.alice, d.wc, "commit", "-m", "more data"));
  auto log = nlohmann::json::parse(MLVC_OK(d.alice, d.wc, "log", "--json").out);
  CHECK(log[0]["number"] == edit);
  CHECK(log[1]["number"] == on_branch);
  nlohmann::json after = d.Branches();
  CHECK(after[0]["head"] == edit);
  CHECK(after[1]["head"] == d.first);

  // Back to main: both files return to main's versions.
  auto back = MLVC_OK(d.alice, d.wc, "switch", "main");
  CHECK_THAT(back.out, Contains("U train.yaml"));
  CHECK_THAT(back.out, Contains("U data.csv"));
  CHECK(ReadFile(d.wc + "/data.csv") == "a,b\n1,2\n");

  // Delete a branch; main cannot be deleted.
  MLVC_OK(d.alice, d.wc, "branch", "create", "scratch", "--from", "@" + std::to_string(d.first));
  MLVC_OK(d.alice, d.wc, "branch", "delete", "scratch");
  CHECK(d.Branches().size() == 2);
  auto main_refused = MLVC_REFUSED(6, d.alice, d.wc, "branch", "delete", "main");
  CHECK_THAT(main_refused.err, Contains("branch 'main' cannot be deleted"));
}

TEST_CASE("label create and checkout at the label give exactly that tree", "[e2e][labels]") {
  Demo d;
  const auto tree_at_label = HashTree(d.wc);
  auto created = MLVC_OK(d.alice, d.wc, "label", "create", "v1.0", "-m", "first release");
  CHECK_THAT(created.out, Contains("Created label v1.0 on @" + std::to_string(d.first)));
  // main moves on; the label does not.
  WriteFile(d.wc + "/train.yaml", "lr: 0.2\n");
  WriteFile(d.wc + "/extra.txt", "extra\n");
  MLVC_OK(d.alice, d.wc, "add", "extra.txt");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "after the release");

  nlohmann::json labels = d.Labels();
  REQUIRE(labels.size() == 1);
  CHECK(labels[0]["name"] == "v1.0");
  CHECK(labels[0]["number"] == d.first);
  CHECK(labels[0]["notes"] == "first release");

  MLVC_OK(d.alice, d.home, "checkout", d.server.address() + "/demo@v1.0", "release");
  CHECK(HashTree(d.alice.Sub("release")) == tree_at_label);

  // Label list outside a working copy, with --repo and --server.
  auto listed = MLVC_OK(d.alice, d.home, "label", "list", "--repo", "demo", "--server",
                        d.server.address());
  CHECK_THAT(listed.out, Contains("v1.0  @" + std::to_string(d.first)));
}

TEST_CASE("label and branch refusals: exit codes and nothing changed", "[e2e][labels]") {
  Demo d;
  MLVC_OK(d.alice, d.wc, "label", "create", "v1.0");
  WriteFile(d.wc + "/train.yaml", "lr: 0.5\n");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "second");

  SECTION("a label that exists: 11") {
    auto r = MLVC_REFUSED(11, d.alice, d.wc, "label", "create", "v1.0", "main");
    CHECK_THAT(r.err, Contains("label 'v1.0' already exists"));
    nlohmann::json labels = d.Labels();
    REQUIRE(labels.size() == 1);
    CHECK(labels[0]["number"] == d.first);
  }
  SECTION("a branch named like a label: 11") {
    MLVC_REFUSED(11, d.alice, d.wc, "branch", "create", "v1.0");
    CHECK(d.Branches().size() == 1);
  }
  SECTION("an unknown branch: 4") {
    auto r = MLVC_REFUSED(4, d.alice, d.wc, "switch", "nope");
    CHECK_THAT(r.err, Contains("nope"));
    MLVC_REFUSED(4, d.alice, d.wc, "branch", "create", "x", "--from", "nope");
    MLVC_REFUSED(4, d.alice, d.wc, "label", "create", "v2", "nope");
    MLVC_REFUSED(4, d.alice, d.wc, "branch", "delete", "nope");
    CHECK(d.Branches().size() == 1);
    CHECK(d.Labels().size() == 1);
  }
  SECTION("a bad label name: 5") {
    auto r = MLVC_REFUSED(5, d.alice, d.wc, "label", "create", "v1/rc");
    CHECK_THAT(r.err, Contains("invalid label name"));
    MLVC_REFUSED(5, d.alice, d.wc, "label", "create", "42");
    MLVC_REFUSED(5, d.alice, d.wc, "branch", "create", "bad..name");
    CHECK(d.Labels().size() == 1);
  }
  SECTION("switching to a label is refused: labels do not move") {
    MLVC_REFUSED(6, d.alice, d.wc, "switch", "v1.0");
  }
  SECTION("deleting a label needs a maintainer: 8") {
    MlvcClient bob(d.server.CreateUserWithRole("bob", "demo", "writer"));
    auto r = MLVC_REFUSED(8, bob, bob.home(), "label", "delete", "v1.0", "--repo", "demo",
                          "--server", d.server.address());
    CHECK_THAT(r.err, Contains("maintainer"));
    CHECK(d.Labels().size() == 1);
    MLVC_OK(d.alice, d.wc, "label", "delete", "v1.0");
    CHECK(d.Labels().empty());
  }
}

TEST_CASE("diff between two versions prints status lines and the unified diff",
          "[e2e][history]") {
  Demo d;
  WriteFile(d.wc + "/train.yaml", "lr: 0.1\nepochs: 20\nbatch: 32\n");
  const int second = CommittedNumber(MLVC_OK(d.alice, d.wc, "commit", "-m", "longer"));
  const std::string a = "@" + std::to_string(d.first);
  const std::string b = "@" + std::to_string(second);

  auto r = MLVC_OK(d.alice, d.wc, "diff", a, b);
  CHECK_THAT(r.out, Contains("M train.yaml\n"));
  CHECK_THAT(r.out, Contains("--- a/train.yaml\n+++ b/train.yaml\n"));
  CHECK_THAT(r.out, Contains("-epochs: 10\n+epochs: 20\n"));
  CHECK(r.out.find("data.csv") == std::string::npos);

  // Branch against branch, outside any working copy.
  MLVC_OK(d.alice, d.wc, "branch", "create", "exp", "--from", a);
  auto branches = MLVC_OK(d.alice, d.home, "diff", "exp", "main", "--repo", "demo", "--server",
                          d.server.address());
  CHECK_THAT(branches.out, Contains("+epochs: 20\n"));
  auto json = nlohmann::json::parse(
      MLVC_OK(d.alice, d.wc, "diff", "exp", "main", "--json").out);
  CHECK(json["from"] == d.first);
  CHECK(json["to"] == second);
  REQUIRE(json["files"].size() == 1);
  CHECK(json["files"][0]["path"] == "train.yaml");
  CHECK(json["files"][0]["action"] == "modify");

  MLVC_REFUSED(4, d.alice, d.wc, "diff", a, "@99");
}

TEST_CASE("log shows merge parents and --graph draws both lines", "[e2e][history]") {
  Demo d;
  // Without merges the graph is one straight line.
  auto straight = MLVC_OK(d.alice, d.wc, "log", "--graph");
  CHECK_THAT(straight.out, Contains("* @" + std::to_string(d.first) + " | "));
  CHECK_THAT(straight.out, Contains("* @0 | "));
  MLVC_EXPECT(2, d.alice, d.wc, "log", "--graph", "train.yaml");

  // exp changes data.csv, main changes train.yaml, then exp is merged into main.
  MLVC_OK(d.alice, d.wc, "branch", "create", "exp");
  MLVC_OK(d.alice, d.home, "checkout", d.server.address() + "/demo@exp", "exp");
  WriteFile(d.alice.Sub("exp") + "/data.csv", "a,b\n9,9\n");
  const int side = CommittedNumber(MLVC_OK(d.alice, d.alice.Sub("exp"), "commit", "-m", "side"));
  WriteFile(d.wc + "/train.yaml", "lr: 0.3\n");
  const int mainline = CommittedNumber(MLVC_OK(d.alice, d.wc, "commit", "-m", "mainline"));
  MLVC_OK(d.alice, d.wc, "merge", "exp", "--into", "main", "-m", "merge exp");
  MLVC_OK(d.alice, d.wc, "update");
  const int merge = std::max(side, mainline) + 1;

  auto log = nlohmann::json::parse(MLVC_OK(d.alice, d.wc, "log", "--json").out);
  CHECK(log[0]["number"] == merge);
  CHECK(log[0]["parent"] == mainline);
  CHECK(log[0]["merge_parent"] == side);
  auto plain = MLVC_OK(d.alice, d.wc, "log");
  CHECK_THAT(plain.out, Contains("Merge: @" + std::to_string(mainline) + " @" +
                                 std::to_string(side) + "\n"));
  // First-parent log skips the side changeset; the graph shows it on its own lane.
  CHECK(plain.out.find("@" + std::to_string(side) + " |") == std::string::npos);
  auto graph = MLVC_OK(d.alice, d.wc, "log", "--graph");
  INFO(graph.out);
  // Each line without its " | author | time" tail.
  std::vector<std::string> rows;
  for (std::string line : Lines(graph.out)) {
    const size_t tail = line.find(" | admin | ");
    if (tail != std::string::npos) line.resize(tail);
    rows.push_back(line);
  }
  const std::string m = std::to_string(merge), l = std::to_string(mainline),
                    s = std::to_string(side), f = std::to_string(d.first);
  const std::vector<std::string> expected = {
      "* @" + m,           "| \\ ",        "| | Merge: @" + l + " @" + s,
      "| |     merge exp", "* | @" + l,   "| |     mainline",
      "| * @" + s,         "| |     side", "| / ",
      "* @" + f,           "|     first",  "* @0",
      "    create repository"};
  CHECK(rows == expected);
}

}  // namespace
}  // namespace mlvc::testing
