#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "migrations/embedded_migrations.h"
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
