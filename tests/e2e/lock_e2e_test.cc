// End to end: locks through the real binaries. Lockable files are read-only until locked,
// a second user's lock attempt is refused naming the holder (exit 6), force needs a
// maintainer (exit 8 otherwise), a commit releases its locks, and locks outlive a restart
// of mlvcd.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

bool Writable(const std::string& path) {
  const fs::perms p = fs::status(path).permissions();
  return (p & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) !=
         fs::perms::none;
}

nlohmann::json LocksJson(const MlvcClient& client, const std::string& wc) {
  return nlohmann::json::parse(MLVC_OK(client, wc, "locks", "--json").out)["locks"];
}

TEST_CASE("locks through the real binaries survive an mlvcd restart", "[e2e][locks][sanitized]") {
  MlvcServer server;
  MlvcClient alice(server.admin_token());  // an admin
  MLVC_OK(alice, alice.home(), "repo", "create", "resnet", "--server", server.address());
  MlvcClient bob(server.CreateUserWithRole("bob", "resnet", "writer"));
  MlvcClient carol(server.CreateUserWithRole("carol", "resnet", "writer"));

  const std::string a = alice.Sub("wc");
  MLVC_OK(alice, alice.home(), "checkout", server.address() + "/resnet", "wc");
  WriteFile(a + "/model.pt", "weights v1");
  WriteFile(a + "/train.py", "print('train')\n");
  MLVC_OK(alice, a, "add", "model.pt", "train.py");
  MLVC_OK(alice, a, "commit", "-m", "first model");
  // Committed and not locked: the lockable file turns read-only, the script does not.
  CHECK_FALSE(Writable(a + "/model.pt"));
  CHECK(Writable(a + "/train.py"));

  const std::string b = bob.Sub("wc");
  MLVC_OK(bob, bob.home(), "checkout", server.address() + "/resnet", "wc");
  CHECK_FALSE(Writable(b + "/model.pt"));
  CHECK(Writable(b + "/train.py"));
  CHECK(Lines(MLVC_OK(bob, b, "lockable").out).front() == "*.pt");

  auto locked = MLVC_OK(bob, b, "lock", "model.pt", "-m", "retraining");
  CHECK_THAT(locked.out, Contains("Locked model.pt"));
  CHECK(Writable(b + "/model.pt"));
  auto listed = MLVC_OK(bob, b, "locks");
  CHECK_THAT(listed.out, Contains("model.pt  bob  "));
  CHECK_THAT(listed.out, Contains("retraining"));

  // Another user is refused, told who holds it and since when; nothing changes.
  auto refused = MLVC_REFUSED(6, alice, a, "lock", "model.pt");
  CHECK_THAT(refused.err, Contains("'model.pt' is locked by bob since"));
  CHECK_FALSE(Writable(a + "/model.pt"));

  // Locks live in the database: a new mlvcd process on it still has them.
  server.Restart();
  nlohmann::json after = LocksJson(alice, a);
  REQUIRE(after.size() == 1);
  CHECK(after[0]["path"] == "model.pt");
  CHECK(after[0]["user"] == "bob");
  CHECK(after[0]["comment"] == "retraining");

  // Unlocking someone else's lock: exit 6 with its own sentence; with --force, a writer gets
  // exit 8 and a maintainer (granted with `mlvcd admin grant`) succeeds.
  auto not_yours = MLVC_REFUSED(6, carol, a, "unlock", "model.pt");
  CHECK_THAT(not_yours.err, Contains("'model.pt' is not locked by you (locked by bob"));
  CHECK_THAT(not_yours.err, Contains("--force"));
  auto denied = MLVC_REFUSED(8, carol, a, "unlock", "--force", "model.pt");
  CHECK_THAT(denied.err, Contains("maintainer role on repository 'resnet'"));
  CHECK(LocksJson(alice, a).size() == 1);
  server.Grant("carol", "resnet", "maintainer");
  auto forced = MLVC_OK(carol, a, "unlock", "--force", "model.pt");
  CHECK_THAT(forced.out, Contains("Unlocked model.pt (was locked by bob)"));
  CHECK(LocksJson(alice, a).empty());
  auto gone = MLVC_REFUSED(4, bob, b, "unlock", "model.pt");
  CHECK_THAT(gone.err, Contains("'model.pt' is not locked"));
  CHECK_FALSE(Writable(b + "/model.pt"));  // the working copy no longer holds it

  // Lock, edit, commit: the commit releases the lock and the file is read-only again.
  MLVC_OK(bob, b, "lock", "model.pt");
  WriteFile(b + "/model.pt", "weights v2");
  MLVC_OK(bob, b, "commit", "-m", "retrained");
  CHECK(LocksJson(bob, b).empty());
  CHECK_FALSE(Writable(b + "/model.pt"));

  // Alice's copy is now older than the head: refused until updated, or with --update.
  auto stale = MLVC_REFUSED(6, alice, a, "lock", "model.pt");
  CHECK_THAT(stale.err, Contains("out of date"));
  CHECK_THAT(stale.err, Contains("mlvc update"));
  MLVC_OK(alice, a, "lock", "--update", "model.pt");
  CHECK(ReadFile(a + "/model.pt") == "weights v2");
  CHECK(Writable(a + "/model.pt"));
  // --keep-locks: the commit lands and the lock (and the writable file) stay.
  WriteFile(a + "/model.pt", "weights v3");
  MLVC_OK(alice, a, "commit", "-m", "v3", "--keep-locks");
  CHECK(LocksJson(alice, a).size() == 1);
  CHECK(Writable(a + "/model.pt"));
  MLVC_OK(alice, a, "unlock", "model.pt");
  CHECK_FALSE(Writable(a + "/model.pt"));
}

}  // namespace
}  // namespace mlvc::testing
