#include "tests/support/test_db.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace mlvc::testing {
namespace {

// The databases this process made, dropped when it exits. Each is a copy of the template
// (about 8 MB) and a test run makes one or more per test case: kept, they came to 4 GB in
// the throwaway server's folder by the end of a run, on disks CI shares with two build trees.
class CreatedDatabases {
 public:
  void Add(const std::string& admin_uri, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    created_.emplace_back(admin_uri, name);
  }

  ~CreatedDatabases() {
    for (const auto& [admin_uri, name] : created_) {
      try {
        pqxx::connection admin(admin_uri);
        pqxx::nontransaction tx(admin);
        // FORCE: a server process of an end-to-end test that did not stop must not keep it.
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
      } catch (const std::exception&) {
        // The server is gone already: nothing to do at exit, and no one to tell.
      }
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> created_;
};

CreatedDatabases& Created() {
  static CreatedDatabases created;
  return created;
}

}  // namespace

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
  Created().Add(admin_uri, name);
  std::string uri(admin_uri);
  const size_t slash = uri.rfind('/');
  const size_t query = uri.find('?', slash);
  return uri.substr(0, slash + 1) + name + (query == std::string::npos ? "" : uri.substr(query));
}

}  // namespace mlvc::testing
