#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "common/hash/sha256.h"
#include "common/tree/tree_node.h"
#include "migrations/embedded_migrations.h"
#include "server/store/metadata_store.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "server/store/postgres/migrator.h"
#include "tests/support/test_db.h"

namespace mlvc::server::store {
namespace {

int CountMigrationRows(const std::string& uri) {
  pqxx::connection conn(uri);
  pqxx::nontransaction tx(conn);
  return tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<int>();
}

TEST_CASE("embedded migrations are sorted and start at 1", "[migrations]") {
  const auto& all = migrations::All();
  REQUIRE_FALSE(all.empty());
  CHECK(all.front().version == 1);
  CHECK(all.front().name == "init");
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].version < all[i].version);
  CHECK(all.front().sql.find("CREATE TABLE changesets") != std::string_view::npos);
}

TEST_CASE("CheckSchema fails before Migrate and passes after", "[postgres][migrations]") {
  const std::string uri = mlvc::testing::FreshDatabaseUri();
  absl::Status before = CheckSchema(uri);
  CHECK(before.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(before.message() == "database is not migrated; run 'mlvcd migrate'");
  REQUIRE(Migrate(uri).ok());
  CHECK(CheckSchema(uri).ok());
}

TEST_CASE("Migrate twice is a no-op the second time", "[postgres][migrations]") {
  const std::string uri = mlvc::testing::FreshDatabaseUri();
  REQUIRE(Migrate(uri).ok());
  std::string applied_at_first;
  {
    pqxx::connection conn(uri);
    pqxx::nontransaction tx(conn);
    applied_at_first = tx.exec1("SELECT max(applied_at)::text FROM schema_migrations")[0].c_str();
  }
  absl::Status again = Migrate(uri);
  INFO(again.ToString());
  REQUIRE(again.ok());
  CHECK(CountMigrationRows(uri) == static_cast<int>(migrations::All().size()));
  pqxx::connection conn(uri);
  pqxx::nontransaction tx(conn);
  CHECK(tx.exec1("SELECT max(applied_at)::text FROM schema_migrations")[0].c_str() ==
        applied_at_first);
}

TEST_CASE("concurrent migrators both succeed and apply the schema once",
          "[postgres][migrations]") {
  const std::string uri = mlvc::testing::FreshDatabaseUri();
  absl::Status a, b;
  std::thread ta([&] { a = Migrate(uri); });
  std::thread tb([&] { b = Migrate(uri); });
  ta.join();
  tb.join();
  INFO(a.ToString() << " / " << b.ToString());
  CHECK(a.ok());
  CHECK(b.ok());
  CHECK(CountMigrationRows(uri) == static_cast<int>(migrations::All().size()));
  CHECK(CheckSchema(uri).ok());
}

TEST_CASE("a database the first schema holds data in is upgraded to this one, data kept",
          "[postgres][migrations]") {
  const std::string uri = mlvc::testing::FreshDatabaseUri();
  REQUIRE(MigrateThrough(uri, 1).ok());
  CHECK(CountMigrationRows(uri) == 1);
  // What the first mlvcd wrote: users, a token, a repository with two changesets on main,
  // an audit row. No roles: every signed-in user could write.
  const std::string token_hash = common::Sha256Hex("bob's secret");
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    tx.exec("INSERT INTO users (name, is_admin) VALUES ('alice', true), ('bob', false)");
    tx.exec_params("INSERT INTO tokens (user_id, hash, label) "
                   "SELECT id, $1, 'laptop' FROM users WHERE name = 'bob'",
                   token_hash);
    tx.exec_params("INSERT INTO tree_nodes (hash, encoded) VALUES ($1, $2)",
                   common::EmptyTreeHash(),
                   pqxx::binarystring(common::EncodeTreeNode({})));
    tx.exec("INSERT INTO repositories (name, created_by, last_number) "
            "SELECT 'legacy', id, 1 FROM users WHERE name = 'alice'");
    tx.exec_params(
        "INSERT INTO changesets (repo_id, number, parent, root_tree, author_id, message) "
        "SELECT r.id, 0, NULL, $1, u.id, 'root' FROM repositories r, users u "
        "WHERE u.name = 'alice'",
        common::EmptyTreeHash());
    tx.exec_params(
        "INSERT INTO changesets (repo_id, number, parent, root_tree, author_id, message) "
        "SELECT r.id, 1, 0, $1, u.id, 'second' FROM repositories r, users u "
        "WHERE u.name = 'bob'",
        common::EmptyTreeHash());
    tx.exec("INSERT INTO branches (repo_id, name, head) SELECT id, 'main', 1 FROM repositories");
    tx.exec("INSERT INTO audit (user_id, action, repo_id, result) "
            "SELECT u.id, 'submit', r.id, 'ok' FROM users u, repositories r WHERE u.name = 'bob'");
    tx.commit();
  }

  absl::Status upgraded = Migrate(uri);
  INFO(upgraded.ToString());
  REQUIRE(upgraded.ok());
  REQUIRE(CheckSchema(uri).ok());

  auto store = PostgresMetadataStore::Open(uri, 1);
  REQUIRE(store.ok());
  absl::Status checked = (*store)->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    auto legacy = txn.GetRepository("legacy");
    REQUIRE(legacy.ok());
    auto alice = txn.GetUserByName("alice");
    auto bob = txn.GetUserByName("bob");
    REQUIRE(alice.ok());
    REQUIRE(bob.ok());
    // Nobody lost what they could do: the creator maintains it, everyone else still writes.
    auto alice_role = txn.GetRole(legacy->id, alice->id);
    REQUIRE(alice_role.ok());
    CHECK(alice_role->role == Role::kMaintainer);
    auto bob_role = txn.GetRole(legacy->id, bob->id);
    REQUIRE(bob_role.ok());
    CHECK_FALSE(bob_role->role.has_value());
    CHECK(bob_role->default_role == Role::kWriter);
    // The token still signs bob in; the history reads as it was written.
    auto token = txn.LookupToken(token_hash);
    REQUIRE(token.ok());
    CHECK(token->user.name == "bob");
    CHECK_FALSE(token->revoked);
    auto second = txn.GetChangeset(legacy->id, 1);
    REQUIRE(second.ok());
    CHECK(second->message == "second");
    CHECK(second->parent == std::optional<int64_t>(0));
    auto main = txn.GetBranch(legacy->id, "main", false);
    REQUIRE(main.ok());
    CHECK(main->head == 1);
    // A repository made from now on is closed until a role or a default opens it.
    auto fresh = txn.CreateRepository("fresh", alice->id);
    REQUIRE(fresh.ok());
    CHECK_FALSE(fresh->default_role.has_value());
    return absl::OkStatus();
  });
  INFO(checked.ToString());
  CHECK(checked.ok());

  pqxx::connection conn(uri);
  pqxx::nontransaction tx(conn);
  // Every changeset and branch was put on a first-parent line, and the audit row stayed.
  CHECK(tx.exec1("SELECT count(*) FROM changesets WHERE fp_line IS NULL")[0].as<int>() == 0);
  CHECK(tx.exec1("SELECT count(*) FROM branches WHERE fp_line IS NULL")[0].as<int>() == 0);
  CHECK(tx.exec1("SELECT count(*) FROM audit WHERE action = 'submit'")[0].as<int>() == 1);
}

TEST_CASE("a database newer than the binary is refused", "[postgres][migrations]") {
  const std::string uri = mlvc::testing::FreshDatabaseUri();
  REQUIRE(Migrate(uri).ok());
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    tx.exec("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')");
    tx.commit();
  }
  absl::Status check = CheckSchema(uri);
  CHECK(check.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(check.message().find("9999") != std::string::npos);
  absl::Status migrate = Migrate(uri);
  CHECK(migrate.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(migrate.message().find("9999") != std::string::npos);
}

TEST_CASE("an unreachable database is UNAVAILABLE", "[postgres][migrations]") {
  // Port 1 on loopback: nothing listens there.
  const std::string uri = "postgresql://mlvc@127.0.0.1:1/nothing?connect_timeout=2";
  CHECK(Migrate(uri).code() == absl::StatusCode::kUnavailable);
  CHECK(CheckSchema(uri).code() == absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace mlvc::server::store
