// Users, tokens, repositories, branches, audit and transaction behaviour of the Postgres
// metadata store, on a freshly migrated database per test case.
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/status/status_macros.h"
#include "tests/integration/store/store_test_util.h"

namespace mlvc::server::store {
namespace {

using testing::Id;
using testing::MigratedStore;

void Sql(const std::string& uri, const std::string& sql) {
  pqxx::connection conn(uri);
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

TEST_CASE("Open of an unreachable database is UNAVAILABLE", "[postgres]") {
  auto store = PostgresMetadataStore::Open("postgresql://mlvc@127.0.0.1:1/x?connect_timeout=2", 2);
  CHECK(store.status().code() == absl::StatusCode::kUnavailable);
  auto bad_pool = PostgresMetadataStore::Open(mlvc::testing::FreshDatabaseUri(), 0);
  CHECK(bad_pool.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("users: create - get - duplicate - unknown", "[postgres]") {
  MigratedStore db;
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord alice, txn.CreateUser("alice", true, false));
    CHECK(alice.id > 0);
    CHECK(alice.name == "alice");
    CHECK(alice.is_admin);
    // A duplicate is reported without breaking the transaction: the next call still works.
    CHECK(txn.CreateUser("alice", false, false).status().code() == absl::StatusCode::kAlreadyExists);
    ASSIGN_OR_RETURN(UserRecord got, txn.GetUserByName("alice"));
    CHECK(got.id == alice.id);
    CHECK(got.is_admin);
    CHECK(txn.GetUserByName("bob").status().code() == absl::StatusCode::kNotFound);
    return absl::OkStatus();
  });
}

TEST_CASE("tokens: looked up with their state, listed, revoked, never read back", "[postgres]") {
  MigratedStore db;
  const std::string hash = Id(0xabc);
  int64_t uid = 0;
  int64_t token_id = 0;
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord bob, txn.CreateUser("bob", false, false));
    uid = bob.id;
    ASSIGN_OR_RETURN(TokenRecord t, txn.InsertToken({bob.id, hash, "laptop", std::nullopt,
                                                     std::nullopt}));
    token_id = t.id;
    CHECK(t.user_name == "bob");
    CHECK(t.label == "laptop");
    CHECK_FALSE(t.expires_at_micros.has_value());
    CHECK(txn.InsertToken({bob.id, hash, "again", std::nullopt, std::nullopt}).status().code() ==
          absl::StatusCode::kAlreadyExists);
    return absl::OkStatus();
  });
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(TokenLookup found, txn.LookupToken(hash));
    CHECK(found.token_id == token_id);
    CHECK(found.user.id == uid);
    CHECK(found.user.name == "bob");
    CHECK_FALSE(found.revoked);
    CHECK_FALSE(found.expired);
    CHECK_FALSE(found.user.disabled);
    CHECK(txn.LookupToken(Id(0xdef)).status().code() == absl::StatusCode::kNotFound);
    return absl::OkStatus();
  });
  {
    pqxx::connection conn(db.uri);
    pqxx::nontransaction tx(conn);
    CHECK_FALSE(tx.exec1("SELECT last_used_at FROM tokens")[0].is_null());
  }
  auto lookup = [&] {
    TokenLookup out;
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(out, txn.LookupToken(hash));
      return absl::OkStatus();
    });
    return out;
  };
  SECTION("expired") {
    Sql(db.uri, "UPDATE tokens SET expires_at = now() - interval '1 second'");
    CHECK(lookup().expired);
  }
  SECTION("revoked, keeping the first revocation time") {
    TokenRecord first;
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(first, txn.RevokeToken(token_id));
      return absl::OkStatus();
    });
    REQUIRE(first.revoked_at_micros.has_value());
    CHECK(lookup().revoked);
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(TokenRecord again, txn.RevokeToken(token_id));
      CHECK(again.revoked_at_micros == first.revoked_at_micros);
      CHECK(txn.RevokeToken(token_id + 1000).status().code() == absl::StatusCode::kNotFound);
      return absl::OkStatus();
    });
  }
  SECTION("user disabled, then enabled") {
    db.Txn([&](MetadataTxn& txn) { return txn.SetUserDisabled(uid, true); });
    CHECK(lookup().user.disabled);
    db.Txn([&](MetadataTxn& txn) { return txn.SetUserDisabled(uid, false); });
    CHECK_FALSE(lookup().user.disabled);
    db.Txn([&](MetadataTxn& txn) {
      CHECK(txn.SetUserDisabled(uid + 1000, true).code() == absl::StatusCode::kNotFound);
      return absl::OkStatus();
    });
  }
  SECTION("a lifetime expires on the database clock; lists are newest first, per user") {
    db.Txn([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(UserRecord eve, txn.CreateUser("eve", false, true));
      CHECK(eve.is_service);
      ASSIGN_OR_RETURN(TokenRecord ci, txn.InsertToken({eve.id, Id(0xc1), "ci", 3600, uid}));
      REQUIRE(ci.expires_at_micros.has_value());
      CHECK(*ci.expires_at_micros > ci.created_at_micros + 3599 * int64_t{1000000});
      CHECK(*ci.expires_at_micros < ci.created_at_micros + 3601 * int64_t{1000000});
      CHECK(ci.created_by == "bob");
      ASSIGN_OR_RETURN(std::vector<TokenRecord> all, txn.ListTokens(std::nullopt));
      REQUIRE(all.size() == 2);
      CHECK(all[0].id == ci.id);
      ASSIGN_OR_RETURN(std::vector<TokenRecord> bobs, txn.ListTokens(uid));
      REQUIRE(bobs.size() == 1);
      CHECK(bobs[0].id == token_id);
      ASSIGN_OR_RETURN(std::vector<UserRecord> users, txn.ListUsers());
      REQUIRE(users.size() == 2);
      CHECK(users[0].name == "bob");
      CHECK(users[1].name == "eve");
      return absl::OkStatus();
    });
  }
}

TEST_CASE("roles and default roles: set, list, delete, readable repositories", "[postgres]") {
  MigratedStore db;
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord ann, txn.CreateUser("ann", false, false));
    ASSIGN_OR_RETURN(UserRecord ben, txn.CreateUser("ben", false, false));
    ASSIGN_OR_RETURN(RepositoryRecord a, txn.CreateRepository("a", ann.id));
    ASSIGN_OR_RETURN(RepositoryRecord b, txn.CreateRepository("b", ann.id));
    ASSIGN_OR_RETURN(RepositoryRecord c, txn.CreateRepository("c", ann.id));
    CHECK_FALSE(a.default_role.has_value());  // a new repository is closed
    ASSIGN_OR_RETURN(std::vector<int64_t> none, txn.ReadableRepositoryIds(ben.id));
    CHECK(none.empty());
    RETURN_IF_ERROR(txn.SetRole(a.id, ben.id, Role::kWriter));
    RETURN_IF_ERROR(txn.SetDefaultRole(c.id, Role::kReader));
    CHECK(txn.SetDefaultRole(c.id, Role::kMaintainer).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(txn.SetDefaultRole(c.id + 1000, Role::kReader).code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(std::vector<int64_t> readable, txn.ReadableRepositoryIds(ben.id));
    CHECK(readable == std::vector<int64_t>{a.id, c.id});
    ASSIGN_OR_RETURN(RoleLookup on_c, txn.GetRole(c.id, ben.id));
    CHECK_FALSE(on_c.role.has_value());
    CHECK(on_c.default_role == Role::kReader);
    ASSIGN_OR_RETURN(RepositoryRecord c_read, txn.GetRepository("c"));
    CHECK(c_read.default_role == Role::kReader);
    ASSIGN_OR_RETURN(std::vector<RoleRecord> of_ben, txn.ListRoles(std::nullopt, ben.id));
    REQUIRE(of_ben.size() == 1);
    CHECK(of_ben[0].repository == "a");
    CHECK(of_ben[0].role == Role::kWriter);
    ASSIGN_OR_RETURN(Role had, txn.DeleteRole(a.id, ben.id));
    CHECK(had == Role::kWriter);
    CHECK(txn.DeleteRole(a.id, ben.id).status().code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(std::vector<RoleRecord> of_b, txn.ListRoles(b.id, std::nullopt));
    CHECK(of_b.empty());
    return absl::OkStatus();
  });
}

TEST_CASE("repositories and branches", "[postgres]") {
  MigratedStore db;
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord u, txn.CreateUser("carol", false, false));
    ASSIGN_OR_RETURN(RepositoryRecord zeta, txn.CreateRepository("zeta", u.id));
    CHECK(zeta.name == "zeta");
    CHECK(zeta.created_by == "carol");
    CHECK(zeta.created_at_micros > 1600000000LL * 1000000);
    ASSIGN_OR_RETURN(RepositoryRecord alpha, txn.CreateRepository("alpha", u.id));
    CHECK(txn.CreateRepository("zeta", u.id).status().code() ==
          absl::StatusCode::kAlreadyExists);
    ASSIGN_OR_RETURN(RepositoryRecord got, txn.GetRepository("zeta"));
    CHECK(got.id == zeta.id);
    CHECK(got.created_at_micros == zeta.created_at_micros);
    CHECK(txn.GetRepository("nope").status().code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(auto repos, txn.ListRepositories());
    REQUIRE(repos.size() == 2);
    CHECK(repos[0].name == "alpha");
    CHECK(repos[1].name == "zeta");

    // A root changeset for the branches to point at.
    RETURN_IF_ERROR(txn.PutTreeNodes({{Id(1), ""}}));
    ASSIGN_OR_RETURN(int64_t n0, txn.AllocateChangesetNumber(alpha.id));
    CHECK(n0 == 0);
    ChangesetRecord root;
    root.number = n0;
    root.root_tree = Id(1);
    root.author_id = u.id;
    root.message = "root";
    RETURN_IF_ERROR(txn.InsertChangeset(alpha.id, root, {}));
    ASSIGN_OR_RETURN(int64_t n1, txn.AllocateChangesetNumber(alpha.id));
    CHECK(n1 == 1);
    root.number = n1;
    root.parent = n0;
    RETURN_IF_ERROR(txn.InsertChangeset(alpha.id, root, {}));
    CHECK(txn.AllocateChangesetNumber(987654).status().code() == absl::StatusCode::kNotFound);

    RETURN_IF_ERROR(txn.CreateBranch(alpha.id, "main", 0));
    RETURN_IF_ERROR(txn.CreateBranch(alpha.id, "exp/b", 0));
    CHECK(txn.CreateBranch(alpha.id, "main", 0).code() == absl::StatusCode::kAlreadyExists);
    ASSIGN_OR_RETURN(BranchRecord main, txn.GetBranch(alpha.id, "main", false));
    CHECK(main.head == 0);
    ASSIGN_OR_RETURN(BranchRecord locked, txn.GetBranch(alpha.id, "main", true));
    CHECK(locked.head == 0);
    CHECK(txn.GetBranch(alpha.id, "nope", false).status().code() ==
          absl::StatusCode::kNotFound);
    CHECK(txn.GetBranch(zeta.id, "main", true).status().code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(auto branches, txn.ListBranches(alpha.id));
    REQUIRE(branches.size() == 2);
    CHECK(branches[0].name == "exp/b");
    CHECK(branches[1].name == "main");
    ASSIGN_OR_RETURN(auto none, txn.ListBranches(zeta.id));
    CHECK(none.empty());

    RETURN_IF_ERROR(txn.MoveBranchHead(alpha.id, "main", 0, 1));
    absl::Status stale = txn.MoveBranchHead(alpha.id, "main", 0, 1);
    CHECK(stale.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(txn.MoveBranchHead(alpha.id, "nope", 0, 1).code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(BranchRecord moved, txn.GetBranch(alpha.id, "main", false));
    CHECK(moved.head == 1);
    return absl::OkStatus();
  });
}

TEST_CASE("a repository created by an unknown user is NOT_FOUND", "[postgres]") {
  MigratedStore db;
  absl::Status s = db.store->RunInTransaction([](MetadataTxn& txn) -> absl::Status {
    return txn.CreateRepository("r", 424242).status();
  });
  CHECK(s.code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a body returning an error rolls everything back", "[postgres]") {
  MigratedStore db;
  absl::Status s = db.store->RunInTransaction([](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord u, txn.CreateUser("dave", false, false));
    RETURN_IF_ERROR(txn.CreateRepository("doomed", u.id).status());
    RETURN_IF_ERROR(txn.PutContent(Id(7), 7));
    return absl::InvalidArgumentError("changed my mind");
  });
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "changed my mind");
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    CHECK(txn.GetUserByName("dave").status().code() == absl::StatusCode::kNotFound);
    CHECK(txn.GetRepository("doomed").status().code() == absl::StatusCode::kNotFound);
    ASSIGN_OR_RETURN(auto size, txn.GetContentSize(Id(7)));
    CHECK_FALSE(size.has_value());
    return absl::OkStatus();
  });
}

TEST_CASE("a body that ignores a failed statement cannot commit", "[postgres]") {
  MigratedStore db;
  absl::Status s = db.store->RunInTransaction([](MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.CreateUser("hank", false, false).status());
    // An unknown user: the foreign key fails, Postgres aborts the transaction...
    CHECK(txn.InsertToken({424242, Id(1), "x", std::nullopt, std::nullopt}).status().code() ==
          absl::StatusCode::kNotFound);
    return absl::OkStatus();  // ...and the body pretends all is well.
  });
  CHECK(s.code() == absl::StatusCode::kNotFound);
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    CHECK(txn.GetUserByName("hank").status().code() == absl::StatusCode::kNotFound);
    return absl::OkStatus();
  });
}

TEST_CASE("an ABORTED made up by the body is returned without retrying", "[postgres]") {
  MigratedStore db;
  int runs = 0;
  absl::Status s = db.store->RunInTransaction([&](MetadataTxn&) -> absl::Status {
    ++runs;
    return absl::AbortedError("merge conflict");
  });
  CHECK(s.code() == absl::StatusCode::kAborted);
  CHECK(runs == 1);
}

// A trigger raises a real SQLSTATE on the first `failures` inserts of user "flaky"; a
// sequence counts attempts because, unlike a table, it is not rolled back with them.
void InstallFlakyTrigger(const std::string& uri, int failures, const std::string& sqlstate) {
  Sql(uri, "CREATE SEQUENCE flaky_attempts");
  Sql(uri,
      "CREATE FUNCTION flaky() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.name = 'flaky' AND nextval('flaky_attempts') <= " + std::to_string(failures) +
      "  THEN RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '" + sqlstate + "';"
      "  END IF; RETURN NEW; END $$");
  Sql(uri, "CREATE TRIGGER flaky BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION flaky()");
}

TEST_CASE("serialization failures and deadlocks re-run the body", "[postgres]") {
  MigratedStore db(1);
  const std::string sqlstate = GENERATE(as<std::string>{}, "40001", "40P01");
  InstallFlakyTrigger(db.uri, 2, sqlstate);
  int runs = 0;
  absl::Status s = db.store->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ++runs;
    return txn.CreateUser("flaky", false, false).status();
  });
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(runs == 3);
  db.Txn([](MetadataTxn& txn) { return txn.GetUserByName("flaky").status(); });
}

TEST_CASE("a conflict that persists ends as ABORTED after a few attempts", "[postgres]") {
  MigratedStore db(1);
  InstallFlakyTrigger(db.uri, 1000, "40001");
  int runs = 0;
  absl::Status s = db.store->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ++runs;
    return txn.CreateUser("flaky", false, false).status();
  });
  CHECK(s.code() == absl::StatusCode::kAborted);
  CHECK(runs == 5);
  // The connection is still good for the next transaction.
  db.Txn([](MetadataTxn& txn) { return txn.CreateUser("steady", false, false).status(); });
}

TEST_CASE("a CHECK violation is INVALID_ARGUMENT and not retried", "[postgres]") {
  MigratedStore db;
  int runs = 0;
  absl::Status s = db.store->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ++runs;
    return txn.PutContent("not-a-content-id", 1);
  });
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(runs == 1);
}

TEST_CASE("a dropped connection is replaced", "[postgres]") {
  MigratedStore db(1);
  db.Txn([](MetadataTxn& txn) { return txn.CreateUser("gina", false, false).status(); });
  // Kill the pool's only connection from outside.
  Sql(db.uri,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  absl::Status first = db.store->RunInTransaction(
      [](MetadataTxn& txn) { return txn.GetUserByName("gina").status(); });
  // Either the pool noticed before starting (OK) or the transaction saw it (UNAVAILABLE);
  // either way the next transaction runs on a fresh connection.
  CHECK((first.ok() || first.code() == absl::StatusCode::kUnavailable));
  db.Txn([](MetadataTxn& txn) { return txn.GetUserByName("gina").status(); });
}

TEST_CASE("audit rows are appended with optional ids", "[postgres]") {
  MigratedStore db;
  db.Txn([](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(UserRecord u, txn.CreateUser("frank", true, false));
    ASSIGN_OR_RETURN(RepositoryRecord r, txn.CreateRepository("audited", u.id));
    AuditRecord with_ids{u.id, std::nullopt, "repository.create", r.id, "audited",
                         "127.0.0.1:5", "ok"};
    RETURN_IF_ERROR(txn.AppendAudit(with_ids));
    AuditRecord anonymous{std::nullopt, std::nullopt, "login", std::nullopt, "", "",
                          "UNAUTHENTICATED"};
    RETURN_IF_ERROR(txn.AppendAudit(anonymous));
    // Listing: newest first, filtered, paged.
    AuditFilter all;
    ASSIGN_OR_RETURN(std::vector<AuditEntry> rows, txn.ListAudit(all));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].record.action == "login");
    CHECK(rows[1].user_name == "frank");
    CHECK(rows[1].repository == "audited");
    AuditFilter by_repo;
    by_repo.repo_id = r.id;
    ASSIGN_OR_RETURN(rows, txn.ListAudit(by_repo));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.action == "repository.create");
    AuditFilter by_action;
    by_action.action = "login";
    by_action.user_id = u.id;
    ASSIGN_OR_RETURN(rows, txn.ListAudit(by_action));
    CHECK(rows.empty());
    AuditFilter page;
    page.limit = 1;
    ASSIGN_OR_RETURN(rows, txn.ListAudit(page));
    REQUIRE(rows.size() == 1);
    page.before_id = rows[0].id;
    ASSIGN_OR_RETURN(rows, txn.ListAudit(page));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.action == "repository.create");
    return absl::OkStatus();
  });
  pqxx::connection conn(db.uri);
  pqxx::nontransaction tx(conn);
  pqxx::result r = tx.exec(
      "SELECT user_id IS NULL, action, repo_id IS NULL, target, client_addr, result"
      " FROM audit ORDER BY id");
  REQUIRE(r.size() == 2);
  CHECK_FALSE(r[0][0].as<bool>());
  CHECK(r[0][1].as<std::string>() == "repository.create");
  CHECK_FALSE(r[0][2].as<bool>());
  CHECK(r[0][4].as<std::string>() == "127.0.0.1:5");
  CHECK(r[1][0].as<bool>());
  CHECK(r[1][2].as<bool>());
  CHECK(r[1][5].as<std::string>() == "UNAUTHENTICATED");
}

}  // namespace
}  // namespace mlvc::server::store
