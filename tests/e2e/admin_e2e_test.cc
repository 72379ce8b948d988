// End to end through the real binaries: access control as a team meets it. A
// user granted nothing sees nothing; roles are granted and revoked with `mlvc admin`, by
// admins and by a repository's maintainers; a repository's default role opens it; tokens
// are created, listed and revoked; disabled users and service accounts; the audit log with
// its filters and pages; and every error a user can cause in these commands.
#include <catch2/catch.hpp>

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

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

std::string LastLine(const std::string& text) {
  std::vector<std::string> lines = Lines(text);
  return lines.empty() ? std::string() : lines.back();
}

// user -> role of a `mlvc admin roles --json` listing.
using Grants = std::map<std::string, std::string>;
Grants RolesOf(const json& listing) {
  Grants out;
  for (const json& r : listing["roles"]) out[r["user"]] = r["role"];
  return out;
}

int CommittedNumber(const ProcessResult& r) {
  std::smatch m;
  INFO(r.Describe());
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(Committed changeset @(\d+)\.)")));
  return std::stoi(m[1].str());
}

// A server with its bootstrap admin ("admin", from `mlvcd admin create-user --admin`); every
// other user is created through `mlvc admin` by that admin.
struct Team {
  MlvcServer server;
  MlvcClient admin{server.admin_token()};

  // `mlvc ARGS... --server ADDR` as `who`, from its home.
  ProcessResult Run(const MlvcClient& who, std::vector<std::string> args) const {
    args.insert(args.end(), {"--server", server.address()});
    return who.Run(who.home(), args);
  }
  ProcessResult Ok(const MlvcClient& who, const std::vector<std::string>& args) const {
    ProcessResult r = Run(who, args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == 0);
    return r;
  }
  // Refused with exit `code` and exactly one "mlvc: " line on stderr.
  ProcessResult Refused(int code, const MlvcClient& who,
                        const std::vector<std::string>& args) const {
    ProcessResult r = Run(who, args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == code);
    REQUIRE_THAT(r.err, StartsWith("mlvc: "));
    REQUIRE(Lines(r.err).size() == 1);
    return r;
  }
  json Json(const MlvcClient& who, std::vector<std::string> args) const {
    args.push_back("--json");
    ProcessResult r = Ok(who, args);
    INFO(r.Describe());
    return json::parse(r.out);
  }

  // Creates a user with `mlvc admin user create` and returns its token (the last line).
  std::string CreateUser(const std::string& name) const {
    ProcessResult r = Ok(admin, {"admin", "user", "create", name});
    CHECK_THAT(r.out, Contains("shown once"));
    const std::string secret = LastLine(r.out);
    REQUIRE_FALSE(secret.empty());
    return secret;
  }
  // Creates a repository as the admin, with `path` committed on main.
  void CreateRepository(const std::string& name, const std::string& path = "notes.txt") const {
    Ok(admin, {"repo", "create", name});
    const std::string wc = admin.Sub("seed-" + name);
    MLVC_OK(admin, admin.home(), "checkout", server.address() + "/" + name, "seed-" + name);
    WriteFile(wc + "/" + path, "v1 of " + name + "\n");
    MLVC_OK(admin, wc, "add", path);
    MLVC_OK(admin, wc, "commit", "-m", "first file");
  }
  std::vector<std::string> RepositoryNames(const MlvcClient& who) const {
    std::vector<std::string> names;
    for (const json& repo : Json(who, {"repo", "list"})) names.push_back(repo["name"]);
    return names;
  }
  std::string Url(const std::string& repo) const { return server.address() + "/" + repo; }
};

TEST_CASE("a user granted nothing cannot see, check out or commit to a repository",
          "[e2e][access]") {
  Team t;
  // alice maintains resnet50 and commits to it.
  MlvcClient alice(t.CreateUser("alice"));
  t.CreateRepository("resnet50");
  CHECK_THAT(t.Ok(t.admin, {"admin", "grant", "alice", "maintainer", "--repo", "resnet50"}).out,
             Contains("alice is now maintainer of resnet50."));
  const std::string a = alice.Sub("wc");
  MLVC_OK(alice, alice.home(), "checkout", t.Url("resnet50"), "wc");
  WriteFile(a + "/train.py", "print('train')\n");
  MLVC_OK(alice, a, "add", "train.py");
  const int head = CommittedNumber(MLVC_OK(alice, a, "commit", "-m", "training script"));

  // bob, created and granted nothing.
  MlvcClient bob(t.CreateUser("bob"));
  CHECK(t.Ok(bob, {"repo", "list"}).out == "No repositories you can read.\n");
  CHECK(t.Json(bob, {"repo", "list"}) == json::array());

  // Checking it out is refused exactly like a repository that does not exist: no name leaks.
  auto checkout = MLVC_REFUSED(8, bob, bob.home(), "checkout", t.Url("resnet50"), "wc");
  CHECK_THAT(checkout.err, Contains("no repository 'resnet50' that you can read"));
  CHECK_FALSE(std::filesystem::exists(bob.Sub("wc")));
  auto missing = MLVC_REFUSED(8, bob, bob.home(), "checkout", t.Url("nosuch"), "wc");
  CHECK(missing.err == std::regex_replace(checkout.err, std::regex("resnet50"), "nosuch"));

  // Nor can bob read it any other way, or commit from a copy of alice's working copy.
  auto branches = t.Refused(8, bob, {"branch", "list", "--repo", "resnet50"});
  CHECK_THAT(branches.err, Contains("no repository 'resnet50' that you can read"));
  t.Refused(8, bob, {"diff", "main", "main", "--repo", "resnet50"});
  t.Refused(8, bob, {"branch", "create", "exp/bob", "--repo", "resnet50"});
  WriteFile(a + "/train.py", "print('bob was here')\n");
  auto commit = MLVC_REFUSED(8, bob, a, "commit", "-m", "not allowed");
  CHECK_THAT(commit.err, Contains("no repository 'resnet50' that you can read"));
  CHECK(HasLine(MLVC_OK(alice, a, "status").out, "M train.py"));  // the edit stays local
  MLVC_OK(alice, a, "revert", "train.py");
  CHECK(json::parse(MLVC_OK(alice, a, "log", "--json").out)[0]["number"] == head);

  // Nor create a repository (admins do), nor grant himself anything.
  auto create = t.Refused(8, bob, {"repo", "create", "mine"});
  CHECK_THAT(create.err, Contains("server admin"));
  t.Refused(8, bob, {"admin", "grant", "bob", "writer", "--repo", "resnet50"});
  CHECK(t.RepositoryNames(bob).empty());
}

TEST_CASE("roles granted and revoked with mlvc admin decide what a user may do",
          "[e2e][access]") {
  Team t;
  t.CreateRepository("resnet50");
  MlvcClient bob(t.CreateUser("bob"));

  // reader: sees it (with the role in `repo list`), checks out, cannot commit.
  t.Ok(t.admin, {"admin", "grant", "bob", "reader", "--repo", "resnet50"});
  json repos = t.Json(bob, {"repo", "list"});
  REQUIRE(repos.size() == 1);
  CHECK(repos[0]["name"] == "resnet50");
  CHECK(repos[0]["role"] == "reader");
  CHECK(repos[0]["default_role"] == "none");
  CHECK(HasLine(t.Ok(bob, {"repo", "list"}).out, "resnet50    reader  none"));
  const std::string b = bob.Sub("wc");
  MLVC_OK(bob, bob.home(), "checkout", t.Url("resnet50"), "wc");
  WriteFile(b + "/notes.txt", "v2 by bob\n");
  auto refused = MLVC_REFUSED(8, bob, b, "commit", "-m", "as a reader");
  CHECK_THAT(refused.err, Contains("writer role on repository 'resnet50'"));

  // writer, replacing reader: the same commit lands.
  t.Ok(t.admin, {"admin", "grant", "bob", "writer", "--repo", "resnet50"});
  CommittedNumber(MLVC_OK(bob, b, "commit", "-m", "as a writer"));
  CHECK(t.Json(bob, {"repo", "list"})[0]["role"] == "writer");

  json roles = t.Json(t.admin, {"admin", "roles", "--repo", "resnet50"});
  CHECK(roles["repository"] == "resnet50");
  CHECK(roles["default_role"] == "none");
  CHECK(RolesOf(roles) == Grants{{"admin", "maintainer"}, {"bob", "writer"}});  // + creator
  auto table = t.Ok(t.admin, {"admin", "roles", "--user", "bob"});
  CHECK_THAT(table.out, Contains("REPOSITORY  USER  ROLE    GRANTED"));
  CHECK_THAT(table.out, Contains("resnet50    bob   writer  "));

  // Revoked: gone from bob's list, and reading is refused again.
  CHECK_THAT(t.Ok(t.admin, {"admin", "revoke", "bob", "--repo", "resnet50"}).out,
             Contains("bob has no role of their own on resnet50"));
  CHECK(t.RepositoryNames(bob).empty());
  MLVC_REFUSED(8, bob, b, "update");
  CHECK(RolesOf(t.Json(t.admin, {"admin", "roles", "--repo", "resnet50"})) ==
        Grants{{"admin", "maintainer"}});
  auto again = t.Refused(4, t.admin, {"admin", "revoke", "bob", "--repo", "resnet50"});
  CHECK_THAT(again.err, Contains("bob"));
}

TEST_CASE("maintainers grant roles on their own repositories and on no other",
          "[e2e][access]") {
  Team t;
  t.CreateRepository("mine");
  t.CreateRepository("theirs");
  MlvcClient carol(t.CreateUser("carol"));
  MlvcClient dave(t.CreateUser("dave"));
  t.Ok(t.admin, {"admin", "grant", "carol", "maintainer", "--repo", "mine"});

  // On her repository: grant, list, audit, revoke, default role.
  t.Ok(carol, {"admin", "grant", "dave", "writer", "--repo", "mine"});
  CHECK(t.Json(dave, {"repo", "list"})[0]["role"] == "writer");
  CHECK(RolesOf(t.Json(carol, {"admin", "roles", "--repo", "mine"})) ==
        Grants{{"admin", "maintainer"}, {"carol", "maintainer"}, {"dave", "writer"}});
  json audit = t.Json(carol, {"admin", "audit", "--repo", "mine", "--action", "role.grant"});
  REQUIRE(audit.size() == 2);  // the admin's grant to carol, then carol's to dave
  CHECK(audit[0]["user"] == "carol");
  CHECK(audit[0]["repository"] == "mine");
  CHECK(audit[1]["user"] == "admin");
  t.Ok(carol, {"admin", "revoke", "dave", "--repo", "mine"});
  CHECK(t.RepositoryNames(dave).empty());

  // On a repository she cannot read: the same answer as one that does not exist.
  auto unseen = t.Refused(8, carol, {"admin", "grant", "dave", "writer", "--repo", "theirs"});
  CHECK_THAT(unseen.err, Contains("no repository 'theirs' that you can read"));
  // On one she only reads: told which role she lacks.
  t.Ok(t.admin, {"admin", "grant", "carol", "reader", "--repo", "theirs"});
  auto reader = t.Refused(8, carol, {"admin", "grant", "dave", "writer", "--repo", "theirs"});
  CHECK_THAT(reader.err, Contains("maintainer role on repository 'theirs'"));
  t.Refused(8, carol, {"admin", "revoke", "carol", "--repo", "theirs"});
  t.Refused(8, carol, {"admin", "roles", "--repo", "theirs"});
  t.Refused(8, carol, {"admin", "audit", "--repo", "theirs"});
  t.Refused(8, carol, {"repo", "set", "theirs", "--default-role", "writer"});
  CHECK(t.RepositoryNames(dave).empty());

  // Listings across every repository, and users, are server admins'.
  auto all_roles = t.Refused(8, carol, {"admin", "roles"});
  CHECK_THAT(all_roles.err, Contains("--repo"));
  t.Refused(8, carol, {"admin", "audit"});
  auto users = t.Refused(8, carol, {"admin", "user", "list"});
  CHECK_THAT(users.err, Contains("server admin"));
  t.Refused(8, carol, {"admin", "user", "create", "eve"});
  t.Refused(8, carol, {"admin", "user", "disable", "dave"});
  json every = t.Json(t.admin, {"admin", "roles", "--user", "carol"});
  CHECK(every["repository"].is_null());
  CHECK(every["default_role"].is_null());
  REQUIRE(every["roles"].size() == 2);  // on both repositories
  CHECK(t.Json(t.admin, {"admin", "roles"})["roles"].size() == 4);  // + the creator's two
}

TEST_CASE("a repository's default role opens it to every signed-in user", "[e2e][access]") {
  Team t;
  t.CreateRepository("open");
  MlvcClient carol(t.CreateUser("carol"));  // its maintainer
  MlvcClient dave(t.CreateUser("dave"));    // granted nothing
  MlvcClient erin(t.CreateUser("erin"));    // a writer, not a maintainer
  t.Ok(t.admin, {"admin", "grant", "carol", "maintainer", "--repo", "open"});
  t.Ok(t.admin, {"admin", "grant", "erin", "writer", "--repo", "open"});
  CHECK(t.RepositoryNames(dave).empty());

  auto set = t.Ok(carol, {"repo", "set", "open", "--default-role", "reader"});
  CHECK_THAT(set.out, Contains("Default role of open is now reader"));
  json repos = t.Json(dave, {"repo", "list"});
  REQUIRE(repos.size() == 1);
  CHECK(repos[0]["role"] == "reader");
  CHECK(repos[0]["default_role"] == "reader");
  const std::string d = dave.Sub("wc");
  MLVC_OK(dave, dave.home(), "checkout", t.Url("open"), "wc");
  WriteFile(d + "/notes.txt", "dave's\n");
  MLVC_REFUSED(8, dave, d, "commit", "-m", "as everyone");
  // A higher role of one's own still counts.
  CHECK(t.Json(erin, {"repo", "list"})[0]["role"] == "writer");

  json writer = t.Json(carol, {"repo", "set", "open", "--default-role", "writer"});
  CHECK(writer["default_role"] == "writer");
  CommittedNumber(MLVC_OK(dave, d, "commit", "-m", "as everyone"));
  CHECK(t.Json(t.admin, {"admin", "roles", "--repo", "open"})["default_role"] == "writer");

  // Only maintainers change it, and never to maintainer.
  t.Refused(8, erin, {"repo", "set", "open", "--default-role", "none"});
  auto bad = t.Refused(5, carol, {"repo", "set", "open", "--default-role", "maintainer"});
  CHECK_THAT(bad.err, Contains("none, reader or writer"));
  t.Refused(2, carol, {"repo", "set", "open"});

  t.Ok(carol, {"repo", "set", "open", "--default-role", "none"});
  CHECK(t.RepositoryNames(dave).empty());
  MLVC_REFUSED(8, dave, d, "update");
}

TEST_CASE("tokens are created, listed without secrets, and revoked", "[e2e][tokens]") {
  Team t;
  t.CreateRepository("r");
  const std::string first = t.CreateUser("bob");
  MlvcClient bob(first);
  t.Ok(t.admin, {"admin", "grant", "bob", "reader", "--repo", "r"});

  // An admin issues bob a second token; its secret is printed once, on the last line.
  auto created = t.Ok(t.admin, {"admin", "token", "create", "bob", "--name", "laptop",
                                "--expires", "30d"});
  CHECK_THAT(created.out, Contains("for bob, expiring "));
  const std::string laptop_secret = LastLine(created.out);
  MlvcClient laptop(laptop_secret);
  json who = t.Json(laptop, {"whoami"});
  CHECK(who["name"] == "bob");
  CHECK(who["kind"] == "user");
  const int64_t laptop_id = who["token_id"];
  CHECK_THAT(t.Ok(laptop, {"whoami"}).out,
             Contains("bob (user) on " + t.server.address() + ", token " +
                      std::to_string(laptop_id)));

  // Lists: ids, names, expiry, last use; never a secret.
  auto listed = t.Ok(t.admin, {"admin", "token", "list", "bob"});
  CHECK_THAT(listed.out, Contains("ID  USER  NAME"));
  CHECK(listed.out.find(laptop_secret) == std::string::npos);
  CHECK(listed.out.find(first) == std::string::npos);
  json tokens = t.Json(bob, {"admin", "token", "list"});  // bob's own
  REQUIRE(tokens.size() == 2);
  CHECK(tokens.dump().find(laptop_secret) == std::string::npos);
  CHECK(tokens[0]["id"] == laptop_id);  // newest first
  CHECK(tokens[0]["name"] == "laptop");
  CHECK(tokens[0]["created_by"] == "admin");
  CHECK(tokens[0]["expires_at"].is_string());
  CHECK(tokens[0]["last_used_at"].is_string());  // whoami used it
  CHECK(tokens[0]["revoked_at"].is_null());
  CHECK(tokens[0]["state"] == "active");
  CHECK(tokens[1]["expires_at"].is_null());  // the first token never expires
  CHECK(t.Json(t.admin, {"admin", "token", "list", "--all"}).size() == 3);  // and admin's

  // bob manages his own tokens, and nobody else's.
  auto own = t.Ok(bob, {"admin", "token", "create", "--name", "ci"});
  CHECK_THAT(own.out, Contains("never expiring"));
  t.Refused(8, bob, {"admin", "token", "list", "admin"});
  t.Refused(8, bob, {"admin", "token", "create", "admin"});
  t.Refused(8, bob, {"admin", "token", "list", "--all"});
  const int64_t admin_token_id = t.Json(t.admin, {"whoami"})["token_id"];
  auto not_his = t.Refused(4, bob, {"admin", "token", "revoke", std::to_string(admin_token_id)});
  CHECK_THAT(not_his.err, Contains("no token " + std::to_string(admin_token_id) + " of yours"));
  t.Ok(t.admin, {"whoami"});  // still works

  // Revoked: refused from the next call on (exit 3), his other tokens still work.
  CHECK_THAT(t.Ok(t.admin, {"admin", "token", "revoke", std::to_string(laptop_id)}).out,
             Contains("Revoked token " + std::to_string(laptop_id) + " 'laptop' of bob."));
  auto revoked = t.Refused(3, laptop, {"repo", "list"});
  CHECK_THAT(revoked.err, Contains("revoked"));
  t.Refused(3, laptop, {"whoami"});
  MLVC_REFUSED(3, laptop, laptop.home(), "checkout", t.Url("r"), "wc");
  CHECK(t.RepositoryNames(bob) == std::vector<std::string>{"r"});
  json after = t.Json(bob, {"admin", "token", "list"});
  bool found = false;
  for (const json& token : after) {
    if (token["id"] != laptop_id) continue;
    found = true;
    CHECK(token["state"] == "revoked");
    CHECK(token["revoked_at"].is_string());
  }
  CHECK(found);
  CHECK_THAT(t.Ok(t.admin, {"admin", "token", "list", "bob"}).out, Contains("revoked"));

  // `mlvc login` checks the token with the server and says whose it is.
  MlvcClient fresh("");
  auto login = MLVC_OK(fresh, fresh.home(), "login", t.server.address(), "--token", first);
  CHECK_THAT(login.out, Contains("Logged in to " + t.server.address() + " as bob."));
  CHECK_THAT(MLVC_OK(fresh, fresh.home(), "whoami").out, Contains("bob (user)"));
  MlvcClient stale("");
  auto rejected =
      MLVC_REFUSED(3, stale, stale.home(), "login", t.server.address(), "--token", laptop_secret);
  CHECK_THAT(rejected.err, Contains("rejected"));
  CHECK_THAT(rejected.err, Contains("nothing was saved"));
  CHECK_FALSE(std::filesystem::exists(stale.Sub(".config/mlvc/credentials.json")));
}

TEST_CASE("a disabled user is refused on every call until enabled", "[e2e][users]") {
  Team t;
  t.CreateRepository("r");
  MlvcClient bob(t.CreateUser("bob"));
  t.Ok(t.admin, {"admin", "grant", "bob", "writer", "--repo", "r"});
  const std::string b = bob.Sub("wc");
  MLVC_OK(bob, bob.home(), "checkout", t.Url("r"), "wc");

  CHECK_THAT(t.Ok(t.admin, {"admin", "user", "disable", "bob"}).out, Contains("Disabled bob"));
  auto refused = t.Refused(3, bob, {"repo", "list"});
  CHECK_THAT(refused.err, Contains("user 'bob' is disabled"));
  t.Refused(3, bob, {"whoami"});
  WriteFile(b + "/notes.txt", "while disabled\n");
  MLVC_REFUSED(3, bob, b, "commit", "-m", "while disabled");
  auto no_token = t.Refused(6, t.admin, {"admin", "token", "create", "bob"});
  CHECK_THAT(no_token.err, Contains("disabled"));
  json users = t.Json(t.admin, {"admin", "user", "list"});
  REQUIRE(users.size() == 2);
  CHECK(users[1]["name"] == "bob");
  CHECK(users[1]["disabled"] == true);
  CHECK_THAT(t.Ok(t.admin, {"admin", "user", "list"}).out, Contains("bob    user   disabled"));

  // An admin cannot lock themselves out; users stay as they are on a refused call.
  auto self = t.Refused(6, t.admin, {"admin", "user", "disable", "admin"});
  CHECK_THAT(self.err, Contains("cannot disable yourself"));
  t.Refused(4, t.admin, {"admin", "user", "disable", "nobody"});

  t.Ok(t.admin, {"admin", "user", "enable", "bob"});
  CommittedNumber(MLVC_OK(bob, b, "commit", "-m", "enabled again"));
  CHECK(t.Json(t.admin, {"admin", "user", "list"})[1]["disabled"] == false);
}

TEST_CASE("a service account holds only tokens an admin issues and runs CI", "[e2e][users]") {
  Team t;
  t.CreateRepository("resnet50", "train.py");
  auto created = t.Ok(t.admin, {"admin", "user", "create", "ci-runner", "--service"});
  CHECK_THAT(created.out, Contains("Created service account ci-runner"));
  CHECK_THAT(created.out, Contains("mlvc admin token create ci-runner"));
  CHECK(Lines(created.out).size() == 1);  // no secret
  json shown = t.Json(t.admin, {"admin", "user", "list"});
  CHECK(shown[1]["name"] == "ci-runner");
  CHECK(shown[1]["kind"] == "service");

  auto issued = t.Json(t.admin, {"admin", "token", "create", "ci-runner", "--name", "runner-3",
                                 "--expires", "12h"});
  CHECK(issued["token"]["user"] == "ci-runner");
  CHECK(issued["token"]["name"] == "runner-3");
  CHECK(issued["token"]["expires_at"].is_string());
  MlvcClient ci(issued["secret"].get<std::string>());
  CHECK_THAT(t.Ok(ci, {"whoami"}).out, Contains("ci-runner (service account)"));

  // With a role it works like any user: a non-interactive checkout and commit.
  t.Refused(8, ci, {"branch", "list", "--repo", "resnet50"});
  t.Ok(t.admin, {"admin", "grant", "ci-runner", "writer", "--repo", "resnet50"});
  MLVC_OK(ci, ci.home(), "checkout", t.Url("resnet50"), "wc");
  WriteFile(ci.Sub("wc/model.pt"), "weights");
  MLVC_OK(ci, ci.Sub("wc"), "add", "model.pt");
  CommittedNumber(MLVC_OK(ci, ci.Sub("wc"), "commit", "-m", "trained"));

  // Its tokens are an admin's business, even its own.
  auto own = t.Refused(8, ci, {"admin", "token", "create", "--name", "more"});
  CHECK_THAT(own.err, Contains("service account"));
  t.Refused(8, ci, {"admin", "token", "list"});
  t.Refused(2, t.admin, {"admin", "user", "create", "root2", "--admin", "--service"});
  CHECK(t.Json(t.admin, {"admin", "token", "list", "ci-runner"}).size() == 1);
}

TEST_CASE("the audit log lists changes and refusals, with filters and pages",
          "[e2e][audit]") {
  Team t;
  t.CreateRepository("a");
  t.CreateRepository("b");
  MlvcClient bob(t.CreateUser("bob"));
  t.Ok(t.admin, {"admin", "grant", "bob", "reader", "--repo", "a"});
  const std::string w = bob.Sub("wc");
  MLVC_OK(bob, bob.home(), "checkout", t.Url("a"), "wc");
  t.Refused(8, bob, {"branch", "create", "exp/bob", "--repo", "a"});
  t.Ok(t.admin, {"admin", "grant", "bob", "writer", "--repo", "a"});
  t.Ok(bob, {"branch", "create", "exp/bob", "--repo", "a"});
  WriteFile(w + "/notes.txt", "by a writer\n");
  CommittedNumber(MLVC_OK(bob, w, "commit", "-m", "accepted"));

  json all = t.Json(t.admin, {"admin", "audit", "-n", "1000"});
  REQUIRE(all.size() > 8);
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1]["id"] > all[i]["id"]);  // newest first

  // bob's branch creations: the accepted one, and the refused one with its reason.
  json created = t.Json(t.admin, {"admin", "audit", "--user", "bob", "--action", "branch.create"});
  REQUIRE(created.size() == 2);
  CHECK(created[0]["result"] == "ok");
  CHECK(created[0]["repository"] == "a");
  CHECK(created[0]["token_id"].get<int64_t>() > 0);
  CHECK_THAT(created[1]["result"].get<std::string>(),
             StartsWith("refused: PERMISSION_DENIED: "));
  CHECK_THAT(created[1]["result"].get<std::string>(), Contains("writer role"));
  CHECK_THAT(created[1]["client_addr"].get<std::string>(), Contains("127.0.0.1"));
  json submits = t.Json(t.admin, {"admin", "audit", "--user", "bob", "--action", "submit"});
  REQUIRE(submits.size() == 1);
  CHECK(submits[0]["result"] == "ok");

  // By repository, by action, by time.
  json on_b = t.Json(t.admin, {"admin", "audit", "--repo", "b"});
  REQUIRE_FALSE(on_b.empty());
  for (const json& e : on_b) CHECK(e["repository"] == "b");
  json grants = t.Json(t.admin, {"admin", "audit", "--action", "role.grant"});
  REQUIRE(grants.size() == 2);
  CHECK_THAT(grants[0]["target"].get<std::string>(), Contains("bob"));
  CHECK(t.Json(t.admin, {"admin", "audit", "--since", "1h"}).size() == all.size());
  CHECK(t.Json(t.admin, {"admin", "audit", "--since", "2999-01-01"}).empty());
  CHECK(t.Json(t.admin, {"admin", "audit", "--since", "2000-01-01T00:00:00Z"}).size() ==
        all.size());

  // Pages: -n N, then --after the last id, until a short page; together, the whole log.
  std::vector<int64_t> paged;
  int64_t after = 0;
  for (int page = 0; page < 100; ++page) {
    std::vector<std::string> args = {"admin", "audit", "-n", "3"};
    if (after != 0) args.insert(args.end(), {"--after", std::to_string(after)});
    json rows = t.Json(t.admin, args);
    CHECK(rows.size() <= 3);
    for (const json& e : rows) paged.push_back(e["id"]);
    if (rows.size() < 3) break;
    after = rows.back()["id"];
  }
  std::vector<int64_t> expected;
  for (const json& e : all) expected.push_back(e["id"]);
  CHECK(paged == expected);
  auto human = t.Ok(t.admin, {"admin", "audit", "-n", "3"});
  CHECK_THAT(human.out, Contains("ID  TIME"));
  CHECK_THAT(human.out, Contains("More may follow: add --after " +
                                 std::to_string(expected[2]) + " for the next page."));
  CHECK(t.Ok(t.admin, {"admin", "audit", "--action", "no.such"}).out == "No audit records.\n");
}

TEST_CASE("every user-caused error of the admin commands is one sentence and its exit code",
          "[e2e][errors]") {
  Team t;
  t.CreateRepository("r");
  MlvcClient bob(t.CreateUser("bob"));
  struct Case {
    int code;
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      // usage (2): missing or bad arguments and flags
      {2, {"admin"}, "subcommand"},
      {2, {"admin", "user"}, "subcommand"},
      {2, {"admin", "frobnicate"}, ""},
      {2, {"admin", "user", "create"}, "NAME"},
      {2, {"admin", "grant", "bob", "writer"}, "--repo"},
      {2, {"admin", "revoke", "bob"}, "--repo"},
      {2, {"admin", "token", "revoke", "abc"}, "'abc' is not a token id"},
      {2, {"admin", "token", "revoke", "0"}, "'0' is not a token id"},
      {2, {"admin", "token", "list", "bob", "--all"}, "not both"},
      {2, {"admin", "audit", "-n", "0"}, ""},
      {2, {"admin", "audit", "-n", "1001"}, ""},
      {2, {"admin", "audit", "--after", "-1"}, ""},
      {2, {"admin", "user", "create", "x", "--admin", "--service"}, "service account"},
      {2, {"repo", "set", "r"}, "--default-role"},
      // invalid input (5)
      {5, {"admin", "user", "create", "bad name!"}, "user name"},
      {5, {"admin", "grant", "bob", "owner", "--repo", "r"}, "unknown role 'owner'"},
      {5, {"admin", "token", "create", "bob", "--expires", "soon"}, "not a token lifetime"},
      {5, {"admin", "token", "create", "bob", "--expires", "0d"}, "not a token lifetime"},
      {5, {"admin", "token", "create", "bob", "--name", std::string(256, 'n')}, "255"},
      {5, {"admin", "audit", "--since", "yesterday"}, "neither a duration"},
      {5, {"repo", "set", "r", "--default-role", "everyone"}, "unknown default role"},
      // not found (4)
      {4, {"admin", "grant", "nobody", "reader", "--repo", "r"}, "nobody"},
      {4, {"admin", "grant", "bob", "reader", "--repo", "nosuch"}, "no repository 'nosuch'"},
      {4, {"admin", "token", "list", "nobody"}, "nobody"},
      {4, {"admin", "token", "revoke", "999999"}, "no token 999999"},
      {4, {"admin", "user", "enable", "nobody"}, "nobody"},
      {4, {"admin", "audit", "--user", "nobody"}, "nobody"},
      {4, {"admin", "roles", "--repo", "nosuch"}, "nosuch"},
      // already exists (11)
      {11, {"admin", "user", "create", "bob"}, "bob"},
  };
  for (const Case& c : cases) {
    std::string shown;
    for (const std::string& a : c.args) shown += a.substr(0, 40) + " ";
    INFO(shown);
    ProcessResult r = t.Refused(c.code, t.admin, c.args);
    if (!c.says.empty()) CHECK_THAT(r.err, Contains(c.says));
  }
  CHECK(t.Json(t.admin, {"admin", "user", "list"}).size() == 2);  // nothing was created

  // Without a token (3), with a bad one (3), or without a reachable server (7).
  MlvcClient nobody("");
  auto not_logged_in = nobody.Run(nobody.home(), {"admin", "user", "list"});
  CHECK(not_logged_in.exit_code == 3);
  CHECK_THAT(not_logged_in.err, Contains("not logged in"));
  CHECK(nobody.Run(nobody.home(), {"whoami"}).exit_code == 3);
  MlvcClient forger("mlvc_not-a-real-token");
  auto forged = t.Refused(3, forger, {"whoami"});
  CHECK_THAT(forged.err, Contains("unknown token"));
  CHECK_THAT(forged.err, Contains("mlvc login"));
  const std::string closed = "127.0.0.1:" + std::to_string(FreeLocalPort());
  auto unreachable = t.admin.Run(t.admin.home(), {"whoami", "--server", closed});
  CHECK(unreachable.exit_code == 7);
  CHECK(t.admin.Run(t.admin.home(), {"admin", "user", "list", "--server", closed}).exit_code ==
        7);

  // Help exists for each command and names its exit codes.
  for (const std::vector<std::string>& help :
       std::vector<std::vector<std::string>>{{"help", "admin"},
                                             {"admin", "user", "create", "--help"},
                                             {"admin", "token", "create", "--help"},
                                             {"admin", "token", "list", "--help"},
                                             {"admin", "grant", "--help"},
                                             {"admin", "audit", "--help"},
                                             {"repo", "set", "--help"},
                                             {"whoami", "--help"}}) {
    ProcessResult r = bob.Run(bob.home(), help);
    INFO(r.Describe());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Examples:"));
    CHECK_THAT(r.out, Contains("Exit codes:"));
  }
}

}  // namespace
}  // namespace mlvc::testing
