// Schema migrations: applies the SQL files embedded from migrations/ (mlvc_migrations) and
// checks that a database's schema is the one this binary knows.
// Requires: libpqxx (not exposed here). Used by: `mlvcd migrate` (Migrate) and
// `mlvcd serve` (CheckSchema, refusing to start on a mismatch).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace mlvc::server::store {

// Applies every embedded migration not yet recorded in schema_migrations, in version order,
// each in its own transaction, all under one Postgres advisory lock so that migrators
// started at the same time do not race. Idempotent: OK and no change when up to date.
// Returns UNAVAILABLE when the database cannot be reached, FAILED_PRECONDITION when the
// database records a migration this binary does not know (it is newer), INTERNAL when a
// migration's SQL fails (that migration is rolled back; earlier ones stay applied).
absl::Status Migrate(const std::string& uri);

// Migrate, stopping after migration `last_version`: a database as the mlvcd of that schema
// left it, for the tests that upgrade one holding data.
absl::Status MigrateThrough(const std::string& uri, int last_version);

// OK when the database holds exactly the embedded migrations. FAILED_PRECONDITION
// "database is not migrated; run 'mlvcd migrate'" when some are missing, and
// FAILED_PRECONDITION naming the unknown versions when the database is newer than this
// binary. UNAVAILABLE when the database cannot be reached.
absl::Status CheckSchema(const std::string& uri);

}  // namespace mlvc::server::store
