// End to end through the real binaries: releases, deployments, rollback, environments as
// refs, and `mlvc watch` across two mlvcd replicas and a server shutdown.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

int CommittedNumber(const ProcessResult& r) {
  std::smatch m;
  INFO(r.Describe());
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(Committed changeset @(\d+)\.)")));
  return std::stoi(m[1].str());
}

// Repository "model" with model.txt on main, checked out in `wc`; alice is the admin (and so
// a maintainer), bob an ordinary user (a writer).
struct Demo {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};
  std::string bob_token = server.CreateUser("bob", false);
  MlvcClient bob{bob_token};
  std::string home = alice.home();
  std::string wc = alice.Sub("wc");

  Demo() {
    MLVC_OK(alice, home, "repo", "create", "model", "--server", server.address());
    server.Grant("bob", "model", "writer");
    MLVC_OK(alice, home, "checkout", server.address() + "/model", "wc");
  }

  int Commit(const std::string& text) {
    WriteFile(wc + "/model.txt", text);
    if (!std::filesystem::exists(wc + "/.added")) {
      MLVC_OK(alice, wc, "add", "model.txt");
      WriteFile(wc + "/.added", "");
      MLVC_OK(alice, wc, "add", ".added");
    }
    return CommittedNumber(MLVC_OK(alice, wc, "commit", "-m", "model " + text));
  }

  // `mlvc ARGS... --repo model --server ADDR` from `who`'s home.
  ProcessResult Run(const MlvcClient& who, std::vector<std::string> args) {
    args.insert(args.end(), {"--repo", "model", "--server", server.address()});
    return who.Run(who.home(), args);
  }
  nlohmann::json Json(const MlvcClient& who, std::vector<std::string> args) {
    args.push_back("--json");
    ProcessResult r = Run(who, args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }
  void Expect(int code, const MlvcClient& who, std::vector<std::string> args) {
    ProcessResult r = Run(who, args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == code);
    REQUIRE(r.err.rfind("mlvc: ", 0) == 0);
  }
};

TEST_CASE("release - deploy - rollback and the environment as a ref", "[e2e][release]") {
  Demo d;
  const int c1 = d.Commit("one\n");
  auto created = MLVC_OK(d.alice, d.wc, "release", "create", "v1.0", "--notes", "first");
  CHECK_THAT(created.out, Contains("Created release v1.0 on @" + std::to_string(c1)));
  const int c2 = d.Commit("two\n");
  nlohmann::json v11 = d.Json(d.alice, {"release", "create", "v1.1", "main", "-m", "second"});
  CHECK(v11["number"] == c2);
  CHECK(v11["created_by"] == "admin");

  nlohmann::json list = d.Json(d.bob, {"release", "list"});
  REQUIRE(list.size() == 2);
  CHECK(list[0]["version"] == "v1.1");  // newest first
  CHECK(list[1]["version"] == "v1.0");
  CHECK(list[1]["notes"] == "first");
  CHECK(d.Json(d.bob, {"release", "list", "-n", "1"}).size() == 1);

  nlohmann::json dep = d.Json(d.alice, {"deploy", "v1.0", "--env", "prod", "-m", "go"});
  CHECK(dep["environment"] == "prod");
  CHECK(dep["kind"] == "deploy");
  CHECK(dep["previous_version"] == "");
  auto second = d.Run(d.alice, {"deploy", "v1.1", "--env", "prod"});
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.out, Contains("Deployed v1.1 (@" + std::to_string(c2) + ") to prod (was v1.0)"));
  d.Json(d.alice, {"deploy", "v1.1", "--env", "staging"});

  nlohmann::json show = d.Json(d.bob, {"release", "show", "v1.1"});
  CHECK(show["live_in"] == nlohmann::json::array({"prod", "staging"}));
  // @prod is v1.1 now: checkout gives its tree.
  MLVC_OK(d.bob, d.bob.home(), "checkout", d.server.address() + "/model@prod", "at-prod");
  CHECK(ReadFile(d.bob.Sub("at-prod/model.txt")) == "two\n");

  auto back = d.Run(d.alice, {"rollback", "--env", "prod", "-m", "accuracy dropped"});
  INFO(back.Describe());
  REQUIRE(back.exit_code == 0);
  CHECK_THAT(back.out, Contains("Rolled back prod to v1.0 (@" + std::to_string(c1) +
                                ") from v1.1"));
  nlohmann::json prod = d.Json(d.bob, {"deployments", "--env", "prod"});
  REQUIRE(prod.size() == 3);
  CHECK(prod[0]["kind"] == "rollback");
  CHECK(prod[0]["version"] == "v1.0");
  CHECK(prod[0]["previous_version"] == "v1.1");
  CHECK(prod[0]["note"] == "accuracy dropped");
  CHECK(prod[2]["version"] == "v1.0");
  nlohmann::json live = d.Json(d.bob, {"deployments", "--live"});
  REQUIRE(live.size() == 2);
  CHECK(live[0]["environment"] == "prod");
  CHECK(live[0]["version"] == "v1.0");
  CHECK(live[1]["version"] == "v1.1");
  CHECK(d.Json(d.bob, {"deployments"}).size() == 4);
  // @prod follows the rollback.
  MLVC_OK(d.bob, d.bob.home(), "checkout", d.server.address() + "/model@prod", "at-prod-2");
  CHECK(ReadFile(d.bob.Sub("at-prod-2/model.txt")) == "one\n");
  auto human = d.Run(d.bob, {"release", "list"});
  CHECK_THAT(human.out, Contains("v1.0  @" + std::to_string(c1)));
  CHECK_THAT(human.out, Contains("live in prod"));

  // Nothing before v1.0 in prod: refused, nothing recorded.
  d.Expect(6, d.alice, {"rollback", "--env", "prod"});
  CHECK(d.Json(d.bob, {"deployments", "--env", "prod"}).size() == 3);
}

TEST_CASE("release and deployment errors exit with their codes", "[e2e][release]") {
  Demo d;
  d.Commit("one\n");
  MLVC_OK(d.alice, d.wc, "label", "create", "v0.9");
  d.Json(d.alice, {"release", "create", "v1.0", "main"});
  d.Expect(4, d.bob, {"release", "show", "v9"});                       // unknown version
  d.Expect(4, d.alice, {"deploy", "v9", "--env", "prod"});             // unknown release
  d.Expect(11, d.alice, {"release", "create", "v1.0", "main"});        // release exists
  d.Expect(11, d.alice, {"release", "create", "v0.9", "main"});        // label exists
  d.Expect(11, d.alice, {"release", "create", "main", "main"});        // branch exists
  d.Expect(5, d.alice, {"release", "create", "bad/name", "main"});     // bad name
  d.Expect(5, d.alice, {"deploy", "v1.0", "--env", "a..b"});           // bad environment
  d.Expect(8, d.bob, {"deploy", "v1.0", "--env", "prod"});             // not a maintainer
  d.Expect(4, d.alice, {"rollback", "--env", "prod"});                 // never deployed
  d.Json(d.alice, {"deploy", "v1.0", "--env", "prod"});
  d.Expect(8, d.bob, {"rollback", "--env", "prod"});                   // not a maintainer
  d.Expect(6, d.alice, {"rollback", "--env", "prod"});                 // no earlier release
  d.Expect(11, d.alice, {"branch", "create", "prod"});                 // environment's name
  auto usage = d.Run(d.alice, {"deploy", "v1.0"});
  CHECK(usage.exit_code == 2);  // --env is required
  CHECK(d.Json(d.bob, {"deployments"}).size() == 1);
}

TEST_CASE("a release is refused until its changeset meets the branch policy",
          "[e2e][release][policy]") {
  Demo d;
  const int c1 = d.Commit("one\n");
  MLVC_OK(d.alice, d.wc, "policy", "set", "main", "--require-run", "validation");
  auto refused = d.Run(d.alice, {"release", "create", "v1.0", "main"});
  INFO(refused.Describe());
  REQUIRE(refused.exit_code == 6);
  CHECK_THAT(refused.err, Contains("policy of branch 'main'"));
  CHECK_THAT(refused.err, Contains("validation"));
  CHECK(d.Json(d.bob, {"release", "list"}).empty());
  MLVC_OK(d.alice, d.wc, "run", "record", "--kind", "validation", "@" + std::to_string(c1),
          "--metric", "accuracy=0.93");
  nlohmann::json made = d.Json(d.alice, {"release", "create", "v1.0", "@" + std::to_string(c1),
                                         "--branch", "main"});
  CHECK(made["number"] == c1);
  nlohmann::json show = d.Json(d.bob, {"release", "show", "v1.0"});
  REQUIRE(show["validations"].size() == 1);
  CHECK(show["validations"][0]["succeeded"] == true);
  CHECK(show["validations"][0]["metrics"]["accuracy"] == 0.93);
  auto human = d.Run(d.bob, {"release", "show", "v1.0"});
  CHECK_THAT(human.out, Contains("accuracy=0.93"));
}

TEST_CASE("mlvc help lists the release commands", "[e2e][release]") {
  MlvcClient user("");
  auto help = MLVC_OK(user, user.home(), "help");
  for (const char* command : {"release", "deploy", "deployments", "rollback", "watch"}) {
    CHECK_THAT(help.out, Contains(command));
  }
  auto rollback = MLVC_OK(user, user.home(), "help", "rollback");
  CHECK_THAT(rollback.out, Contains("stack"));
  auto watch = MLVC_OK(user, user.home(), "watch", "--help");
  CHECK_THAT(watch.out, Contains("--after"));
}

// `mlvc watch ... --json` running in the background, its output in a file.
class WatchProcess {
 public:
  WatchProcess(const MlvcClient& who, const std::string& token, const std::string& server,
               const std::vector<std::string>& extra)
      : log_(who.Sub("watch-" + std::to_string(++count_) + ".log")) {
    std::vector<std::string> argv = {BinaryFromEnv("MLVC_BIN"), "watch", "--repo", "model",
                                     "--server", server, "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessOptions opts;
    opts.cwd = who.home();
    opts.env = {{"HOME", who.home()}, {"MLVC_TOKEN", token}};
    opts.unset_env = {"XDG_CONFIG_HOME", "MLVC_SERVER"};
    process_ = std::make_unique<BackgroundProcess>(argv, opts, log_);
  }

  // The events printed so far, once at least `n` arrived (bounded wait: 30 s).
  std::vector<nlohmann::json> WaitFor(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    std::vector<nlohmann::json> events;
    for (;;) {
      events.clear();
      for (const std::string& line : Lines(ReadFileOrEmpty(log_))) {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded()) events.push_back(j);
      }
      if (events.size() >= n || Clock::now() > deadline || !process_->Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    INFO(ReadFileOrEmpty(log_));
    REQUIRE(events.size() >= n);
    return events;
  }

  // Waits (bounded) for the process to exit on its own; its exit code.
  int WaitExit(std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    while (process_->Running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    INFO(ReadFileOrEmpty(log_));
    REQUIRE_FALSE(process_->Running());
    return *process_->exit_code();
  }

  BackgroundProcess& process() { return *process_; }
  std::string log() const { return ReadFileOrEmpty(log_); }

 private:
  static inline int count_ = 0;
  std::string log_;
  std::unique_ptr<BackgroundProcess> process_;
};

std::vector<int64_t> Ids(const std::vector<nlohmann::json>& events) {
  std::vector<int64_t> ids;
  for (const auto& e : events) ids.push_back(e["id"].get<int64_t>());
  return ids;
}

TEST_CASE("watch follows events live - resumes after an id - ends on interrupt",
          "[e2e][release][watch]") {
  Demo d;
  d.Commit("one\n");
  d.Json(d.alice, {"release", "create", "v1", "main"});
  d.Json(d.alice, {"deploy", "v1", "--env", "staging"});

  WatchProcess all(d.bob, d.bob_token, d.server.address(), {"--from-start"});
  auto first = all.WaitFor(2);
  CHECK(first[0]["kind"] == "release.created");
  CHECK(first[0]["payload"]["version"] == "v1");
  CHECK(first[1]["kind"] == "deployment");
  CHECK(first[1]["payload"]["environment"] == "staging");
  CHECK(first[1]["user"] == "admin");

  // Live: the watcher has printed everything so far, so these arrive while it waits.
  d.Commit("two\n");
  d.Json(d.alice, {"release", "create", "v2", "main"});
  d.Json(d.alice, {"deploy", "v2", "--env", "staging"});
  d.Json(d.alice, {"rollback", "--env", "staging"});
  auto events = all.WaitFor(5);
  REQUIRE(events.size() == 5);
  CHECK(events[4]["kind"] == "rollback");
  CHECK(events[4]["payload"]["version"] == "v1");

  // A watcher resuming after the second id gets exactly the three after it.
  WatchProcess resumed(d.bob, d.bob_token, d.server.address(),
                       {"--after", std::to_string(events[1]["id"].get<int64_t>())});
  auto missed = resumed.WaitFor(3);
  CHECK(Ids(missed) == std::vector<int64_t>{Ids(events)[2], Ids(events)[3], Ids(events)[4]});

  // Interrupting ends the stream and the command, with 0: a SIGTERM left to its default
  // would give 143, and a command that did not end by itself within the grace 137 (SIGKILL),
  // so the exit code is the check, not the time it took.
  CHECK(resumed.process().Stop(std::chrono::seconds(10)) == 0);
  CHECK(all.process().Stop(std::chrono::seconds(10)) == 0);
  // Exactly those: nothing more was printed.
  CHECK(Ids(resumed.WaitFor(3)) == Ids(missed));
}

TEST_CASE("an event committed through a second mlvcd reaches a watcher of the first",
          "[e2e][release][watch]") {
  Demo d;
  d.Commit("one\n");
  // A second replica: another mlvcd process on the same database and blobs.
  const std::string second = "127.0.0.1:" + std::to_string(FreeLocalPort());
  ProcessOptions opts;
  opts.cwd = d.home;
  BackgroundProcess replica({BinaryFromEnv("MLVCD_BIN"), "serve", "--db", d.server.db_uri(),
                             "--blobs", d.server.blob_dir(), "--listen", second},
                            opts, d.alice.Sub("replica.log"));
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (replica.Running() && Clock::now() < deadline &&
         d.alice.Run(d.home, {"repo", "list", "--server", second}).exit_code != 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(d.alice.Run(d.home, {"repo", "list", "--server", second}).exit_code == 0);

  d.Json(d.alice, {"release", "create", "v1", "main"});  // through the first
  WatchProcess watcher(d.bob, d.bob_token, d.server.address(), {"--from-start"});
  watcher.WaitFor(1);  // connected and streaming
  // Through the second replica.
  auto through = d.alice.Run(d.home, {"deploy", "v1", "--env", "prod", "--repo", "model",
                                      "--server", second});
  INFO(through.Describe());
  REQUIRE(through.exit_code == 0);
  auto events = watcher.WaitFor(2);
  CHECK(events[1]["kind"] == "deployment");
  CHECK(events[1]["payload"]["environment"] == "prod");
  CHECK(watcher.process().Stop(std::chrono::seconds(10)) == 0);
  CHECK(replica.Stop(std::chrono::seconds(10)) == 0);
}

TEST_CASE("mlvcd stops cleanly with a watcher connected", "[e2e][release][watch]") {
  Demo d;
  d.Commit("one\n");
  d.Json(d.alice, {"release", "create", "v1", "main"});
  WatchProcess watcher(d.bob, d.bob_token, d.server.address(), {"--from-start"});
  watcher.WaitFor(1);
  // That the stream is ended by mlvcd's own shutdown, not by gRPC's 5 s deadline, is checked
  // by its status in tests/integration/release/watch_rpc_test.cc (no clock involved); here,
  // through the processes, that mlvcd exits 0 on SIGTERM with the stream open.
  CHECK(d.server.Stop() == 0);
  // The watcher learns the server went away and exits 7 (unreachable), saying so.
  CHECK(watcher.WaitExit(std::chrono::seconds(10)) == 7);
  CHECK_THAT(watcher.log(), Contains("mlvc: "));
}

}  // namespace
}  // namespace mlvc::testing
