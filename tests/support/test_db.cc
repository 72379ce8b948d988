#include "tests/support/test_db.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace mlvc::testing {

std::string FreshDatabaseUri() {
  const char* admin_uri = std::getenv("MLVC_TEST_DB");
  if (admin_uri == nullptr || *admin_uri == '\0') {
    throw std::runtime_error("MLVC_TEST_DB is not set: run the tests through ctest");
  }
  static std::atomic<int> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string name =
      absl::StrCat("mlvc_t_", getpid(), "_", counter++, "_", now % 1000000007);
  {
    pqxx::connection admin(admin_uri);
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  std::string uri(admin_uri);
  const size_t slash = uri.rfind('/');
  const size_t query = uri.find('?', slash);
  return uri.substr(0, slash + 1) + name + (query == std::string::npos ? "" : uri.substr(query));
}

}  // namespace mlvc::testing
