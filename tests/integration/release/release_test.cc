// ReleaseService and EventHub (releases, deployments, rollback, Watch) on a real
// migrated Postgres.
#include <catch2/catch.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/access.h"
#include "server/core/events.h"
#include "server/core/release_service.h"
#include "tests/integration/core/core_test_env.h"

namespace mlvc::server::core {
namespace {

using store::DeploymentKind;
using store::DeploymentRecord;
using store::EventRecord;

struct Env : CoreTestEnv {
  Caller alice;  // maintainer of "repo"
  Caller bob;    // writer
  Caller carol;  // reader
  std::unique_ptr<ReleaseService> releases;

  Env() : CoreTestEnv(4) {
    alice = NewCaller("alice");
    bob = NewCaller("bob");
    carol = NewCaller("carol");
    REQUIRE(repos->CreateRepository(alice, "repo").ok());
    REQUIRE(GrantRoleAsServer(*store, "bob", "repo", Role::kWriter).ok());
    REQUIRE(GrantRoleAsServer(*store, "carol", "repo", Role::kReader).ok());
    releases = std::make_unique<ReleaseService>(*store);
  }

  int64_t Commit(const std::string& path, const std::string& bytes) {
    SubmitRequest r;
    r.repository = "repo";
    r.branch = "main";
    r.base_number = Head("main");
    r.submit_id = absl::StrCat("s", ++submits);
    r.message = "edit " + path;
    Change c;
    c.path = path;
    c.action = store::PathAction::kAdd;
    c.content_id = PutAs(alice, bytes);
    c.kind = common::NodeKind::kText;
    r.changes.push_back(c);
    auto result = history->Submit(alice, r);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    return result->changeset.changeset.number;
  }

  ReleaseInfo Release(const std::string& version, const std::string& ref) {
    CreateReleaseRequest r{"repo", version, ref, "", "notes of " + version};
    auto made = releases->CreateRelease(alice, r);
    INFO(made.status().ToString());
    REQUIRE(made.ok());
    return *made;
  }

  DeploymentRecord Deploy(const std::string& version, const std::string& env) {
    auto d = releases->Deploy(alice, "repo", version, env, "");
    INFO(d.status().ToString());
    REQUIRE(d.ok());
    return *d;
  }

  DeploymentRecord Rollback(const std::string& env) {
    auto d = releases->Rollback(alice, "repo", env, "");
    INFO(d.status().ToString());
    REQUIRE(d.ok());
    return *d;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection conn(uri);
    pqxx::work w(conn);
    return w.exec1(sql)[0].as<int64_t>();
  }

  int submits = 0;
};

TEST_CASE("a release is a label with notes and an event", "[postgres][release]") {
  Env env;
  const int64_t c1 = env.Commit("model.txt", "one\n");
  ReleaseInfo v1 = env.Release("v1.0", "main");
  CHECK(v1.release.version == "v1.0");
  CHECK(v1.release.number == c1);
  CHECK(v1.release.notes == "notes of v1.0");
  CHECK(v1.release.created_by == "alice");
  // The label exists and resolves.
  auto resolved = env.repos->ResolveRef("repo", "v1.0");
  REQUIRE(resolved.ok());
  CHECK(resolved->number == c1);
  CHECK(env.Count("SELECT count(*) FROM audit WHERE action = 'release.create'") == 1);
  CHECK(env.Count("SELECT count(*) FROM events WHERE kind = 'release.created'") == 1);

  const int64_t c2 = env.Commit("model2.txt", "two\n");
  env.Release("v1.1", "");  // empty ref: head of main
  auto list = env.releases->ListReleases("repo", "", 0);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].release.version == "v1.1");
  CHECK((*list)[0].release.number == c2);
  CHECK((*list)[1].release.version == "v1.0");
  // Paging: one per page, continuing after the last version.
  auto page1 = env.releases->ListReleases("repo", "", 1);
  REQUIRE(page1.ok());
  REQUIRE(page1->size() == 1);
  auto page2 = env.releases->ListReleases("repo", page1->back().release.version, 1);
  REQUIRE(page2.ok());
  REQUIRE(page2->size() == 1);
  CHECK(page2->front().release.version == "v1.0");
  auto page3 = env.releases->ListReleases("repo", "v1.0", 1);
  REQUIRE(page3.ok());
  CHECK(page3->empty());
  CHECK(absl::IsInvalidArgument(env.releases->ListReleases("repo", "nope", 1).status()));
}

TEST_CASE("release errors change nothing", "[postgres][release]") {
  Env env;
  env.Commit("model.txt", "one\n");
  REQUIRE(env.repos->CreateLabel(env.alice, "repo", "v0.9", "main", "").ok());
  const int64_t labels = env.Count("SELECT count(*) FROM labels");
  const int64_t events = env.Count("SELECT count(*) FROM events");

  CreateReleaseRequest r{"repo", "v0.9", "main", "", ""};
  auto taken = env.releases->CreateRelease(env.alice, r);
  CHECK(absl::IsAlreadyExists(taken.status()));
  CHECK(absl::StrContains(taken.status().message(), "label 'v0.9' already exists"));
  r.version = "main";
  CHECK(absl::IsAlreadyExists(env.releases->CreateRelease(env.alice, r).status()));
  r.version = "bad/name";
  CHECK(absl::IsInvalidArgument(env.releases->CreateRelease(env.alice, r).status()));
  r.version = "v2";
  r.ref = "@999";
  CHECK(absl::IsNotFound(env.releases->CreateRelease(env.alice, r).status()));
  r.ref = "main";
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.carol, "mlvc.v1.ReleaseService/CreateRelease", "repo")));
  CHECK(absl::IsNotFound(env.releases->GetRelease("repo", "v9").status()));
  CHECK(absl::IsNotFound(env.releases->GetRelease("nope", "v9").status()));

  CHECK(env.Count("SELECT count(*) FROM labels") == labels);
  CHECK(env.Count("SELECT count(*) FROM releases") == 0);
  CHECK(env.Count("SELECT count(*) FROM events") == events);

  // A second release of the same name.
  env.Release("v1.0", "main");
  r.version = "v1.0";
  auto again = env.releases->CreateRelease(env.alice, r);
  CHECK(absl::IsAlreadyExists(again.status()));
  CHECK(absl::StrContains(again.status().message(), "release 'v1.0' already exists"));
  // Releases cannot be deleted through their label.
  CHECK(absl::IsFailedPrecondition(env.repos->DeleteLabel(env.alice, "repo", "v1.0")));
}

TEST_CASE("a release is refused when its changeset fails the branch policy",
          "[postgres][release][policy]") {
  Env env;
  const int64_t c1 = env.Commit("model.txt", "one\n");
  store::PolicyRecord policy;
  policy.require_runs = {kValidationRunKind};
  policy.require_reviews = 1;
  REQUIRE(env.store
              ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                auto repo = txn.GetRepository("repo");
                if (!repo.ok()) return repo.status();
                return txn.SetBranchPolicy(repo->id, "main", policy, env.alice.user.id);
              })
              .ok());
  CreateReleaseRequest r{"repo", "v1.0", "main", "", ""};
  auto refused = env.releases->CreateRelease(env.alice, r);
  INFO(refused.status().ToString());
  CHECK(absl::IsFailedPrecondition(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), absl::StrCat("@", c1)));
  CHECK(absl::StrContains(refused.status().message(), "policy of branch 'main'"));
  // Both rules are named: a run and a review.
  CHECK(absl::StrContains(refused.status().message(), "; "));
  CHECK(env.Count("SELECT count(*) FROM labels") == 0);
  CHECK(env.Count("SELECT count(*) FROM releases") == 0);
  CHECK(env.Count("SELECT count(*) FROM events") == 0);
  // (A refusal's audit row is the gRPC edge's: tests/integration/rpc.)
  // Judged by another branch's policy (none), it is allowed.
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "rc", "main").ok());
  r.branch = "rc";
  CHECK(env.releases->CreateRelease(env.alice, r).ok());
}

TEST_CASE("deploy and rollback walk the environment's history as a stack",
          "[postgres][release][rollback]") {
  Env env;
  for (const char* v : {"v1", "v2", "v3", "v4"}) {
    env.Commit(std::string(v) + ".txt", v);
    env.Release(v, "main");
  }
  DeploymentRecord d1 = env.Deploy("v1", "prod");
  CHECK(d1.previous_version.empty());
  CHECK(d1.kind == DeploymentKind::kDeploy);
  env.Deploy("v2", "prod");
  DeploymentRecord d3 = env.Deploy("v3", "prod");
  CHECK(d3.previous_version == "v2");

  DeploymentRecord r1 = env.Rollback("prod");
  CHECK(r1.kind == DeploymentKind::kRollback);
  CHECK(r1.version == "v2");
  CHECK(r1.previous_version == "v3");
  DeploymentRecord r2 = env.Rollback("prod");
  CHECK(r2.version == "v1");
  CHECK(r2.previous_version == "v2");
  auto none = env.releases->Rollback(env.alice, "repo", "prod", "");
  CHECK(absl::IsFailedPrecondition(none.status()));
  CHECK(absl::StrContains(none.status().message(), "nothing to roll back to"));

  // A deploy after rollbacks pushes on what is live; redeploying the live one pushes nothing.
  env.Deploy("v4", "prod");
  env.Deploy("v4", "prod");
  CHECK(env.Rollback("prod").version == "v1");

  // Other environments are independent; live_in follows.
  env.Deploy("v3", "staging");
  auto v3 = env.releases->GetRelease("repo", "v3");
  REQUIRE(v3.ok());
  CHECK(v3->live_in == std::vector<std::string>{"staging"});
  auto v1 = env.releases->GetRelease("repo", "v1");
  REQUIRE(v1.ok());
  CHECK(v1->live_in == std::vector<std::string>{"prod"});

  // Listing: newest first, per environment, live only, paged.
  ListDeploymentsRequest q;
  q.repository = "repo";
  auto all = env.releases->ListDeployments(q);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 9);
  CHECK(all->front().environment == "staging");
  q.environment = "prod";
  q.limit = 2;
  auto prod = env.releases->ListDeployments(q);
  REQUIRE(prod.ok());
  REQUIRE(prod->size() == 2);
  CHECK((*prod)[0].version == "v1");
  q.before_id = prod->back().id;
  auto older = env.releases->ListDeployments(q);
  REQUIRE(older.ok());
  REQUIRE(older->size() == 2);
  CHECK((*older)[0].id < prod->back().id);
  ListDeploymentsRequest live;
  live.repository = "repo";
  live.live_only = true;
  auto now = env.releases->ListDeployments(live);
  REQUIRE(now.ok());
  REQUIRE(now->size() == 2);
  CHECK((*now)[0].environment == "prod");
  CHECK((*now)[0].version == "v1");
  CHECK((*now)[1].environment == "staging");

  CHECK(env.Count("SELECT count(*) FROM audit WHERE action IN ('deploy', 'rollback')"
                  " AND result = 'ok'") == 9);

  CHECK(env.Count("SELECT count(*) FROM events WHERE kind IN ('deployment', 'rollback')") == 9);
}

TEST_CASE("deploy and rollback errors", "[postgres][release][rollback]") {
  Env env;
  env.Commit("a.txt", "a");
  env.Release("v1", "main");
  CHECK(absl::IsNotFound(env.releases->Deploy(env.alice, "repo", "v9", "prod", "").status()));
  // Only maintainers move environments.
  const absl::Status denied = env.Authorize(env.bob, "mlvc.v1.ReleaseService/Deploy", "repo");
  CHECK(absl::IsPermissionDenied(denied));
  CHECK(absl::StrContains(denied.message(), "maintainer"));
  CHECK(absl::IsInvalidArgument(env.releases->Deploy(env.alice, "repo", "v1", "", "").status()));
  CHECK(absl::IsInvalidArgument(
      env.releases->Deploy(env.alice, "repo", "v1", "bad..name", "").status()));
  // An environment may not take a branch's or a label's name.
  CHECK(absl::IsAlreadyExists(env.releases->Deploy(env.alice, "repo", "v1", "main", "").status()));
  CHECK(absl::IsAlreadyExists(env.releases->Deploy(env.alice, "repo", "v1", "v1", "").status()));
  CHECK(env.Count("SELECT count(*) FROM deployments") == 0);

  CHECK(absl::IsNotFound(env.releases->Rollback(env.alice, "repo", "prod", "").status()));
  env.Deploy("v1", "prod");
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.bob, "mlvc.v1.ReleaseService/Rollback", "repo")));
  CHECK(absl::IsFailedPrecondition(
      env.releases->Rollback(env.alice, "repo", "prod", "").status()));
  // And a branch or label may not take an environment's name.
  auto branch = env.repos->CreateBranch(env.alice, "repo", "prod", "main");
  CHECK(absl::IsAlreadyExists(branch.status()));
  CHECK(absl::StrContains(branch.status().message(), "environment"));
  CHECK(absl::IsAlreadyExists(env.repos->CreateLabel(env.alice, "repo", "prod", "main", "").status()));
}

TEST_CASE("an environment resolves as a ref to its live release", "[postgres][release][refs]") {
  Env env;
  const int64_t c1 = env.Commit("a.txt", "a");
  env.Release("v1", "main");
  const int64_t c2 = env.Commit("b.txt", "b");
  env.Release("v2", "main");
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "prod").status()));
  env.Deploy("v1", "prod");
  env.Deploy("v2", "prod");
  for (const char* ref : {"prod", "@prod"}) {
    auto r = env.repos->ResolveRef("repo", ref);
    INFO(ref);
    REQUIRE(r.ok());
    CHECK(r->number == c2);
    CHECK(r->label == "v2");
    CHECK(r->branch.empty());
  }
  env.Rollback("prod");
  auto back = env.repos->ResolveRef("repo", "@prod");
  REQUIRE(back.ok());
  CHECK(back->number == c1);
}

TEST_CASE("the releases holding a model's content, for explain", "[postgres][release][explain]") {
  Env env;
  env.Commit("model.pt", "weights one");
  env.Release("v1", "main");
  const std::string one = common::Sha256Hex("weights one");
  // A change elsewhere keeps model.pt as it was: v2 holds the same content.
  env.Commit("notes.txt", "n");
  env.Release("v2", "main");
  SubmitRequest r;
  r.repository = "repo";
  r.branch = "main";
  r.base_number = env.Head("main");
  r.submit_id = "retrain";
  r.message = "retrain";
  Change c;
  c.path = "model.pt";
  c.action = store::PathAction::kModify;
  c.content_id = env.PutAs(env.alice, "weights two");
  c.kind = common::NodeKind::kBinary;
  c.base_content_id = one;
  r.changes.push_back(c);
  REQUIRE(env.history->Submit(env.alice, r).ok());
  env.Release("v3", "main");
  env.Deploy("v1", "prod");

  auto holding = [&](const std::string& content) {
    std::vector<ReleaseInfo> out;
    REQUIRE(env.store
                ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                  auto repo = txn.GetRepository("repo");
                  if (!repo.ok()) return repo.status();
                  auto found = ReleasesHolding(txn, *repo, "model.pt", content);
                  if (!found.ok()) return found.status();
                  out = *found;
                  return absl::OkStatus();
                })
                .ok());
    return out;
  };
  auto first = holding(one);
  REQUIRE(first.size() == 2);
  CHECK(first[0].release.version == "v2");  // newest first
  CHECK(first[0].live_in.empty());
  CHECK(first[1].release.version == "v1");
  CHECK(first[1].live_in == std::vector<std::string>{"prod"});
  auto second = holding(common::Sha256Hex("weights two"));
  REQUIRE(second.size() == 1);
  CHECK(second[0].release.version == "v3");
  CHECK(holding(common::Sha256Hex("never")).empty());
}

// Collects a Watch on its own thread.
struct Watcher {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<EventRecord> events;
  absl::Status result;
  bool done = false;
  std::atomic<bool> cancel{false};
  std::thread thread;

  Watcher(EventHub& hub, const Caller& caller, WatchRequest request) {
    thread = std::thread([this, &hub, caller, request] {
      absl::Status s = hub.Watch(
          caller, request, [this] { return cancel.load(); },
          [this](const EventRecord& e) {
            std::lock_guard<std::mutex> lock(mu);
            events.push_back(e);
            cv.notify_all();
            return absl::OkStatus();
          });
      std::lock_guard<std::mutex> lock(mu);
      result = s;
      done = true;
      cv.notify_all();
    });
  }
  ~Watcher() {
    cancel = true;
    if (thread.joinable()) thread.join();
  }
  // Waits (bounded) until `n` events arrived; returns them.
  std::vector<EventRecord> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return events.size() >= n || done; });
    return events;
  }
  // Waits (bounded: a hang guard, 20 s) until the watch returned.
  bool WaitDone() {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; });
  }
};

// Waits (bounded) until the hub counts `n` watchers: they then listen and read from here on.
void AwaitWatchers(EventHub& hub, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (hub.active_watchers() != n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(hub.active_watchers() == n);
}

int64_t RepoId(Env& env, const std::string& name) {
  return env.Count("SELECT id FROM repositories WHERE name = '" + name + "'");
}

std::vector<int64_t> Ids(const std::vector<EventRecord>& events) {
  std::vector<int64_t> ids;
  for (const EventRecord& e : events) ids.push_back(e.id);
  return ids;
}

TEST_CASE("watch streams committed events live and ends on cancel", "[postgres][release][watch]") {
  Env env;
  EventHub hub(*env.store);
  env.Commit("a.txt", "a");
  env.Release("v1", "main");  // before the watcher: not shown without after_id
  Watcher w(hub, env.carol, {"repo", 0, false});
  AwaitWatchers(hub, 1);
  env.Release("v2", "main");
  env.Deploy("v2", "prod");
  std::vector<EventRecord> got = w.WaitFor(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == "release.created");
  CHECK(absl::StrContains(got[0].payload_json, "\"version\": \"v2\""));
  CHECK(got[0].repository == "repo");
  CHECK(got[0].user == "alice");
  CHECK(got[1].kind == "deployment");
  CHECK(absl::StrContains(got[1].payload_json, "\"environment\": \"prod\""));
  CHECK(got[1].id > got[0].id);

  // An event whose transaction rolls back is never seen (NOTIFY and row go together).
  const int64_t repo_id = RepoId(env, "repo");
  absl::Status failed = env.store->RunInTransaction([&](store::MetadataTxn& txn) {
    auto id = txn.AppendEvent(repo_id, env.alice.user.id, "ghost", "{}");
    if (!id.ok()) return id.status();
    return absl::InternalError("roll it back");
  });
  CHECK(absl::IsInternal(failed));
  env.Deploy("v1", "prod");
  got = w.WaitFor(3);
  REQUIRE(got.size() == 3);
  CHECK(got[2].kind == "deployment");
  CHECK(absl::StrContains(got[2].payload_json, "\"previous_version\": \"v2\""));
  for (const EventRecord& e : got) CHECK(e.kind != "ghost");

  w.cancel = true;
  REQUIRE(w.WaitDone());
  CHECK(absl::IsCancelled(w.result));
  AwaitWatchers(hub, 0);
}

TEST_CASE("a watcher resuming after an id gets exactly the missed events",
          "[postgres][release][watch]") {
  Env env;
  EventHub hub(*env.store);
  env.Commit("a.txt", "a");
  env.Release("v1", "main");
  env.Release("v2", "main");
  env.Release("v3", "main");
  env.Deploy("v1", "prod");
  env.Deploy("v2", "prod");
  std::vector<int64_t> ids;
  REQUIRE(env.store
              ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                auto events = txn.ListEvents(std::nullopt, 0, 100);
                if (!events.ok()) return events.status();
                ids = Ids(*events);
                return absl::OkStatus();
              })
              .ok());
  REQUIRE(ids.size() == 5);

  Watcher resumed(hub, env.carol, {"repo", ids[1], false});
  CHECK(Ids(resumed.WaitFor(3)) == std::vector<int64_t>(ids.begin() + 2, ids.end()));
  Watcher replay(hub, env.carol, {"repo", 0, true});
  CHECK(Ids(replay.WaitFor(5)) == ids);
  AwaitWatchers(hub, 2);
  env.Rollback("prod");
  auto live = resumed.WaitFor(4);
  REQUIRE(live.size() == 4);
  CHECK(live[3].kind == "rollback");
  CHECK(replay.WaitFor(6).size() == 6);
}

TEST_CASE("watch access: one repository for readers and every repository for admins",
          "[postgres][release][watch]") {
  Env env;
  EventHub hub(*env.store);
  Caller admin = env.NewCaller("root", /*admin=*/true);
  REQUIRE(env.repos->CreateRepository(env.alice, "other").ok());
  auto noop = [] { return false; };
  auto sink = [](const EventRecord&) { return absl::OkStatus(); };
  // Who may watch what is the authorization table's.
  CHECK(absl::IsPermissionDenied(env.Authorize(env.carol, "mlvc.v1.ReleaseService/Watch", "")));
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.carol, "mlvc.v1.ReleaseService/Watch", "other")));
  CHECK(absl::IsNotFound(hub.Watch(env.carol, {"nope", 0, false}, noop, sink)));
  CHECK(absl::IsInvalidArgument(hub.Watch(env.carol, {"repo", -1, false}, noop, sink)));

  Watcher all(hub, admin, {"", 0, false});
  Watcher one(hub, env.carol, {"repo", 0, false});
  AwaitWatchers(hub, 2);
  env.Commit("a.txt", "a");
  env.Release("v1", "main");
  CreateReleaseRequest r{"other", "w1", "main", "", ""};
  REQUIRE(env.releases->CreateRelease(env.alice, r).ok());
  env.Release("v2", "main");
  auto every = all.WaitFor(3);
  REQUIRE(every.size() == 3);
  CHECK(every[1].repository == "other");
  auto mine = one.WaitFor(2);
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].repository == "repo");
  CHECK(mine[1].repository == "repo");
}

TEST_CASE("an event committed through another store reaches a watcher",
          "[postgres][release][watch]") {
  // Two stores with their own pools on one database: two replicas as far as events go.
  Env env;
  EventHub hub(*env.store);
  auto second = store::PostgresMetadataStore::Open(env.uri, 2);
  REQUIRE(second.ok());
  ReleaseService replica(**second);
  env.Commit("a.txt", "a");
  Watcher w(hub, env.carol, {"repo", 0, false});
  AwaitWatchers(hub, 1);
  CreateReleaseRequest r{"repo", "v1", "main", "", ""};
  REQUIRE(replica.CreateRelease(env.alice, r).ok());
  auto got = w.WaitFor(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == "release.created");
}

TEST_CASE("shutting the hub down ends every watch", "[postgres][release][watch]") {
  Env env;
  EventHub hub(*env.store);
  Watcher a(hub, env.carol, {"repo", 0, false});
  Watcher b(hub, env.alice, {"repo", 0, true});
  AwaitWatchers(hub, 2);
  // Nothing else would end these watches (no cancel, no event): that they return, with the
  // hub's UNAVAILABLE, is the check; no wall-clock bound that a loaded machine could miss.
  hub.Shutdown();
  REQUIRE(a.WaitDone());
  REQUIRE(b.WaitDone());
  CHECK(absl::IsUnavailable(a.result));
  CHECK(absl::IsUnavailable(b.result));
  CHECK(absl::IsUnavailable(
      hub.Watch(env.carol, {"repo", 0, false}, [] { return false; },
                [](const EventRecord&) { return absl::OkStatus(); })));
}

}  // namespace
}  // namespace mlvc::server::core
