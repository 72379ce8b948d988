// Locks and roles (server/core/lock_service.h, access.h) on a real, migrated Postgres.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
#include "server/core/lock_service.h"
#include "server/core/repository_service.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/integration/core/core_test_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_db.h"

namespace mlvc::server::core {
namespace {

using store::PathAction;

struct Env : CoreTestEnv {
  std::unique_ptr<LockService> locks;
  Caller alice;  // created the repository: maintainer
  Caller bob;    // a writer

  Env() : CoreTestEnv(20) {
    locks = std::make_unique<LockService>(*store);
    alice = User("alice");
    bob = User("bob");
    REQUIRE(repos->CreateRepository(alice, "repo").ok());
    REQUIRE(GrantRoleAsServer(*store, "bob", "repo", Role::kWriter).ok());
  }

  Caller User(const std::string& name, bool admin = false) { return NewCaller(name, admin); }

  std::string Put(const std::string& bytes) { return PutAs(alice, bytes); }

  int64_t Head() { return CoreTestEnv::Head("main"); }

  absl::StatusOr<std::vector<store::LockRecord>> Lock(const Caller& who,
                                                     std::vector<LockTarget> targets,
                                                     const std::string& comment = "") {
    LockRequest r;
    r.repository = "repo";
    r.branch = "main";
    r.targets = std::move(targets);
    r.comment = comment;
    return locks->Lock(who, r);
  }

  absl::StatusOr<std::vector<store::LockRecord>> Unlock(const Caller& who,
                                                       std::vector<std::string> paths,
                                                       bool force = false) {
    UnlockRequest r;
    r.repository = "repo";
    r.paths = std::move(paths);
    r.force = force;
    return locks->Unlock(who, r);
  }

  std::vector<store::LockRecord> All() {
    ListLocksRequest r;
    r.repository = "repo";
    r.limit = kMaxLockListLimit;
    auto page = locks->ListLocks(r);
    REQUIRE(page.ok());
    return page->locks;
  }

  // Rows of the audit log with `action`, as "target" strings.
  std::vector<std::string> AuditTargets(const std::string& action) {
    pqxx::connection conn(uri);
    pqxx::nontransaction tx(conn);
    std::vector<std::string> out;
    for (const auto& row :
         tx.exec_params("SELECT target FROM audit WHERE action = $1 ORDER BY id", action)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }
};

Change Add(const std::string& path, const std::string& id) {
  Change c;
  c.path = path;
  c.action = PathAction::kAdd;
  c.content_id = id;
  c.kind = common::NodeKind::kBinary;
  return c;
}

Change Modify(const std::string& path, const std::string& id, const std::string& base) {
  Change c = Add(path, id);
  c.action = PathAction::kModify;
  c.base_content_id = base;
  return c;
}

SubmitRequest Request(std::vector<Change> changes, const std::string& submit_id) {
  SubmitRequest r;
  r.repository = "repo";
  r.branch = "main";
  r.submit_id = submit_id;
  r.message = "change " + submit_id;
  r.changes = std::move(changes);
  return r;
}

TEST_CASE("the creator of a repository is its maintainer, others have what they are granted",
          "[postgres][core][locks]") {
  Env env;
  Caller root = env.User("root", /*admin=*/true);
  Caller carol = env.User("carol");
  absl::Status role_check = env.store->RunInTransaction([&](store::MetadataTxn& txn) {
    auto repo = txn.GetRepository("repo");
    if (!repo.ok()) return repo.status();
    auto role_of = [&](const Caller& who) {
      return EffectiveRole(who.user, txn.GetRole(repo->id, who.user.id).value());
    };
    CHECK(role_of(env.alice) == Role::kMaintainer);
    CHECK(role_of(env.bob) == Role::kWriter);
    CHECK(role_of(root) == Role::kMaintainer);
    CHECK_FALSE(role_of(carol).has_value());  // no role, no default role: nothing
    CHECK(RequireRole(txn, env.bob.user, repo->id, Role::kWriter).ok());
    absl::Status denied = RequireRole(txn, env.bob.user, repo->id, Role::kMaintainer, "x");
    CHECK(absl::IsPermissionDenied(denied));
    CHECK(std::string(denied.message()) ==
          "you need the maintainer role on repository 'repo' to x");
    absl::Status nothing = RequireRole(txn, carol.user, repo->id, Role::kReader, "x");
    CHECK(absl::IsPermissionDenied(nothing));
    CHECK(std::string(nothing.message()) == NoAccessMessage("repo"));
    return absl::OkStatus();
  });
  REQUIRE(role_check.ok());

  REQUIRE(GrantRoleAsServer(*env.store, "carol", "repo", Role::kReader).ok());
  absl::Status reader_lock = env.Authorize(carol, "mlvc.v1.LockService/Lock", "repo");
  CHECK(absl::IsPermissionDenied(reader_lock));
  CHECK(absl::StrContains(reader_lock.message(), "writer role"));
  // Only a maintainer grants; an unknown user or repository is NOT_FOUND; a bad role name
  // is INVALID_ARGUMENT.
  CHECK(absl::IsPermissionDenied(env.Authorize(env.bob, "mlvc.v1.AdminService/GrantRole", "repo")));
  CHECK(env.Authorize(env.alice, "mlvc.v1.AdminService/GrantRole", "repo").ok());
  AdminService admin(*env.store);
  CHECK(admin.GrantRole(env.alice, "bob", "repo", Role::kMaintainer).ok());
  CHECK(absl::IsNotFound(GrantRoleAsServer(*env.store, "nobody", "repo", Role::kReader)));
  CHECK(absl::IsNotFound(GrantRoleAsServer(*env.store, "bob", "nope", Role::kReader)));
  CHECK(absl::IsInvalidArgument(ParseRole("owner").status()));
  CHECK(env.AuditTargets("role.grant") ==
        std::vector<std::string>{"bob=writer", "carol=reader", "bob=maintainer"});
}

TEST_CASE("a lock race among 16 threads has exactly one winner", "[postgres][core][locks]") {
  Env env;
  const std::string model = env.Put("weights v1");
  REQUIRE(env.history->Submit(env.alice, Request({Add("model.pt", model)}, "s1")).ok());
  constexpr int kThreads = 16;
  std::vector<Caller> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(env.User(absl::StrCat("u", i)));
  std::vector<absl::Status> results(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[i] = env.Lock(users[i], {{"model.pt", model}}, absl::StrCat("by u", i)).status();
    });
  }
  for (auto& t : threads) t.join();

  int winners = 0;
  std::string winner;
  for (int i = 0; i < kThreads; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner = absl::StrCat("u", i);
    }
  }
  REQUIRE(winners == 1);
  for (int i = 0; i < kThreads; ++i) {
    if (results[i].ok()) continue;
    INFO(results[i].ToString());
    CHECK(absl::IsFailedPrecondition(results[i]));
    CHECK(absl::StrContains(results[i].message(),
                            absl::StrCat("'model.pt' is locked by ", winner, " since ")));
    CHECK(absl::StrContains(results[i].message(), " UTC"));
  }
  auto all = env.All();
  REQUIRE(all.size() == 1);
  CHECK(all[0].user_name == winner);

  // Locking a path you hold again is fine (and keeps the one lock).
  const Caller& holder = users[std::stoi(winner.substr(1))];
  CHECK(env.Lock(holder, {{"model.pt", model}}).ok());
  CHECK(env.All().size() == 1);
}

TEST_CASE("lock is all or nothing and refuses a stale base", "[postgres][core][locks]") {
  Env env;
  const std::string v1 = env.Put("v1"), v2 = env.Put("v2"), other = env.Put("other");
  REQUIRE(env.history->Submit(env.alice, Request({Add("a.pt", v1), Add("b.pt", other)}, "s1"))
              .ok());
  REQUIRE(env.history->Submit(env.alice, Request({Modify("a.pt", v2, v1)}, "s2")).ok());
  REQUIRE(env.Lock(env.alice, {{"b.pt", other}}).ok());

  auto stale = env.Lock(env.bob, {{"a.pt", v1}});
  CHECK(absl::IsFailedPrecondition(stale.status()));
  CHECK(std::string(stale.status().message()) ==
        "'a.pt' is out of date (changed in @2), run mlvc update first");
  // b.pt is Alice's: nothing of this request is taken, not even a.pt.
  auto partly = env.Lock(env.bob, {{"a.pt", v2}, {"b.pt", other}});
  CHECK(absl::IsFailedPrecondition(partly.status()));
  CHECK(absl::StrContains(partly.status().message(), "'b.pt' is locked by alice"));
  CHECK(env.All().size() == 1);
  // A new file (no base) can be locked while absent at the head; a present one cannot.
  CHECK(env.Lock(env.bob, {{"new.pt", ""}}).ok());
  CHECK(absl::IsFailedPrecondition(env.Lock(env.bob, {{"a.pt", ""}}).status()));

  CHECK(absl::IsInvalidArgument(env.Lock(env.bob, {}).status()));
  CHECK(absl::IsInvalidArgument(env.Lock(env.bob, {{"../x", ""}}).status()));
  CHECK(absl::IsInvalidArgument(env.Lock(env.bob, {{"a.pt", v2}, {"./a.pt", v2}}).status()));
  CHECK(absl::IsInvalidArgument(env.Lock(env.bob, {{"a.pt", "xyz"}}).status()));
  CHECK(absl::IsInvalidArgument(env.Lock(env.bob, {{"a.pt", v2}}, std::string(1001, 'c'))
                                    .status()));
  LockRequest unknown_branch;
  unknown_branch.repository = "repo";
  unknown_branch.branch = "nope";
  unknown_branch.targets = {{"a.pt", v2}};
  CHECK(absl::IsNotFound(env.locks->Lock(env.bob, unknown_branch).status()));
  unknown_branch.repository = "nope";
  CHECK(absl::IsNotFound(env.locks->Lock(env.bob, unknown_branch).status()));
}

TEST_CASE("a submit over another user's lock is refused and changes nothing",
          "[postgres][core][locks]") {
  Env env;
  // bob uploads what he submits: content reaches a submit through its uploader.
  const std::string v1 = env.Put("v1"), v2 = env.PutAs(env.bob, "v2");
  const std::string t = env.PutAs(env.bob, "text");
  REQUIRE(env.history->Submit(env.alice, Request({Add("model.pt", v1)}, "s1")).ok());
  REQUIRE(env.Lock(env.alice, {{"model.pt", v1}}, "retraining").ok());
  const int64_t head = env.Head();

  auto refused = env.history->Submit(
      env.bob, Request({Add("notes.txt", t), Modify("model.pt", v2, v1)}, "s2"));
  REQUIRE(absl::IsFailedPrecondition(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "'model.pt' is locked by alice since"));
  CHECK(absl::StrContains(refused.status().message(), "retraining"));
  CHECK(env.Head() == head);
  CHECK(env.All().size() == 1);
  // Paths nobody locked still submit.
  CHECK(env.history->Submit(env.bob, Request({Add("notes.txt", t)}, "s3")).ok());
}

TEST_CASE("submit releases the submitter's locks unless keep_locks", "[postgres][core][locks]") {
  Env env;
  const std::string v1 = env.Put("v1"), v2 = env.Put("v2"), v3 = env.Put("v3");
  REQUIRE(env.history->Submit(env.alice, Request({Add("a.pt", v1), Add("b.pt", v1)}, "s1"))
              .ok());
  REQUIRE(env.Lock(env.alice, {{"a.pt", v1}, {"b.pt", v1}}).ok());

  SubmitRequest keep = Request({Modify("a.pt", v2, v1)}, "s2");
  keep.keep_locks = true;
  REQUIRE(env.history->Submit(env.alice, keep).ok());
  CHECK(env.All().size() == 2);

  REQUIRE(env.history->Submit(env.alice, Request({Modify("a.pt", v3, v2)}, "s3")).ok());
  auto left = env.All();
  REQUIRE(left.size() == 1);
  CHECK(left[0].path == "b.pt");  // untouched by the submit: still held
}

TEST_CASE("unlock - force needs a maintainer and is audited", "[postgres][core][locks]") {
  Env env;
  Caller carol = env.User("carol");
  const std::string v1 = env.Put("v1");
  REQUIRE(env.history->Submit(env.alice, Request({Add("m.pt", v1)}, "s1")).ok());
  REQUIRE(env.Lock(carol, {{"m.pt", v1}}).ok());

  auto not_mine = env.Unlock(env.bob, {"m.pt"});
  CHECK(absl::IsFailedPrecondition(not_mine.status()));
  CHECK(absl::StrContains(not_mine.status().message(),
                          "'m.pt' is not locked by you (locked by carol since "));
  auto not_locked = env.Unlock(env.bob, {"other.pt"});
  CHECK(absl::IsNotFound(not_locked.status()));
  CHECK(absl::StartsWith(not_locked.status().message(), "'other.pt' is not locked"));
  // Breaking a lock is the authorization table's maintainer-only escalation of Unlock.
  CHECK(env.Authorize(env.bob, "mlvc.v1.LockService/Unlock", "repo").ok());
  absl::Status writer_force =
      env.Authorize(env.bob, "mlvc.v1.LockService/Unlock", "repo", /*escalate=*/true);
  CHECK(absl::IsPermissionDenied(writer_force));
  CHECK(std::string(writer_force.message()) ==
        "you need the maintainer role on repository 'repo' to break other users' locks");
  CHECK(env.All().size() == 1);
  CHECK(env.AuditTargets("lock.break").empty());

  auto forced = env.Unlock(env.alice, {"m.pt"}, /*force=*/true);
  REQUIRE(forced.ok());
  REQUIRE(forced->size() == 1);
  CHECK((*forced)[0].user_name == "carol");
  CHECK(env.All().empty());
  auto audit = env.AuditTargets("lock.break");
  REQUIRE(audit.size() == 1);
  CHECK(absl::StartsWith(audit[0], "main:m.pt; broke m.pt held by carol since "));

  // One's own lock unlocks without force; a second unlock is NOT_FOUND.
  REQUIRE(env.Lock(env.bob, {{"m.pt", v1}}).ok());
  CHECK(env.Unlock(env.bob, {"m.pt"}).ok());
  CHECK(absl::IsNotFound(env.Unlock(env.bob, {"m.pt"}).status()));
}

TEST_CASE("ListLocks pages through 10000 locks on an index", "[postgres][core][locks]") {
  Env env;
  constexpr int kLocks = 10000;
  std::vector<LockTarget> targets;
  for (int i = 0; i < kLocks; ++i) targets.push_back({absl::StrCat("d/f", 100000 + i), ""});
  REQUIRE(env.Lock(env.bob, targets).ok());

  // The default page is 1,000; pages follow each other without gaps or repeats.
  ListLocksRequest r;
  r.repository = "repo";
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto page = env.locks->ListLocks(r);
    REQUIRE(page.ok());
    ++pages;
    CHECK(page->locks.size() <= static_cast<size_t>(kDefaultLockListLimit));
    for (const auto& l : page->locks) seen.push_back(l.path);
    r.after = page->next_after;
  } while (!r.after.empty());
  CHECK(pages == kLocks / kDefaultLockListLimit);
  REQUIRE(seen.size() == static_cast<size_t>(kLocks));
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());

  // All 10,000 in one call.
  r.after.clear();
  r.limit = kMaxLockListLimit;
  auto all = env.locks->ListLocks(r);
  REQUIRE(all.ok());
  CHECK(all->locks.size() == static_cast<size_t>(kLocks));
  CHECK(all->next_after.empty());

  // A prefix narrows; a negative limit is refused.
  r.limit = 0;
  r.path_prefix = "d/f10999";  // d/f109990 .. d/f109999
  auto narrowed = env.locks->ListLocks(r);
  REQUIRE(narrowed.ok());
  REQUIRE(narrowed->locks.size() == 10);
  CHECK(narrowed->locks.front().path == "d/f109990");
  r.limit = -1;
  CHECK(absl::IsInvalidArgument(env.locks->ListLocks(r).status()));

  // The planner answers the first page from the primary key, not a scan of the table.
  pqxx::connection conn(env.uri);
  pqxx::nontransaction(conn).exec("ANALYZE locks");
  auto plan = env.store->ExplainListLocksForTest(1, "main", "", "", kDefaultLockListLimit + 1);
  REQUIRE(plan.ok());
  INFO(*plan);
  CHECK(absl::StrContains(*plan, "Index Scan using locks_pkey"));
  CHECK_FALSE(absl::StrContains(*plan, "Seq Scan on locks"));
}

TEST_CASE("lockable patterns default and only a maintainer changes them",
          "[postgres][core][locks]") {
  Env env;
  auto patterns = env.locks->GetLockablePatterns("repo");
  REQUIRE(patterns.ok());
  CHECK(patterns->size() == 12);
  CHECK(patterns->front() == "*.pt");
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.bob, "mlvc.v1.LockService/SetLockablePatterns", "repo")));
  auto set = env.locks->SetLockablePatterns(env.alice, "repo", {"*.bin", "models/*"});
  REQUIRE(set.ok());
  CHECK(*set == std::vector<std::string>{"*.bin", "models/*"});
  CHECK(env.locks->GetLockablePatterns("repo").value() == *set);
  CHECK(absl::IsInvalidArgument(env.locks->SetLockablePatterns(env.alice, "repo", {""}).status()));
  CHECK(absl::IsInvalidArgument(
      env.locks->SetLockablePatterns(env.alice, "repo", {"a\nb"}).status()));
  CHECK(absl::IsNotFound(env.locks->GetLockablePatterns("nope").status()));
  CHECK(env.locks->SetLockablePatterns(env.alice, "repo", {}).value().empty());
  CHECK(env.AuditTargets("lockable.set").size() == 2);
}

TEST_CASE("a reader may not submit or change branches",
          "[postgres][core][locks]") {
  Env env;
  Caller carol = env.User("carol");
  const std::string v1 = env.Put("v1");
  REQUIRE(env.history->Submit(env.alice, Request({Add("a.pt", v1)}, "s1")).ok());
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "exp", "main").ok());
  REQUIRE(GrantRoleAsServer(*env.store, "carol", "repo", Role::kReader).ok());
  const int64_t head = env.Head();

  absl::Status refused = env.Authorize(carol, "mlvc.v1.HistoryService/Submit", "repo");
  REQUIRE(absl::IsPermissionDenied(refused));
  CHECK(std::string(refused.message()) ==
        "you need the writer role on repository 'repo' to submit changes");
  CHECK(env.Head() == head);
  CHECK(absl::IsPermissionDenied(
      env.Authorize(carol, "mlvc.v1.RepositoryService/CreateBranch", "repo")));
  CHECK(absl::IsPermissionDenied(
      env.Authorize(carol, "mlvc.v1.RepositoryService/DeleteBranch", "repo")));
  // Deleting a branch takes its locks with it: a maintainer's, not a writer's.
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.bob, "mlvc.v1.RepositoryService/DeleteBranch", "repo")));
  CHECK(env.repos->ResolveRef("repo", "exp").ok());
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "mine").status()));

  // The submit id was not used up: the same id lands once carol may write.
  REQUIRE(GrantRoleAsServer(*env.store, "carol", "repo", Role::kWriter).ok());
  REQUIRE(env.Authorize(carol, "mlvc.v1.HistoryService/Submit", "repo").ok());
  auto landed = env.history->Submit(carol, Request({Add("b.txt", v1)}, "s2"));
  REQUIRE(landed.ok());
  CHECK_FALSE(landed->replayed);
  CHECK(env.Head() == head + 1);
}

TEST_CASE("deleting a branch deletes its locks in the same transaction",
          "[postgres][core][locks]") {
  Env env;
  const std::string v1 = env.Put("v1");
  REQUIRE(env.history->Submit(env.alice, Request({Add("a.pt", v1), Add("b.pt", v1)}, "s1"))
              .ok());
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "exp", "main").ok());
  LockRequest on_exp;
  on_exp.repository = "repo";
  on_exp.branch = "exp";
  on_exp.targets = {{"a.pt", v1}};
  REQUIRE(env.locks->Lock(env.bob, on_exp).ok());
  on_exp.targets = {{"b.pt", v1}};
  REQUIRE(env.locks->Lock(env.alice, on_exp).ok());
  REQUIRE(env.Lock(env.bob, {{"a.pt", v1}}).ok());  // on main: must survive

  auto exp_locks = [&env]() {
    ListLocksRequest r;
    r.repository = "repo";
    r.branch = "exp";
    r.limit = kMaxLockListLimit;
    auto page = env.locks->ListLocks(r);
    REQUIRE(page.ok());
    return page->locks.size();
  };
  REQUIRE(exp_locks() == 2);

  REQUIRE(env.repos->DeleteBranch(env.alice, "repo", "exp").ok());
  // A new branch of the same name starts without the old branch's locks.
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "exp", "main").ok());
  CHECK(exp_locks() == 0);
  on_exp.targets = {{"a.pt", v1}};
  CHECK(env.locks->Lock(env.alice, on_exp).ok());
  auto main_locks = env.All();
  REQUIRE(main_locks.size() == 1);
  CHECK(main_locks[0].path == "a.pt");
  CHECK(main_locks[0].user_name == "bob");
  CHECK(env.AuditTargets("branch.delete") ==
        std::vector<std::string>{"exp@1 (2 locks released)"});
}

TEST_CASE("an empty submit lands only as a merge", "[postgres][core]") {
  Env env;
  const std::string v1 = env.Put("v1"), v2 = env.Put("v2");
  REQUIRE(env.history->Submit(env.alice, Request({Add("a.txt", v1)}, "s1")).ok());
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "exp", "main").ok());
  SubmitRequest on_exp = Request({Modify("a.txt", v2, v1)}, "s2");
  on_exp.branch = "exp";
  auto exp_cs = env.history->Submit(env.alice, on_exp);
  REQUIRE(exp_cs.ok());
  const int64_t head = env.Head();
  auto head_cs = env.history->GetChangeset("repo", head);
  REQUIRE(head_cs.ok());

  auto empty = env.history->Submit(env.alice, Request({}, "s3"));
  REQUIRE(absl::IsInvalidArgument(empty.status()));
  CHECK(std::string(empty.status().message()) == "no changes to submit");
  CHECK(env.Head() == head);

  // Merged in a working copy, everything resolved to main's side: nothing changes but the
  // merge is recorded.
  SubmitRequest merge = Request({}, "s4");
  merge.merge_parent = exp_cs->changeset.changeset.number;
  auto merged = env.history->Submit(env.alice, merge);
  REQUIRE(merged.ok());
  const store::ChangesetRecord& cs = merged->changeset.changeset;
  CHECK(cs.number == head + 2);  // @N+1 went to exp
  CHECK(cs.parent == head);
  CHECK(cs.merge_parent == exp_cs->changeset.changeset.number);
  CHECK(cs.root_tree == head_cs->changeset.root_tree);
  CHECK(merged->changeset.changed_paths.empty());
  CHECK(env.Head() == cs.number);

  merge = Request({}, "s5");
  merge.merge_parent = 999;
  CHECK(absl::IsNotFound(env.history->Submit(env.alice, merge).status()));
}

}  // namespace
}  // namespace mlvc::server::core
