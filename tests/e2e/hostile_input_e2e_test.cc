// End to end: injection and traversal strings in every name a user controls — repository,
// branch, label, path, metric key, message, environment, token name — through the real
// binaries. Each is either refused with one `mlvc: ` sentence and a usage or invalid-input
// exit code, or stored and shown back verbatim; never executed (the tables are still there)
// and never followed (nothing is written outside the working copy).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;

struct Hostile {
  const char* what;
  std::string text;
};

// What an attacker would type. NUL cannot pass through a command line; it is sent in files.
std::vector<Hostile> HostileNames() {
  return {
      {"SQL injection", "x'; DROP TABLE changesets; --"},
      {"traversal", "../../escape"},
      {"overlong UTF-8", "a\xC0\xAF" "b"},
      {"markup", "<script>alert(1)</script>"},
      {"64 KiB", std::string(64 * 1024, 'n')},
  };
}

// Whether `j` holds the string `s` as a value or a key, anywhere.
bool Holds(const nlohmann::json& j, const std::string& s) {
  if (j.is_string()) return j.get<std::string>() == s;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == s || Holds(value, s)) return true;
    }
  }
  if (j.is_array()) {
    for (const auto& value : j) {
      if (Holds(value, s)) return true;
    }
  }
  return false;
}

// A refusal is one `mlvc: ` sentence with a usage, not-found or invalid-input exit code.
void CheckCleanRefusal(const ProcessResult& r) {
  INFO(r.Describe());
  CHECK((r.exit_code == 2 || r.exit_code == 4 || r.exit_code == 5));
  CHECK(r.err.rfind("mlvc: ", 0) == 0);
  CHECK(r.err.find("internal") == std::string::npos);
}

// Runs `args`; when it succeeded, `listing` (a --json command) must show `name` verbatim.
// Returns whether it was accepted.
bool AcceptedVerbatimOrRefused(const MlvcClient& user, const std::string& cwd,
                               const std::vector<std::string>& args,
                               const std::vector<std::string>& listing,
                               const std::string& name) {
  const ProcessResult r = user.Run(cwd, args);
  if (r.exit_code != 0) {
    CheckCleanRefusal(r);
    return false;
  }
  const ProcessResult shown = user.Run(cwd, listing);
  INFO(shown.Describe());
  REQUIRE(shown.exit_code == 0);
  CHECK(Holds(nlohmann::json::parse(shown.out), name));
  return true;
}

TEST_CASE("hostile names are refused or kept verbatim, never executed or followed",
          "[e2e][hostile]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  const std::string home = user.home();
  MLVC_OK(user, home, "repo", "create", "target", "--server", server.address());
  MLVC_OK(user, home, "checkout", server.address() + "/target", "wc");
  const std::string wc = user.Sub("wc");
  WriteFile(wc + "/seed.txt", "seed\n");
  MLVC_OK(user, wc, "add", "seed.txt");
  MLVC_OK(user, wc, "commit", "-m", "seed");
  MLVC_OK(user, wc, "release", "create", "v1", "main");

  int accepted_messages = 0;
  for (const Hostile& h : HostileNames()) {
    INFO(h.what);
    AcceptedVerbatimOrRefused(user, home, {"repo", "create", h.text, "--server", server.address()},
                              {"repo", "list", "--json", "--server", server.address()}, h.text);
    AcceptedVerbatimOrRefused(user, wc, {"branch", "create", h.text},
                              {"branch", "list", "--json"}, h.text);
    AcceptedVerbatimOrRefused(user, wc, {"label", "create", h.text},
                              {"label", "list", "--json"}, h.text);
    AcceptedVerbatimOrRefused(user, wc, {"deploy", "v1", "--env", h.text},
                              {"deployments", "--json"}, h.text);
    AcceptedVerbatimOrRefused(user, wc,
                              {"run", "record", "--kind", "eval", "--metric", h.text + "=1"},
                              {"runs", "--json"}, h.text);
    // A message is free text: it must be kept exactly, or refused if it is not UTF-8.
    WriteFile(wc + "/seed.txt", std::string("seed ") + h.what + "\n");
    if (AcceptedVerbatimOrRefused(user, wc, {"commit", "-m", h.text}, {"log", "--json"},
                                  h.text)) {
      ++accepted_messages;
    } else {
      MLVC_OK(user, wc, "revert", "seed.txt");
    }
  }
  CHECK(accepted_messages >= 3);  // SQL, traversal, markup and 64 KiB are fine messages

  // Paths: a name with SQL and markup is an ordinary file; a traversal is refused before
  // anything is sent; a name too long for the file system cannot be added.
  const std::string sql_name = "x'; DROP TABLE changesets; --";
  fs::create_directories(wc + "/<script>alert(1)<");
  WriteFile(wc + "/" + sql_name, "sql\n");
  WriteFile(wc + "/<script>alert(1)</script>", "markup\n");
  MLVC_OK(user, wc, "add", sql_name, "<script>alert(1)<");
  MLVC_OK(user, wc, "commit", "-m", "odd names");
  WriteFile(home + "/escape", "outside\n");
  CheckCleanRefusal(user.Run(wc, {"add", "../escape"}));
  CheckCleanRefusal(user.Run(wc, {"add", std::string(64 * 1024, 'p')}));
  const auto log = nlohmann::json::parse(MLVC_OK(user, wc, "log", "--json").out);
  CHECK(Holds(log, sql_name));
  CHECK(Holds(log, "<script>alert(1)</script>"));

  // NUL in a metric key and a param, sent in files: refused or kept, never cut short.
  WriteFile(wc + "/metrics.json", std::string("{\"a\\u0000b\": 1}"));
  WriteFile(wc + "/params.json", std::string("{\"p\\u0000q\": \"v\"}"));
  for (const char* flag : {"--metrics", "--params"}) {
    const ProcessResult r =
        user.Run(wc, {"run", "record", "--kind", "eval", flag, wc + (std::string(flag) ==
                                                                             "--metrics"
                                                                         ? "/metrics.json"
                                                                         : "/params.json")});
    if (r.exit_code != 0) {
      CheckCleanRefusal(r);
    } else {
      const auto runs = nlohmann::json::parse(MLVC_OK(user, wc, "runs", "--json").out);
      CHECK_FALSE(Holds(runs, "a"));  // not cut at the NUL
      CHECK_FALSE(Holds(runs, "p"));
    }
  }

  // Token names go through the server host's tool, which answers like mlvc.
  for (const Hostile& h : HostileNames()) {
    INFO(h.what);
    const ProcessResult r = server.RunAdmin({"create-token", "admin", "--name", h.text});
    if (r.exit_code != 0) {
      INFO(r.Describe());
      CHECK(r.err.find("internal") == std::string::npos);
      CHECK_FALSE(r.err.empty());
    }
  }

  // Nothing was executed: the history is whole, and a fresh checkout holds every file
  // inside itself and nothing outside.
  MLVC_OK(user, home, "checkout", server.address() + "/target", "again");
  const std::string again = user.Sub("again");
  CHECK(ReadFile(again + "/" + sql_name) == "sql\n");
  CHECK(ReadFile(again + "/<script>alert(1)</script>") == "markup\n");
  CHECK(ReadFile(home + "/escape") == "outside\n");
  for (const auto& entry : fs::recursive_directory_iterator(again)) {
    const std::string rel = fs::relative(entry.path(), again).string();
    CHECK(rel.rfind("..", 0) != 0);
  }
  const auto final_log = nlohmann::json::parse(MLVC_OK(user, again, "log", "--json").out);
  CHECK(final_log.size() >= 3);
}

}  // namespace
}  // namespace mlvc::testing
