#include "server/store/postgres/migrator.h"

#include <limits>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "migrations/embedded_migrations.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store {
namespace {

// Key of the session advisory lock every migrator holds while it works ("mlvcmig" in ASCII).
constexpr int64_t kMigrationLockKey = 0x6d6c76636d6967;

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version     integer     PRIMARY KEY,"
    "  name        text        NOT NULL,"
    "  applied_at  timestamptz NOT NULL DEFAULT now())";

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& uri) {
  try {
    return std::make_unique<pqxx::connection>(uri);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the metadata database: ", e.what()));
  }
}

// Versions recorded in schema_migrations; empty when the table does not exist.
std::set<int> AppliedVersions(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  std::set<int> versions;
  if (tx.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>()) {
    return versions;
  }
  for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
    versions.insert(row[0].as<int>());
  }
  return versions;
}

std::vector<int> UnknownVersions(const std::set<int>& applied) {
  std::set<int> known;
  for (const auto& m : migrations::All()) known.insert(m.version);
  std::vector<int> unknown;
  for (int v : applied) {
    if (!known.contains(v)) unknown.push_back(v);
  }
  return unknown;
}

absl::Status NewerThanBinary(const std::vector<int>& unknown) {
  return absl::FailedPreconditionError(
      absl::StrCat("the database has schema migrations this mlvcd does not know (versions ",
                   absl::StrJoin(unknown, ", "), "): it is newer than this binary"));
}

absl::Status MigrateLocked(pqxx::connection& conn, int last_version) {
  {
    pqxx::nontransaction tx(conn);
    tx.exec(kCreateSchemaMigrations);
  }
  const std::set<int> applied = AppliedVersions(conn);
  if (auto unknown = UnknownVersions(applied); !unknown.empty()) return NewerThanBinary(unknown);
  for (const auto& m : migrations::All()) {
    if (m.version > last_version) break;
    if (applied.contains(m.version)) continue;
    internal::ErrorFlags flags;
    absl::Status s = internal::Guard(
        absl::StrCat("migration ", m.version, "_", std::string(m.name)), &flags, [&]() -> absl::Status {
          pqxx::work tx(conn);
          tx.exec(std::string(m.sql));
          tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                         m.version, std::string(m.name));
          tx.commit();
          return absl::OkStatus();
        });
    if (!s.ok()) {
      // A migration that does not apply is a defect of the migration, whatever SQLSTATE said.
      if (s.code() == absl::StatusCode::kUnavailable) return s;
      return absl::InternalError(s.message());
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(const std::string& uri) {
  return MigrateThrough(uri, std::numeric_limits<int>::max());
}

absl::Status MigrateThrough(const std::string& uri, int last_version) {
  auto conn_or = Connect(uri);
  if (!conn_or.ok()) return conn_or.status();
  pqxx::connection& conn = **conn_or;
  internal::ErrorFlags flags;
  return internal::Guard("migrate", &flags, [&]() -> absl::Status {
    {
      pqxx::nontransaction tx(conn);
      tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    }
    absl::Status status = MigrateLocked(conn, last_version);
    // Closing the session would release the lock too; unlocking says so explicitly.
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    return status;
  });
}

absl::Status CheckSchema(const std::string& uri) {
  auto conn_or = Connect(uri);
  if (!conn_or.ok()) return conn_or.status();
  internal::ErrorFlags flags;
  return internal::Guard("check schema", &flags, [&]() -> absl::Status {
    const std::set<int> applied = AppliedVersions(**conn_or);
    if (auto unknown = UnknownVersions(applied); !unknown.empty()) {
      return NewerThanBinary(unknown);
    }
    for (const auto& m : migrations::All()) {
      if (!applied.contains(m.version)) {
        return absl::FailedPreconditionError("database is not migrated; run 'mlvcd migrate'");
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::store
