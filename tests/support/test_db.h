// Fresh, empty Postgres databases for tests, made on the server named by MLVC_TEST_DB
// (which the CTest "postgres" fixture starts). Test code only: it may use libpqxx directly.
#pragma once

#include <string>

namespace mlvc::testing {

// Creates a new uniquely named database and returns its URI; it is dropped when this
// process exits. Throws (failing the test)
// when MLVC_TEST_DB is unset or the server cannot be reached: a missing server is a test
// failure, never a skip.
std::string FreshDatabaseUri();

}  // namespace mlvc::testing
