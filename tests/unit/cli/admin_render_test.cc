// client/cli/admin_render: the JSON shapes of the admin commands (scripts parse them) and
// the human tables.
#include <catch2/catch.hpp>

#include <string>

#include "client/cli/admin_render.h"

namespace mlvc::client::cli {
namespace {

using Catch::Matchers::Contains;

constexpr int64_t kNow = 1700000000000000;  // 2023-11-14T22:13:20Z

remote::TokenInfo SampleToken() {
  remote::TokenInfo token;
  token.id = 12;
  token.user = "ci-runner";
  token.name = "runner-3";
  token.created_by = "alice";
  token.created_at_micros = kNow - 3600000000;
  token.expires_at_micros = kNow + 86400000000;
  return token;
}

TEST_CASE("a token's state: revoked wins over expired, which wins over active",
          "[admin_render]") {
  remote::TokenInfo token = SampleToken();
  CHECK(TokenState(token, kNow) == "active");
  token.expires_at_micros = 0;  // never expires
  CHECK(TokenState(token, kNow) == "active");
  token.expires_at_micros = kNow;
  CHECK(TokenState(token, kNow) == "expired");
  token.revoked_at_micros = kNow - 1;
  CHECK(TokenState(token, kNow) == "revoked");
}

TEST_CASE("TokenJson has the documented shape, nulls for none, and no secret",
          "[admin_render]") {
  nlohmann::json doc = TokenJson(SampleToken(), kNow);
  CHECK(doc["id"] == 12);
  CHECK(doc["user"] == "ci-runner");
  CHECK(doc["name"] == "runner-3");
  CHECK(doc["created_by"] == "alice");
  CHECK(doc["created_at"] == "2023-11-14T21:13:20.000000Z");
  CHECK(doc["expires_at"] == "2023-11-15T22:13:20.000000Z");
  CHECK(doc["last_used_at"].is_null());
  CHECK(doc["revoked_at"].is_null());
  CHECK(doc["state"] == "active");
  CHECK(doc.size() == 9);
  CHECK_FALSE(doc.contains("secret"));
}

TEST_CASE("UserJson and the users table say which kind of user", "[admin_render]") {
  remote::UserInfo admin{"alice", true, false, false, kNow};
  remote::UserInfo ci{"ci-runner", false, true, false, kNow};
  remote::UserInfo bob{"bob", false, false, true, kNow};
  CHECK(UserJson(admin)["kind"] == "admin");
  CHECK(UserJson(ci)["kind"] == "service");
  nlohmann::json doc = UserJson(bob);
  CHECK(doc["kind"] == "user");
  CHECK(doc["disabled"] == true);
  CHECK(doc["created_at"] == "2023-11-14T22:13:20.000000Z");
  const std::string table = UsersTable({admin, bob, ci});
  CHECK(table ==
        "NAME       KIND     STATE     CREATED\n"
        "alice      admin    enabled   2023-11-14 22:13:20 UTC\n"
        "bob        user     disabled  2023-11-14 22:13:20 UTC\n"
        "ci-runner  service  enabled   2023-11-14 22:13:20 UTC\n");
}

TEST_CASE("the tokens table: never for no expiry or use, - for no name", "[admin_render]") {
  remote::TokenInfo token = SampleToken();
  token.name.clear();
  token.expires_at_micros = 0;
  const std::string table = TokensTable({token}, kNow);
  CHECK_THAT(table, Contains("ID  USER       NAME  CREATED                  EXPIRES  LAST USED  STATE"));
  CHECK_THAT(table, Contains("12  ci-runner  -     2023-11-14 21:13:20 UTC  never    never      active"));
}

TEST_CASE("RolesJson: repository and default role null across repositories", "[admin_render]") {
  remote::RoleListingInfo listing;
  listing.roles = {{"resnet50", "bob", "writer", kNow}};
  nlohmann::json all = RolesJson("", listing);
  CHECK(all["repository"].is_null());
  CHECK(all["default_role"].is_null());
  REQUIRE(all["roles"].size() == 1);
  CHECK(all["roles"][0] == nlohmann::json{{"repository", "resnet50"},
                                          {"user", "bob"},
                                          {"role", "writer"},
                                          {"granted_at", "2023-11-14T22:13:20.000000Z"}});
  listing.default_role = "reader";
  nlohmann::json one = RolesJson("resnet50", listing);
  CHECK(one["repository"] == "resnet50");
  CHECK(one["default_role"] == "reader");
  CHECK(RolesTable(listing.roles) ==
        "REPOSITORY  USER  ROLE    GRANTED\n"
        "resnet50    bob   writer  2023-11-14 22:13:20 UTC\n");
}

TEST_CASE("AuditJson and the audit table", "[admin_render]") {
  remote::AuditEntryInfo entry;
  entry.id = 1480;
  entry.at_micros = kNow;
  entry.user = "bob";
  entry.token_id = 3;
  entry.action = "submit";
  entry.repository = "resnet50";
  entry.target = "main";
  entry.client_addr = "ipv4:127.0.0.1:5555";
  entry.result = "refused: PERMISSION_DENIED: you need the writer role";
  nlohmann::json doc = AuditJson(entry);
  CHECK(doc["id"] == 1480);
  CHECK(doc["at"] == "2023-11-14T22:13:20.000000Z");
  CHECK(doc["token_id"] == 3);
  CHECK(doc["client_addr"] == "ipv4:127.0.0.1:5555");
  CHECK(doc["result"] == entry.result);
  CHECK(doc.size() == 9);

  remote::AuditEntryInfo server_side;  // the server's command line: no user, no repository
  server_side.id = 1;
  server_side.at_micros = kNow;
  server_side.action = "role.grant";
  server_side.result = "ok";
  CHECK(AuditTable({entry, server_side}) ==
        "ID    TIME                     USER  ACTION      REPOSITORY  TARGET  RESULT\n"
        "1480  2023-11-14 22:13:20 UTC  bob   submit      resnet50    main    "
        "refused: PERMISSION_DENIED: you need the writer role\n"
        "1     2023-11-14 22:13:20 UTC  -     role.grant  -           -       ok\n");
}

TEST_CASE("repositories with the caller's role, and whoami", "[admin_render]") {
  remote::RepositoryInfo repo;
  repo.name = "resnet50";
  repo.created_by = "alice";
  repo.created_at_micros = kNow;
  repo.default_role = "none";
  repo.role = "writer";
  nlohmann::json doc = RepositoryJson(repo);
  CHECK(doc["role"] == "writer");
  CHECK(doc["default_role"] == "none");
  CHECK(RepositoriesTable({repo}) ==
        "REPOSITORY  ROLE    DEFAULT ROLE\n"
        "resnet50    writer  none\n");

  remote::WhoAmIInfo who;
  who.user.name = "ci-runner";
  who.user.service = true;
  who.token_id = 7;
  CHECK(WhoAmIText(who, "127.0.0.1:7070") ==
        "ci-runner (service account) on 127.0.0.1:7070, token 7");
}

}  // namespace
}  // namespace mlvc::client::cli
