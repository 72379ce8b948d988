// Branches, labels, history through merges and diffs with text, on a real migrated
// Postgres and a filesystem blob store.
#include <catch2/catch.hpp>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "server/core/access.h"
#include "server/core/authenticator.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
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
  Caller alice;  // creates "repo": its maintainer
  Caller bob;    // a writer

  Env() : CoreTestEnv(4) {
    alice = NewCaller("alice");
    bob = NewCaller("bob");
    REQUIRE(repos->CreateRepository(alice, "repo").ok());
    REQUIRE(GrantRoleAsServer(*store, "bob", "repo", Role::kWriter).ok());
  }

  std::string Put(const std::string& bytes) { return PutAs(alice, bytes); }

  // Submits one text file version on `branch`; returns the new changeset number.
  int64_t Commit(const std::string& branch, const std::string& path, const std::string& bytes,
                 const std::string& base_content = "") {
    SubmitRequest r;
    r.repository = "repo";
    r.branch = branch;
    r.base_number = Head(branch);
    r.submit_id = absl::StrCat("s", ++submits);
    r.message = "edit " + path;
    Change c;
    c.path = path;
    c.action = base_content.empty() ? PathAction::kAdd : PathAction::kModify;
    c.content_id = Put(bytes);
    c.kind = common::NodeKind::kText;
    c.base_content_id = base_content;
    r.changes.push_back(c);
    auto result = history->Submit(alice, r);
    REQUIRE(result.ok());
    return result->changeset.changeset.number;
  }

  int64_t Count(const std::string& table) {
    pqxx::connection conn(uri);
    pqxx::work w(conn);
    return w.exec1("SELECT count(*) FROM " + table)[0].as<int64_t>();
  }

  int submits = 0;
};

TEST_CASE("branch create is one row pointing at the source", "[postgres][core][branches]") {
  Env env;
  const int64_t c1 = env.Commit("main", "a.txt", "one\n");
  const int64_t trees = env.Count("tree_nodes");
  const int64_t changesets = env.Count("changesets");
  const int64_t branches = env.Count("branches");

  auto created = env.repos->CreateBranch(env.bob, "repo", "exp/lr-3e-4", "main");
  REQUIRE(created.ok());
  CHECK(created->head == c1);
  CHECK(env.Count("tree_nodes") == trees);
  CHECK(env.Count("changesets") == changesets);
  CHECK(env.Count("branches") == branches + 1);
  auto resolved = env.repos->ResolveRef("repo", "exp/lr-3e-4");
  REQUIRE(resolved.ok());
  CHECK(resolved->number == c1);
  CHECK(resolved->branch == "exp/lr-3e-4");

  // From a changeset number, and the default (main).
  auto at0 = env.repos->CreateBranch(env.alice, "repo", "old", "@0");
  REQUIRE(at0.ok());
  CHECK(at0->head == 0);
  auto dflt = env.repos->CreateBranch(env.alice, "repo", "dflt", "");
  REQUIRE(dflt.ok());
  CHECK(dflt->head == c1);

  // Errors, each leaving the branch table as it was.
  const int64_t before = env.Count("branches");
  auto dup = env.repos->CreateBranch(env.alice, "repo", "old", "main");
  CHECK(absl::IsAlreadyExists(dup.status()));
  CHECK(std::string(dup.status().message()) == "branch 'old' already exists");
  CHECK(absl::IsInvalidArgument(env.repos->CreateBranch(env.alice, "repo", "bad..name", "")
                                    .status()));
  CHECK(absl::IsInvalidArgument(env.repos->CreateBranch(env.alice, "repo", "42", "").status()));
  CHECK(absl::IsNotFound(env.repos->CreateBranch(env.alice, "repo", "x", "nope").status()));
  CHECK(absl::IsNotFound(env.repos->CreateBranch(env.alice, "repo", "x", "@99").status()));
  CHECK(absl::IsNotFound(env.repos->CreateBranch(env.alice, "nope", "x", "").status()));
  CHECK(env.Count("branches") == before);

  // A commit on the new branch leaves main where it was.
  const int64_t c2 = env.Commit("exp/lr-3e-4", "a.txt", "two\n", common::Sha256Hex("one\n"));
  CHECK(env.Head("exp/lr-3e-4") == c2);
  CHECK(env.Head("main") == c1);
}

TEST_CASE("branch delete is audited and main cannot be deleted", "[postgres][core][branches]") {
  Env env;
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "tmp", "").ok());
  const int64_t audits = env.Count("audit WHERE action = 'branch.delete'");
  REQUIRE(env.repos->DeleteBranch(env.bob, "repo", "tmp").ok());
  CHECK(env.Count("audit WHERE action = 'branch.delete'") == audits + 1);
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "tmp").status()));
  CHECK(absl::IsNotFound(env.repos->DeleteBranch(env.alice, "repo", "tmp")));
  absl::Status main = env.repos->DeleteBranch(env.alice, "repo", "main");
  CHECK(absl::IsFailedPrecondition(main));
  CHECK(std::string(main.message()) == "branch 'main' cannot be deleted");
  CHECK(env.Head("main") == 0);
  // The changesets of a deleted branch stay reachable by number.
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "tmp2", "").ok());
  const int64_t c = env.Commit("tmp2", "x.txt", "x\n");
  REQUIRE(env.repos->DeleteBranch(env.alice, "repo", "tmp2").ok());
  CHECK(env.Head(absl::StrCat("@", c)) == c);
}

TEST_CASE("labels are immutable names listed by name", "[postgres][core][labels]") {
  Env env;
  const int64_t c1 = env.Commit("main", "a.txt", "one\n");
  auto v1 = env.repos->CreateLabel(env.bob, "repo", "v1.0", "main", "first release");
  REQUIRE(v1.ok());
  CHECK(v1->number == c1);
  CHECK(v1->notes == "first release");
  CHECK(v1->created_by == "bob");
  CHECK(v1->created_at_micros > 0);
  REQUIRE(env.repos->CreateLabel(env.alice, "repo", "v0.9", "@0", "").ok());
  REQUIRE(env.repos->CreateLabel(env.alice, "repo", "v1.2.0", "v1.0", "").ok());

  // Resolving: plain name and "@name"; the label does not move when main does.
  env.Commit("main", "a.txt", "two\n", common::Sha256Hex("one\n"));
  auto r = env.repos->ResolveRef("repo", "v1.0");
  REQUIRE(r.ok());
  CHECK(r->number == c1);
  CHECK(r->label == "v1.0");
  CHECK(r->branch.empty());
  CHECK(env.Head("@v1.0") == c1);
  CHECK(env.Head("v1.2.0") == c1);
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "@v9").status()));
  CHECK(absl::IsInvalidArgument(env.repos->ResolveRef("repo", "@a/b").status()));

  // Duplicate: ALREADY_EXISTS naming the label, and the label unchanged.
  auto dup = env.repos->CreateLabel(env.alice, "repo", "v1.0", "main", "again");
  CHECK(absl::IsAlreadyExists(dup.status()));
  CHECK(absl::StrContains(dup.status().message(), "label 'v1.0' already exists"));
  CHECK(env.Head("v1.0") == c1);

  // Bad names and unknown refs.
  for (const char* bad : {"42", "v1/rc", ".v1", "v1.", "v 1", ""}) {
    INFO(bad);
    CHECK(absl::IsInvalidArgument(env.repos->CreateLabel(env.alice, "repo", bad, "", "")
                                      .status()));
  }
  CHECK(absl::IsNotFound(env.repos->CreateLabel(env.alice, "repo", "v3", "nope", "").status()));

  // Listing, with paging.
  auto all = env.repos->ListLabels("repo", "", 0);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].name == "v0.9");
  CHECK((*all)[1].name == "v1.0");
  CHECK((*all)[2].name == "v1.2.0");
  auto page1 = env.repos->ListLabels("repo", "", 2);
  REQUIRE(page1.ok());
  REQUIRE(page1->size() == 2);
  auto page2 = env.repos->ListLabels("repo", page1->back().name, 2);
  REQUIRE(page2.ok());
  REQUIRE(page2->size() == 1);
  CHECK((*page2)[0].name == "v1.2.0");
  CHECK(absl::IsInvalidArgument(env.repos->ListLabels("repo", "", -1).status()));
  CHECK(absl::IsNotFound(env.repos->ListLabels("nope", "", 0).status()));
}

TEST_CASE("deleting a label needs a maintainer and is audited", "[postgres][core][labels]") {
  Env env;
  REQUIRE(env.repos->CreateLabel(env.bob, "repo", "v1.0", "", "").ok());
  CHECK(env.Authorize(env.bob, "mlvc.v1.RepositoryService/CreateLabel", "repo").ok());
  absl::Status denied = env.Authorize(env.bob, "mlvc.v1.RepositoryService/DeleteLabel", "repo");
  CHECK(absl::IsPermissionDenied(denied));
  CHECK(absl::StrContains(denied.message(), "maintainer"));
  CHECK(env.Head("v1.0") == 0);

  REQUIRE(env.repos->DeleteLabel(env.alice, "repo", "v1.0").ok());
  CHECK(env.Count("audit WHERE action = 'label.delete' AND result = 'ok'") == 1);
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "v1.0").status()));
  CHECK(absl::IsNotFound(env.repos->DeleteLabel(env.alice, "repo", "v1.0")));
  // The name is free again.
  CHECK(env.repos->CreateLabel(env.alice, "repo", "v1.0", "", "").ok());
}

TEST_CASE("branches and labels share one namespace", "[postgres][core][labels]") {
  Env env;
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "release", "").ok());
  REQUIRE(env.repos->CreateLabel(env.alice, "repo", "v1.0", "", "").ok());
  auto label_over_branch = env.repos->CreateLabel(env.alice, "repo", "release", "", "");
  CHECK(absl::IsAlreadyExists(label_over_branch.status()));
  CHECK(absl::StrContains(label_over_branch.status().message(), "a branch named 'release'"));
  auto branch_over_label = env.repos->CreateBranch(env.alice, "repo", "v1.0", "");
  CHECK(absl::IsAlreadyExists(branch_over_label.status()));
  CHECK(absl::StrContains(branch_over_label.status().message(), "a label named 'v1.0'"));
  CHECK(absl::IsAlreadyExists(env.repos->CreateLabel(env.alice, "repo", "main", "", "").status()));
  CHECK(env.Count("labels") == 1);
  CHECK(env.Count("branches") == 2);
}

TEST_CASE("diff with text between two branches", "[postgres][core][history]") {
  Env env;
  const std::string base = "alpha\nbeta\ngamma\n";
  env.Commit("main", "cfg.yaml", base);
  env.Commit("main", "model.bin", std::string("\0\1\2", 3));
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "exp", "main").ok());
  env.Commit("exp", "cfg.yaml", "alpha\nBETA\ngamma\n", common::Sha256Hex(base));
  env.Commit("exp", "notes.txt", "new\n");

  auto diff = env.history->Diff("repo", env.Head("main"), env.Head("exp"), {}, true);
  REQUIRE(diff.ok());
  REQUIRE(diff->size() == 2);
  CHECK((*diff)[0].path == "cfg.yaml");
  CHECK((*diff)[0].unified_diff ==
        "--- a/cfg.yaml\n+++ b/cfg.yaml\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n");
  CHECK((*diff)[1].path == "notes.txt");
  CHECK((*diff)[1].action == PathAction::kAdd);
  CHECK(absl::StrContains((*diff)[1].unified_diff, "--- /dev/null\n+++ b/notes.txt\n"));
  CHECK(absl::StrContains((*diff)[1].unified_diff, "+new\n"));
  // Without text, no diff is rendered.
  auto plain = env.history->Diff("repo", env.Head("main"), env.Head("exp"), {}, false);
  REQUIRE(plain.ok());
  CHECK((*plain)[0].unified_diff.empty());
}

TEST_CASE("log through every parent reaches both sides of a merge", "[postgres][core][history]") {
  Env env;
  const int64_t c1 = env.Commit("main", "a.txt", "a\n");                        // @1 main
  REQUIRE(env.repos->CreateBranch(env.alice, "repo", "side", "main").ok());
  const int64_t c2 = env.Commit("side", "b.txt", "b\n");                        // @2 side
  const int64_t c3 = env.Commit("main", "c.txt", "c\n");                        // @3 main
  // A merge changeset @4 on main with parents @3 and @2, written through the store (the
  // server-side merge that normally makes it is tested with the merge service).
  int64_t merge = 0;
  REQUIRE(env.store
              ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                auto repo = txn.GetRepository("repo");
                if (!repo.ok()) return repo.status();
                auto head = txn.GetChangeset(repo->id, c3);
                if (!head.ok()) return head.status();
                auto number = txn.AllocateChangesetNumber(repo->id);
                if (!number.ok()) return number.status();
                store::ChangesetRecord cs;
                cs.number = *number;
                cs.parent = c3;
                cs.merge_parent = c2;
                cs.root_tree = head->root_tree;
                cs.author_id = env.alice.user.id;
                cs.message = "merge side";
                if (auto s = txn.InsertChangeset(repo->id, cs, {}); !s.ok()) return s;
                merge = *number;
                return txn.MoveBranchHead(repo->id, "main", c3, *number);
              })
              .ok());

  auto first = env.history->Log("repo", "main", "", 0, false);
  REQUIRE(first.ok());
  std::vector<int64_t> first_numbers;
  for (const auto& cs : *first) first_numbers.push_back(cs.changeset.number);
  CHECK(first_numbers == std::vector<int64_t>{merge, c3, c1, 0});
  CHECK((*first)[0].changeset.merge_parent == c2);

  auto all = env.history->LogAllParents("repo", "main", 0, true);
  REQUIRE(all.ok());
  std::vector<int64_t> all_numbers;
  for (const auto& cs : *all) all_numbers.push_back(cs.changeset.number);
  CHECK(all_numbers == std::vector<int64_t>{merge, c3, c2, c1, 0});
  CHECK((*all)[0].changeset.parent == c3);
  CHECK((*all)[0].changeset.merge_parent == c2);
  REQUIRE((*all)[2].changed_paths.size() == 1);
  CHECK((*all)[2].changed_paths[0].path == "b.txt");

  auto limited = env.history->LogAllParents("repo", "main", 2, false);
  REQUIRE(limited.ok());
  CHECK(limited->size() == 2);
  // The side branch alone does not reach main's changesets after the fork.
  auto side = env.history->LogAllParents("repo", "side", 0, false);
  REQUIRE(side.ok());
  CHECK(side->size() == 3);
  CHECK(absl::IsNotFound(env.history->LogAllParents("repo", "nope", 0, false).status()));
  CHECK(absl::IsInvalidArgument(env.history->LogAllParents("repo", "main", -1, false).status()));
}

}  // namespace
}  // namespace mlvc::server::core
