// Repositories and branches.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareRepositoryStatements(pqxx::connection& conn) {
  conn.prepare("repo_create",
               "WITH ins AS (INSERT INTO repositories (name, created_by) VALUES ($1, $2)"
               "  ON CONFLICT (name) DO NOTHING RETURNING id, name, created_by, created_at,"
               "  default_role)"
               " SELECT ins.id, ins.name, u.name,"
               "  (extract(epoch FROM ins.created_at) * 1000000)::bigint, ins.default_role"
               " FROM ins JOIN users u ON u.id = ins.created_by");
  conn.prepare("repo_by_name",
               "SELECT r.id, r.name, u.name, (extract(epoch FROM r.created_at) * 1000000)::bigint,"
               " r.default_role FROM repositories r JOIN users u ON u.id = r.created_by WHERE r.name = $1");
  conn.prepare("repo_list",
               "SELECT r.id, r.name, u.name, (extract(epoch FROM r.created_at) * 1000000)::bigint,"
               " r.default_role FROM repositories r JOIN users u ON u.id = r.created_by"
               " ORDER BY r.name COLLATE \"C\"");
  // The UPDATE locks the repository row until the transaction ends, so concurrent submits
  // take numbers one after another and a rolled-back one leaves no gap behind.
  conn.prepare("repo_next_number",
               "UPDATE repositories SET last_number = last_number + 1 WHERE id = $1"
               " RETURNING last_number");
  conn.prepare("branch_create",
               "INSERT INTO branches (repo_id, name, head) VALUES ($1, $2, $3)"
               " ON CONFLICT (repo_id, name) DO NOTHING RETURNING name");
  conn.prepare("branch_get", "SELECT name, head FROM branches WHERE repo_id = $1 AND name = $2");
  conn.prepare("branch_get_for_update",
               "SELECT name, head FROM branches WHERE repo_id = $1 AND name = $2 FOR UPDATE");
  conn.prepare("branch_list",
               "SELECT name, head FROM branches WHERE repo_id = $1 ORDER BY name COLLATE \"C\"");
  // At READ COMMITTED the UPDATE waits for a concurrent mover and re-checks `head = $3`
  // against the committed row, which makes it a compare-and-swap.
  conn.prepare("branch_delete", "DELETE FROM branches WHERE repo_id = $1 AND name = $2");
  conn.prepare("branch_move",
               "UPDATE branches SET head = $4 WHERE repo_id = $1 AND name = $2 AND head = $3");
}

namespace {

RepositoryRecord RepositoryFromRow(const pqxx::row& row) {
  RepositoryRecord repo;
  repo.id = row[0].as<int64_t>();
  repo.name = row[1].as<std::string>();
  repo.created_by = row[2].as<std::string>();
  repo.created_at_micros = row[3].as<int64_t>();
  // The column's CHECK allows only known values; anything else reads as none.
  absl::StatusOr<std::optional<Role>> fallback = DefaultRoleFromText(row[4].as<std::string>());
  if (fallback.ok()) repo.default_role = *fallback;
  return repo;
}

BranchRecord BranchFromRow(const pqxx::row& row) {
  BranchRecord branch;
  branch.name = row[0].as<std::string>();
  branch.head = row[1].as<int64_t>();
  return branch;
}

}  // namespace

absl::StatusOr<RepositoryRecord> PgTxn::CreateRepository(const std::string& name,
                                                         int64_t created_by) {
  return Run("create repository", [&]() -> absl::StatusOr<RepositoryRecord> {
    pqxx::result r = w_.exec_prepared("repo_create", name, created_by);
    if (r.empty()) return absl::AlreadyExistsError("repository '" + name + "' already exists");
    return RepositoryFromRow(r[0]);
  });
}

absl::StatusOr<RepositoryRecord> PgTxn::GetRepository(const std::string& name) {
  return Run("get repository", [&]() -> absl::StatusOr<RepositoryRecord> {
    pqxx::result r = w_.exec_prepared("repo_by_name", name);
    if (r.empty()) return absl::NotFoundError("no repository '" + name + "'");
    return RepositoryFromRow(r[0]);
  });
}

absl::StatusOr<std::vector<RepositoryRecord>> PgTxn::ListRepositories() {
  return Run("list repositories", [&]() -> absl::StatusOr<std::vector<RepositoryRecord>> {
    std::vector<RepositoryRecord> out;
    for (const auto& row : w_.exec_prepared("repo_list")) out.push_back(RepositoryFromRow(row));
    return out;
  });
}

absl::Status PgTxn::CreateBranch(int64_t repo_id, const std::string& name, int64_t head) {
  return Run("create branch", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("branch_create", repo_id, name, head);
    if (r.empty()) return absl::AlreadyExistsError("branch '" + name + "' already exists");
    return absl::OkStatus();
  });
}

absl::StatusOr<BranchRecord> PgTxn::GetBranch(int64_t repo_id, const std::string& name,
                                              bool for_update) {
  return Run("get branch", [&]() -> absl::StatusOr<BranchRecord> {
    pqxx::result r =
        w_.exec_prepared(for_update ? "branch_get_for_update" : "branch_get", repo_id, name);
    if (r.empty()) return absl::NotFoundError("no branch '" + name + "'");
    return BranchFromRow(r[0]);
  });
}

absl::StatusOr<std::vector<BranchRecord>> PgTxn::ListBranches(int64_t repo_id) {
  return Run("list branches", [&]() -> absl::StatusOr<std::vector<BranchRecord>> {
    std::vector<BranchRecord> out;
    for (const auto& row : w_.exec_prepared("branch_list", repo_id)) {
      out.push_back(BranchFromRow(row));
    }
    return out;
  });
}

absl::Status PgTxn::MoveBranchHead(int64_t repo_id, const std::string& name,
                                   int64_t expected_head, int64_t new_head) {
  return Run("move branch head", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("branch_move", repo_id, name, expected_head, new_head);
    if (r.affected_rows() == 1) return absl::OkStatus();
    pqxx::result now = w_.exec_prepared("branch_get", repo_id, name);
    if (now.empty()) return absl::NotFoundError("no branch '" + name + "'");
    return absl::FailedPreconditionError(
        absl::StrCat("branch '", name, "' is at @", now[0][1].as<int64_t>(), ", not @",
                     expected_head));
  });
}

absl::Status PgTxn::DeleteBranch(int64_t repo_id, const std::string& name) {
  return Run("delete branch", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("branch_delete", repo_id, name);
    if (r.affected_rows() == 0) return absl::NotFoundError("no branch '" + name + "'");
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgTxn::AllocateChangesetNumber(int64_t repo_id) {
  return Run("allocate changeset number", [&]() -> absl::StatusOr<int64_t> {
    pqxx::result r = w_.exec_prepared("repo_next_number", repo_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no repository with id ", repo_id));
    return r[0][0].as<int64_t>();
  });
}

}  // namespace mlvc::server::store::internal
