// End to end through the real binaries: a reader's commit is refused, a working-copy merge
// is dropped by a revert and lands even when nothing is left to change, and update never
// replaces an existing file with its conflict files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

TEST_CASE("a reader's commit exits 8 with one sentence and lands nothing", "[e2e][roles]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());
  MlvcClient carol(server.CreateUser("carol", /*admin=*/false));
  MLVC_OK(alice, alice.home(), "repo", "create", "r", "--server", server.address());
  const std::string a = alice.Sub("wc");
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "wc");
  WriteFile(a + "/notes.txt", "v1\n");
  MLVC_OK(alice, a, "add", "notes.txt");
  MLVC_OK(alice, a, "commit", "-m", "first");

  server.Grant("carol", "r", "reader");

  const std::string c = carol.Sub("wc");
  MLVC_OK(carol, carol.home(), "checkout", server.address() + "/r", "wc");  // reading is fine
  WriteFile(c + "/notes.txt", "v2 by a reader\n");
  auto refused = MLVC_REFUSED(8, carol, c, "commit", "-m", "not allowed");
  CHECK_THAT(refused.err, Contains("writer role on repository 'r'"));
  CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
  // Nothing landed; carol's edit is still hers.
  CHECK(HasLine(MLVC_OK(carol, c, "status").out, "M notes.txt"));
  MLVC_OK(alice, a, "update");
  CHECK(ReadFile(a + "/notes.txt") == "v1\n");
}

// main and exp both changed line 2 of lr.yaml since the fork.
struct DivergedBranches {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};
  std::string w = alice.Sub("W");

  DivergedBranches() {
    MLVC_OK(alice, alice.home(), "repo", "create", "r", "--server", server.address());
    MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "W");
    WriteFile(w + "/lr.yaml", TenLines());
    MLVC_OK(alice, w, "add", "lr.yaml");
    MLVC_OK(alice, w, "commit", "-m", "baseline");
    MLVC_OK(alice, w, "branch", "create", "exp", "--from", "main");
    MLVC_OK(alice, w, "switch", "exp");
    WriteFile(w + "/lr.yaml", TenLines({{2, "lr: exp"}}));
    MLVC_OK(alice, w, "commit", "-m", "exp lr");
    MLVC_OK(alice, w, "switch", "main");
    WriteFile(w + "/lr.yaml", TenLines({{2, "lr: main"}}));
    MLVC_OK(alice, w, "commit", "-m", "main lr");
  }
};

TEST_CASE("revert drops a pending working-copy merge and its conflict files",
          "[e2e][merge]") {
  DivergedBranches t;
  MLVC_EXPECT(9, t.alice, t.w, "merge", "exp");
  REQUIRE(fs::exists(t.w + "/lr.yaml.mine"));
  // A second merge is refused while one is pending.
  MLVC_REFUSED(6, t.alice, t.w, "merge", "exp");

  auto reverted = MLVC_OK(t.alice, t.w, "revert", ".");
  CHECK(HasLine(reverted.out, "Reverted lr.yaml"));
  CHECK_THAT(reverted.out, Contains("Dropped the pending merge of @"));
  CHECK(ReadFile(t.w + "/lr.yaml") == TenLines({{2, "lr: main"}}));
  for (const char* suffix : {".base", ".mine", ".theirs"}) {
    CHECK_FALSE(fs::exists(t.w + "/lr.yaml" + suffix));
  }
  CHECK(MLVC_OK(t.alice, t.w, "status").out.empty());
  // Nothing is pending any more: a commit has nothing to send, and the merge can start over.
  CHECK_THAT(MLVC_OK(t.alice, t.w, "commit", "-m", "nothing").out, Contains("Nothing to commit"));
  MLVC_EXPECT(9, t.alice, t.w, "merge", "exp");
  CHECK(HasLine(MLVC_OK(t.alice, t.w, "status").out, "C lr.yaml"));
}

TEST_CASE("a working-copy merge with nothing left to change commits as a merge",
          "[e2e][merge]") {
  DivergedBranches t;
  // A file named like a conflict file refuses the merge before anything changes.
  WriteFile(t.w + "/lr.yaml.base", "mine, not mlvc's\n");
  auto blocked = MLVC_REFUSED(6, t.alice, t.w, "merge", "exp");
  CHECK_THAT(blocked.err, Contains("'lr.yaml.base' is in the way of the conflict files"));
  CHECK(ReadFile(t.w + "/lr.yaml.base") == "mine, not mlvc's\n");
  CHECK(ReadFile(t.w + "/lr.yaml") == TenLines({{2, "lr: main"}}));
  fs::remove(t.w + "/lr.yaml.base");

  MLVC_EXPECT(9, t.alice, t.w, "merge", "exp");
  MLVC_OK(t.alice, t.w, "resolve", "lr.yaml", "--ours");
  CHECK(ReadFile(t.w + "/lr.yaml") == TenLines({{2, "lr: main"}}));
  CHECK(MLVC_OK(t.alice, t.w, "status").out.empty());

  auto committed = MLVC_OK(t.alice, t.w, "commit", "-m", "merge exp, keep main's lr");
  CHECK_THAT(committed.out, Contains("Committed changeset @"));
  // Recorded as a merge: the server has nothing left to bring from exp.
  auto again = MLVC_OK(t.alice, t.w, "merge", "exp", "--into", "main");
  CHECK_THAT(again.out, Contains("Already up to date"));
  CHECK(ReadFile(t.w + "/lr.yaml") == TenLines({{2, "lr: main"}}));
}

TEST_CASE("update never replaces an existing file with conflict files", "[e2e][merge]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());
  MLVC_OK(alice, alice.home(), "repo", "create", "r", "--server", server.address());
  const std::string a = alice.Sub("A");
  const std::string b = alice.Sub("B");
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "A");
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "B");
  WriteFile(a + "/params.txt", TenLines());
  WriteRandomFile(a + "/weights.dat", 4096, 1);
  MLVC_OK(alice, a, "add", "params.txt", "weights.dat");
  MLVC_OK(alice, a, "commit", "-m", "params");
  MLVC_OK(alice, b, "update");
  WriteFile(a + "/params.txt", TenLines({{3, "lr: from A"}}));
  WriteRandomFile(a + "/weights.dat", 4096, 2);
  MLVC_OK(alice, a, "commit", "-m", "A's edits");

  // B edits both, and has files of its own named like conflict files.
  const std::string mine = TenLines({{3, "lr: from B"}});
  WriteFile(b + "/params.txt", mine);
  WriteRandomFile(b + "/weights.dat", 5000, 3);
  const std::string mine_weights = ReadFile(b + "/weights.dat");
  WriteFile(b + "/params.txt.theirs", "my own notes\n");
  WriteFile(b + "/weights.dat.mine", "my own weights\n");

  auto update = MLVC_OK(alice, b, "update");
  CHECK_THAT(update.out, Contains("Skipped params.txt: local edit kept; params.txt.base, .mine "
                                  "or .theirs is in the way"));
  CHECK_THAT(update.out, Contains("Skipped weights.dat: local edit kept"));
  // Nothing of B's was replaced or lost; no conflict files were written.
  CHECK(ReadFile(b + "/params.txt") == mine);
  CHECK(ReadFile(b + "/weights.dat") == mine_weights);
  CHECK(ReadFile(b + "/params.txt.theirs") == "my own notes\n");
  CHECK(ReadFile(b + "/weights.dat.mine") == "my own weights\n");
  CHECK_FALSE(fs::exists(b + "/params.txt.base"));
  CHECK_FALSE(fs::exists(b + "/params.txt.mine"));
  // The paths keep their old base: committing them is out of date, not a lost update.
  MLVC_REFUSED(6, alice, b, "commit", "-m", "stale");

  // With the names free, the next update merges as usual.
  fs::remove(b + "/params.txt.theirs");
  fs::remove(b + "/weights.dat.mine");
  auto merged = MLVC_OK(alice, b, "update");
  CHECK(HasLine(merged.out, "C params.txt"));
  CHECK(HasLine(merged.out, "C weights.dat"));
  CHECK(ReadFile(b + "/params.txt.mine") == mine);
  CHECK(ReadFile(b + "/weights.dat.mine") == mine_weights);
}

}  // namespace
}  // namespace mlvc::testing
