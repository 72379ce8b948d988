// Changesets, changed paths and history queries of the Postgres metadata store.
#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "common/status/status_macros.h"
#include "tests/integration/store/store_test_util.h"

namespace mlvc::server::store {
namespace {

using testing::Id;
using testing::MigratedStore;

struct Repo {
  int64_t user_id = 0;
  int64_t repo_id = 0;
};

// A user, a repository and its root changeset @0 (empty tree) with branch "main".
Repo MakeRepo(MigratedStore& db, const std::string& name = "repo") {
  Repo repo;
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    auto user = txn.GetUserByName("author");
    if (!user.ok()) user = txn.CreateUser("author", false, false);
    ASSIGN_OR_RETURN(UserRecord u, std::move(user));
    ASSIGN_OR_RETURN(RepositoryRecord r, txn.CreateRepository(name, u.id));
    RETURN_IF_ERROR(txn.PutTreeNodes({{Id(1), ""}}));
    ASSIGN_OR_RETURN(int64_t n, txn.AllocateChangesetNumber(r.id));
    ChangesetRecord root;
    root.number = n;
    root.root_tree = Id(1);
    root.author_id = u.id;
    root.message = "root";
    RETURN_IF_ERROR(txn.InsertChangeset(r.id, root, {}));
    RETURN_IF_ERROR(txn.CreateBranch(r.id, "main", n));
    repo.user_id = u.id;
    repo.repo_id = r.id;
    return absl::OkStatus();
  });
  return repo;
}

ChangedPathRecord Change(PathAction action, std::string path, int content = 0) {
  return {std::move(path), action, action == PathAction::kDelete ? "" : Id(content)};
}

// Commits changeset `number` with `parent` and `paths`; contents 100.. are pre-recorded.
void Commit(MigratedStore& db, const Repo& repo, int64_t number, std::optional<int64_t> parent,
            std::vector<ChangedPathRecord> paths, const std::string& submit_id = "") {
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    for (const auto& p : paths) {
      if (!p.content_id.empty()) RETURN_IF_ERROR(txn.PutContent(p.content_id, 10));
    }
    ASSIGN_OR_RETURN(int64_t n, txn.AllocateChangesetNumber(repo.repo_id));
    REQUIRE(n == number);
    ChangesetRecord cs;
    cs.number = n;
    cs.parent = parent;
    cs.root_tree = Id(1);
    cs.author_id = repo.user_id;
    cs.message = "change " + std::to_string(n);
    cs.submit_id = submit_id;
    return txn.InsertChangeset(repo.repo_id, cs, paths);
  });
}

std::vector<int64_t> Numbers(const std::vector<ChangesetRecord>& changesets) {
  std::vector<int64_t> out;
  for (const auto& cs : changesets) out.push_back(cs.number);
  return out;
}

using V = std::vector<int64_t>;

// main: 0 <- 1 <- 2 <- 3 <- 5, and 4 on a side branch from 2.
struct HistoryFixture {
  MigratedStore db;
  Repo repo = MakeRepo(db);
  HistoryFixture() {
    Commit(db, repo, 1, 0,
           {Change(PathAction::kAdd, "docs/readme.md", 101),
            Change(PathAction::kAdd, "docs2/file", 102),
            Change(PathAction::kAdd, "d%s/one", 103)},
           "submit-1");
    Commit(db, repo, 2, 1, {Change(PathAction::kModify, "docs/readme.md", 104)});
    Commit(db, repo, 3, 2, {Change(PathAction::kAdd, "docsx", 105)});
    Commit(db, repo, 4, 2, {Change(PathAction::kModify, "docs/readme.md", 106)});
    Commit(db, repo, 5, 3,
           {Change(PathAction::kDelete, "docs/readme.md"), Change(PathAction::kAdd, "d_s/two", 107)});
  }
  V History(int64_t head, const std::string& path, int limit = 100) {
    V out;
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(auto h, txn.ListHistory(repo.repo_id, head, path, limit));
      out = Numbers(h);
      return absl::OkStatus();
    });
    return out;
  }
  std::optional<int64_t> Last(int64_t head, const std::string& path) {
    std::optional<int64_t> out;
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(out, txn.LastChangeOf(repo.repo_id, head, path));
      return absl::OkStatus();
    });
    return out;
  }
};

TEST_CASE_METHOD(HistoryFixture, "ListHistory walks the first-parent chain", "[postgres]") {
  CHECK(History(5, "") == V{5, 3, 2, 1, 0});
  CHECK(History(5, "", 2) == V{5, 3});
  CHECK(History(4, "") == V{4, 2, 1, 0});
  CHECK(History(5, "", 0).empty());
}

TEST_CASE_METHOD(HistoryFixture, "ListHistory filters by path and by folder", "[postgres]") {
  CHECK(History(5, "docs/readme.md") == V{5, 2, 1});
  CHECK(History(5, "docs") == V{5, 2, 1});  // not docsx (@3), not docs2/file
  CHECK(History(5, "docs", 2) == V{5, 2});
  CHECK(History(4, "docs") == V{4, 2, 1});
  CHECK(History(5, "docsx") == V{3});
  CHECK(History(5, "docs2") == V{1});
  CHECK(History(5, "nothing").empty());
}

TEST_CASE_METHOD(HistoryFixture, "path filters treat % and _ literally", "[postgres]") {
  CHECK(History(5, "d%s") == V{1});
  CHECK(History(5, "d_s") == V{5});
  CHECK(History(5, "d%").empty());
  CHECK(History(5, "d_").empty());
  CHECK(History(5, "%").empty());
}

TEST_CASE_METHOD(HistoryFixture, "LastChangeOf finds the newest change on the chain",
                 "[postgres]") {
  CHECK(Last(5, "docs/readme.md") == 5);
  CHECK(Last(3, "docs/readme.md") == 2);
  CHECK(Last(4, "docs/readme.md") == 4);
  CHECK(Last(5, "docs2/file") == 1);
  CHECK(Last(5, "docs") == std::nullopt);  // exact paths only
  CHECK(Last(5, "nothing") == std::nullopt);
  CHECK(Last(0, "docs/readme.md") == std::nullopt);
}

TEST_CASE_METHOD(HistoryFixture, "changesets read back with their paths", "[postgres]") {
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(ChangesetRecord cs, txn.GetChangeset(repo.repo_id, 5));
    CHECK(cs.number == 5);
    CHECK(cs.parent == 3);
    CHECK_FALSE(cs.merge_parent.has_value());
    CHECK(cs.root_tree == Id(1));
    CHECK(cs.author_id == repo.user_id);
    CHECK(cs.author_name == "author");
    CHECK(cs.message == "change 5");
    CHECK(cs.submit_id.empty());
    CHECK(cs.created_at_micros > 1600000000LL * 1000000);
    ASSIGN_OR_RETURN(ChangesetRecord root, txn.GetChangeset(repo.repo_id, 0));
    CHECK_FALSE(root.parent.has_value());
    CHECK(txn.GetChangeset(repo.repo_id, 77).status().code() == absl::StatusCode::kNotFound);

    ASSIGN_OR_RETURN(auto paths, txn.GetChangedPaths(repo.repo_id, 5));
    REQUIRE(paths.size() == 2);
    CHECK(paths[0].path == "d_s/two");
    CHECK(paths[0].action == PathAction::kAdd);
    CHECK(paths[0].content_id == Id(107));
    CHECK(paths[1].path == "docs/readme.md");
    CHECK(paths[1].action == PathAction::kDelete);
    CHECK(paths[1].content_id.empty());
    ASSIGN_OR_RETURN(auto first, txn.GetChangedPaths(repo.repo_id, 1));
    REQUIRE(first.size() == 3);
    CHECK(first[0].path == "d%s/one");
    CHECK(first[2].path == "docs2/file");
    ASSIGN_OR_RETURN(auto none, txn.GetChangedPaths(repo.repo_id, 0));
    CHECK(none.empty());

    ASSIGN_OR_RETURN(auto by_submit, txn.FindChangesetBySubmitId(repo.repo_id, "submit-1"));
    REQUIRE(by_submit.has_value());
    CHECK(by_submit->number == 1);
    CHECK(by_submit->submit_id == "submit-1");
    ASSIGN_OR_RETURN(auto unknown, txn.FindChangesetBySubmitId(repo.repo_id, "other"));
    CHECK_FALSE(unknown.has_value());
    ASSIGN_OR_RETURN(auto empty, txn.FindChangesetBySubmitId(repo.repo_id, ""));
    CHECK_FALSE(empty.has_value());
    return absl::OkStatus();
  });
}

TEST_CASE_METHOD(HistoryFixture, "duplicate changesets and submit ids are ALREADY_EXISTS",
                 "[postgres]") {
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ChangesetRecord cs;
    cs.number = 5;
    cs.parent = 3;
    cs.root_tree = Id(1);
    cs.author_id = repo.user_id;
    CHECK(txn.InsertChangeset(repo.repo_id, cs, {}).code() == absl::StatusCode::kAlreadyExists);
    cs.number = 6;
    cs.submit_id = "submit-1";
    CHECK(txn.InsertChangeset(repo.repo_id, cs, {}).code() == absl::StatusCode::kAlreadyExists);
    // A fresh submit id goes in, and a merge parent is kept.
    cs.submit_id = "submit-6";
    cs.merge_parent = 4;
    RETURN_IF_ERROR(txn.InsertChangeset(repo.repo_id, cs, {}));
    ASSIGN_OR_RETURN(ChangesetRecord back, txn.GetChangeset(repo.repo_id, 6));
    CHECK(back.merge_parent == 4);
    return absl::OkStatus();
  });
}

TEST_CASE_METHOD(HistoryFixture, "a changed path naming unknown content is NOT_FOUND",
                 "[postgres]") {
  absl::Status s = db.store->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ChangesetRecord cs;
    cs.number = 6;
    cs.parent = 5;
    cs.root_tree = Id(1);
    cs.author_id = repo.user_id;
    return txn.InsertChangeset(repo.repo_id, cs, {Change(PathAction::kAdd, "x", 999)});
  });
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(History(5, "") == V{5, 3, 2, 1, 0});
}

TEST_CASE_METHOD(HistoryFixture, "references are checked at commit", "[postgres]") {
  // A branch may be created before the changeset it names, within one transaction...
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.CreateBranch(repo.repo_id, "early", 6));
    ChangesetRecord cs;
    cs.number = 6;
    cs.parent = 5;
    cs.root_tree = Id(1);
    cs.author_id = repo.user_id;
    return txn.InsertChangeset(repo.repo_id, cs, {});
  });
  // ...but a branch naming no changeset, or a changeset naming no tree, does not commit.
  absl::Status dangling_branch = db.store->RunInTransaction(
      [&](MetadataTxn& txn) { return txn.CreateBranch(repo.repo_id, "dangling", 99); });
  CHECK(dangling_branch.code() == absl::StatusCode::kNotFound);
  absl::Status missing_tree = db.store->RunInTransaction([&](MetadataTxn& txn) {
    ChangesetRecord cs;
    cs.number = 7;
    cs.parent = 6;
    cs.root_tree = Id(424242);
    cs.author_id = repo.user_id;
    return txn.InsertChangeset(repo.repo_id, cs, {});
  });
  CHECK(missing_tree.code() == absl::StatusCode::kNotFound);
  CHECK(History(6, "") == V{6, 5, 3, 2, 1, 0});
}

TEST_CASE("AllocateChangesetNumber from 8 threads gives contiguous numbers", "[postgres]") {
  MigratedStore db(4);  // fewer connections than threads: acquiring waits
  const Repo repo = MakeRepo(db);
  std::mutex mu;
  std::vector<int64_t> committed;
  int rolled_back = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const bool abandon = (i % 5 == 4);  // these roll back: their numbers must be reused
        int64_t number = -1;
        absl::Status s = db.store->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
          ASSIGN_OR_RETURN(number, txn.AllocateChangesetNumber(repo.repo_id));
          ChangesetRecord cs;
          cs.number = number;
          cs.root_tree = Id(1);
          cs.author_id = repo.user_id;
          cs.submit_id = "t" + std::to_string(t) + "-" + std::to_string(i);
          RETURN_IF_ERROR(txn.InsertChangeset(repo.repo_id, cs, {}));
          if (abandon) return absl::CancelledError("abandoned");
          return absl::OkStatus();
        });
        std::lock_guard<std::mutex> lock(mu);
        if (abandon) {
          CHECK(s.code() == absl::StatusCode::kCancelled);
          ++rolled_back;
        } else {
          CHECK(s.ok());
          committed.push_back(number);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(committed.begin(), committed.end());
  REQUIRE(committed.size() == 160);
  CHECK(rolled_back == 40);
  for (size_t i = 0; i < committed.size(); ++i) CHECK(committed[i] == static_cast<int64_t>(i) + 1);
}

TEST_CASE("the path-filtered history query uses the changed_paths index", "[postgres]") {
  MigratedStore db;
  const Repo repo = MakeRepo(db);
  // Enough rows that the planner prefers an index over a scan.
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.PutContent(Id(100), 1));
    for (int n = 1; n <= 400; ++n) {
      ASSIGN_OR_RETURN(int64_t number, txn.AllocateChangesetNumber(repo.repo_id));
      ChangesetRecord cs;
      cs.number = number;
      cs.parent = number - 1;
      cs.root_tree = Id(1);
      cs.author_id = repo.user_id;
      std::vector<ChangedPathRecord> paths;
      for (int p = 0; p < 10; ++p) {
        paths.push_back(Change(PathAction::kModify,
                               "dir" + std::to_string((n * 10 + p) % 97) + "/f" + std::to_string(n * 10 + p),
                               100));
      }
      RETURN_IF_ERROR(txn.InsertChangeset(repo.repo_id, cs, paths));
    }
    return absl::OkStatus();
  });
  {
    pqxx::connection conn(db.uri);
    pqxx::nontransaction tx(conn);
    tx.exec("ANALYZE");
  }
  auto plan = db.store->ExplainHistoryForTest(repo.repo_id, 400, "dir5", 20);
  REQUIRE(plan.ok());
  INFO(*plan);
  CHECK(plan->find("changed_paths_by_path_idx") != std::string::npos);
  CHECK(plan->find("Seq Scan on changed_paths") == std::string::npos);
}

}  // namespace
}  // namespace mlvc::server::store
