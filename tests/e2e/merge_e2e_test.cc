// End to end through the real binaries: update with conflicting local edits, resolve, merge
// (server-side and in a working copy), and the branching workflow: experiment branches
// merged into an integration branch, a conflict resolved in a working copy, integration
// merged into main, a label, and a checkout of that label.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// A server, a repository "r" with two working copies A and B of main.
struct TwoCopies {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};
  std::string a = alice.Sub("A");
  std::string b = alice.Sub("B");

  TwoCopies() {
    MLVC_OK(alice, alice.home(), "repo", "create", "r", "--server", server.address());
    MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "A");
    MLVC_OK(alice, alice.home(), "checkout", server.address() + "/r", "B");
  }
};

TEST_CASE("update with an overlapping local edit leaves markers and conflict files",
          "[e2e][merge]") {
  TwoCopies t;
  WriteFile(t.a + "/params.txt", TenLines());
  WriteFile(t.a + "/clean.txt", TenLines());
  MLVC_OK(t.alice, t.a, "add", "params.txt", "clean.txt");
  MLVC_OK(t.alice, t.a, "commit", "-m", "params");
  MLVC_OK(t.alice, t.b, "update");

  WriteFile(t.a + "/params.txt", TenLines({{3, "lr: from A"}}));
  WriteFile(t.a + "/clean.txt", TenLines({{0, "top: from A"}}));
  MLVC_OK(t.alice, t.a, "commit", "-m", "A's edits");
  const std::string mine = TenLines({{3, "lr: from B"}});
  WriteFile(t.b + "/params.txt", mine);
  WriteFile(t.b + "/clean.txt", TenLines({{9, "bottom: from B"}}));

  auto update = MLVC_OK(t.alice, t.b, "update");
  CHECK(HasLine(update.out, "C params.txt"));
  CHECK(HasLine(update.out, "G clean.txt"));
  // The clean merge holds both edits; the conflict holds both sides between markers.
  CHECK(ReadFile(t.b + "/clean.txt") == TenLines({{0, "top: from A"}, {9, "bottom: from B"}}));
  const std::string conflicted = ReadFile(t.b + "/params.txt");
  CHECK_THAT(conflicted, Contains("<<<<<<< mine"));
  CHECK_THAT(conflicted, Contains("lr: from B"));
  CHECK_THAT(conflicted, Contains("lr: from A"));
  CHECK_THAT(conflicted, Contains(">>>>>>> theirs"));
  CHECK(ReadFile(t.b + "/params.txt.base") == TenLines());
  CHECK(ReadFile(t.b + "/params.txt.mine") == mine);
  CHECK(ReadFile(t.b + "/params.txt.theirs") == TenLines({{3, "lr: from A"}}));
  auto status = MLVC_OK(t.alice, t.b, "status");
  CHECK(HasLine(status.out, "C params.txt"));
  CHECK(HasLine(status.out, "M clean.txt"));

  // A conflicted file cannot be committed: exit 9, nothing sent.
  auto refused = MLVC_REFUSED(9, t.alice, t.b, "commit", "-m", "too early");
  CHECK_THAT(refused.err, Contains("'params.txt' is conflicted"));
  CHECK_THAT(refused.err, Contains("mlvc resolve params.txt"));
  // Resolving something that is not conflicted is refused too.
  MLVC_REFUSED(6, t.alice, t.b, "resolve", "clean.txt");

  const std::string resolved = TenLines({{0, "top: from A"}, {3, "lr: agreed"}});
  WriteFile(t.b + "/params.txt", resolved);
  auto resolve = MLVC_OK(t.alice, t.b, "resolve", "params.txt");
  CHECK(HasLine(resolve.out, "Resolved params.txt"));
  CHECK_FALSE(fs::exists(t.b + "/params.txt.base"));
  CHECK_FALSE(fs::exists(t.b + "/params.txt.mine"));
  CHECK_FALSE(fs::exists(t.b + "/params.txt.theirs"));
  CHECK(HasLine(MLVC_OK(t.alice, t.b, "status").out, "M params.txt"));
  MLVC_OK(t.alice, t.b, "commit", "-m", "resolved");

  MLVC_OK(t.alice, t.a, "update");
  CHECK(ReadFile(t.a + "/params.txt") == resolved);
  CHECK(ReadFile(t.a + "/clean.txt") == TenLines({{0, "top: from A"}, {9, "bottom: from B"}}));
}

TEST_CASE("resolve --theirs and --ours pick a side whole", "[e2e][merge]") {
  TwoCopies t;
  WriteFile(t.a + "/p.txt", TenLines());
  MLVC_OK(t.alice, t.a, "add", "p.txt");
  MLVC_OK(t.alice, t.a, "commit", "-m", "p");
  MLVC_OK(t.alice, t.b, "update");
  WriteFile(t.a + "/p.txt", TenLines({{5, "A"}}));
  MLVC_OK(t.alice, t.a, "commit", "-m", "A");
  WriteFile(t.b + "/p.txt", TenLines({{5, "B"}}));
  MLVC_OK(t.alice, t.b, "update");
  SECTION("theirs") {
    MLVC_OK(t.alice, t.b, "resolve", "p.txt", "--theirs");
    CHECK(ReadFile(t.b + "/p.txt") == TenLines({{5, "A"}}));
    CHECK(MLVC_OK(t.alice, t.b, "status").out.empty());  // equal to its new base
  }
  SECTION("ours") {
    MLVC_OK(t.alice, t.b, "resolve", "p.txt", "--ours");
    CHECK(ReadFile(t.b + "/p.txt") == TenLines({{5, "B"}}));
    CHECK(HasLine(MLVC_OK(t.alice, t.b, "status").out, "M p.txt"));
    MLVC_OK(t.alice, t.b, "commit", "-m", "mine wins");
  }
}

TEST_CASE("a binary edited on both sides keeps the local file as NAME.mine", "[e2e][merge]") {
  TwoCopies t;
  WriteRandomFile(t.a + "/weights.dat", 4096, 1);
  MLVC_OK(t.alice, t.a, "add", "weights.dat");
  MLVC_OK(t.alice, t.a, "commit", "-m", "weights");
  MLVC_OK(t.alice, t.b, "update");
  WriteRandomFile(t.a + "/weights.dat", 4096, 2);
  MLVC_OK(t.alice, t.a, "commit", "-m", "A's weights");
  WriteRandomFile(t.b + "/weights.dat", 5000, 3);
  const std::string mine = ReadFile(t.b + "/weights.dat");

  auto update = MLVC_OK(t.alice, t.b, "update");
  CHECK(HasLine(update.out, "C weights.dat"));
  CHECK(ReadFile(t.b + "/weights.dat.mine") == mine);
  CHECK(ReadFile(t.b + "/weights.dat") == ReadFile(t.a + "/weights.dat"));
  CHECK(HasLine(MLVC_OK(t.alice, t.b, "status").out, "C weights.dat"));
  MLVC_REFUSED(9, t.alice, t.b, "commit", "-m", "no");

  MLVC_OK(t.alice, t.b, "resolve", "weights.dat", "--ours");
  CHECK(ReadFile(t.b + "/weights.dat") == mine);
  CHECK_FALSE(fs::exists(t.b + "/weights.dat.mine"));
  MLVC_OK(t.alice, t.b, "commit", "-m", "keep mine");
  MLVC_OK(t.alice, t.a, "update");
  CHECK(ReadFile(t.a + "/weights.dat") == mine);
}

TEST_CASE("a commit on a moved head merges the text on the server and updates the file",
          "[e2e][merge]") {
  TwoCopies t;
  WriteFile(t.a + "/p.txt", TenLines());
  MLVC_OK(t.alice, t.a, "add", "p.txt");
  MLVC_OK(t.alice, t.a, "commit", "-m", "p");
  MLVC_OK(t.alice, t.b, "update");
  WriteFile(t.a + "/p.txt", TenLines({{0, "A"}}));
  MLVC_OK(t.alice, t.a, "commit", "-m", "A");
  WriteFile(t.b + "/p.txt", TenLines({{9, "B"}}));
  auto commit = MLVC_OK(t.alice, t.b, "commit", "-m", "B without update");
  CHECK_THAT(commit.out, Contains("G p.txt"));
  CHECK(ReadFile(t.b + "/p.txt") == TenLines({{0, "A"}, {9, "B"}}));
  CHECK(MLVC_OK(t.alice, t.b, "status").out.empty());
}

TEST_CASE("merging an unknown branch exits 4", "[e2e][merge]") {
  TwoCopies t;
  auto server_side = MLVC_REFUSED(4, t.alice, t.a, "merge", "nope", "--into", "main");
  CHECK_THAT(server_side.err, Contains("nope"));
  MLVC_REFUSED(4, t.alice, t.a, "merge", "main", "--into", "nope");
  MLVC_REFUSED(4, t.alice, t.a, "merge", "nope");
  CHECK(MLVC_OK(t.alice, t.a, "status").out.empty());
}

TEST_CASE("seed workflow: experiments to integration to main to a label", "[e2e][merge]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());
  const std::string w = alice.Sub("W");
  MLVC_OK(alice, alice.home(), "repo", "create", "seed", "--server", server.address());
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/seed", "W");
  WriteFile(w + "/train.py", "print('train')\n");
  WriteFile(w + "/params/lr.yaml", TenLines());
  WriteFile(w + "/params/batch.yaml", TenLines());
  MLVC_OK(alice, w, "add", "train.py", "params");
  MLVC_OK(alice, w, "commit", "-m", "baseline");
  for (const char* b : {"integration", "exp-lr", "exp-batch", "exp-aug"}) {
    MLVC_OK(alice, w, "branch", "create", b, "--from", "main");
  }

  // Two experiments changing different hyperparameter files, a third that collides.
  MLVC_OK(alice, w, "switch", "exp-lr");
  WriteFile(w + "/params/lr.yaml", TenLines({{2, "lr: 3e-4"}}));
  MLVC_OK(alice, w, "commit", "-m", "lr 3e-4");
  MLVC_OK(alice, w, "switch", "exp-batch");
  WriteFile(w + "/params/batch.yaml", TenLines({{4, "batch: 256"}}));
  MLVC_OK(alice, w, "commit", "-m", "batch 256");
  MLVC_OK(alice, w, "switch", "exp-aug");
  WriteFile(w + "/params/lr.yaml", TenLines({{2, "lr: 1e-3"}, {7, "aug: mixup"}}));
  MLVC_OK(alice, w, "commit", "-m", "mixup with a higher lr");

  // Both clean experiments merge on the server.
  auto m1 = MLVC_OK(alice, w, "merge", "exp-lr", "--into", "integration");
  CHECK_THAT(m1.out, Contains("Merged exp-lr"));
  auto m2 = MLVC_OK(alice, w, "merge", "exp-batch", "--into", "integration", "--json");
  CHECK_THAT(m2.out, Contains("\"changeset\""));

  // The third conflicts: reported, nothing changed.
  auto preview = MLVC_EXPECT(9, alice, w, "merge", "exp-aug", "--into", "integration",
                             "--preview");
  CHECK_THAT(preview.out, Contains("C params/lr.yaml"));
  auto m3 = MLVC_REFUSED(9, alice, w, "merge", "exp-aug", "--into", "integration");
  CHECK_THAT(m3.out, Contains("C params/lr.yaml"));
  CHECK_THAT(m3.err, Contains("merge conflict in 1 path: params/lr.yaml"));
  CHECK_THAT(m3.err, Contains("mlvc merge exp-aug"));

  // Resolved in a working copy of integration and submitted as the merge.
  MLVC_OK(alice, w, "switch", "integration");
  CHECK(ReadFile(w + "/params/batch.yaml") == TenLines({{4, "batch: 256"}}));
  auto wc_merge = MLVC_EXPECT(9, alice, w, "merge", "exp-aug");
  CHECK(HasLine(wc_merge.out, "C params/lr.yaml"));
  CHECK(HasLine(MLVC_OK(alice, w, "status").out, "C params/lr.yaml"));
  MLVC_REFUSED(9, alice, w, "commit", "-m", "not yet");
  const std::string agreed = TenLines({{2, "lr: 3e-4"}, {7, "aug: mixup"}});
  WriteFile(w + "/params/lr.yaml", agreed);
  MLVC_OK(alice, w, "resolve", "params/lr.yaml");
  MLVC_OK(alice, w, "commit", "-m", "merge exp-aug, keep lr 3e-4");
  // The submit recorded the merge: the server finds nothing left to merge.
  auto again = MLVC_OK(alice, w, "merge", "exp-aug", "--into", "integration");
  CHECK_THAT(again.out, Contains("Already up to date"));

  // Integration into main, label, checkout of the label.
  MLVC_OK(alice, w, "merge", "integration", "--into", "main");
  MLVC_OK(alice, w, "label", "create", "v1.0", "main", "-m", "first release");
  MLVC_OK(alice, w, "switch", "main");
  CHECK(ReadFile(w + "/params/lr.yaml") == agreed);
  CHECK(ReadFile(w + "/params/batch.yaml") == TenLines({{4, "batch: 256"}}));
  // Main moves on; the label does not.
  WriteFile(w + "/train.py", "print('train v2')\n");
  MLVC_OK(alice, w, "commit", "-m", "after the release");

  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/seed@v1.0", "V");
  const std::map<std::string, std::string> expected = {
      {"train.py", "print('train')\n"},
      {"params/lr.yaml", agreed},
      {"params/batch.yaml", TenLines({{4, "batch: 256"}})}};
  std::map<std::string, std::string> expected_hashes;
  {
    // Write the expected tree somewhere and hash it the same way.
    const std::string e = alice.Sub("expected");
    for (const auto& [path, content] : expected) WriteFile(e + "/" + path, content);
    expected_hashes = HashTree(e);
  }
  CHECK(HashTree(alice.Sub("V")) == expected_hashes);
}

}  // namespace
}  // namespace mlvc::testing
