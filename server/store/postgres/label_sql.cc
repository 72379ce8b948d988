// Labels, the lock that keeps branch and label names apart, and history through every
// parent. Branch deletion lives with the other branch statements in repository_sql.cc.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareLabelStatements(pqxx::connection& conn) {
  // A transaction-scoped advisory lock keyed by (a constant naming "ref names", the
  // repository): released at commit or rollback, held by one creator at a time. The
  // repository id is folded into the int4 key space; a collision only serializes two
  // repositories' creations, it never lets two through at once.
  conn.prepare("ref_names_lock",
               "SELECT pg_advisory_xact_lock(1835823715, ($1::bigint % 2147483647)::integer)");
  conn.prepare("label_create",
               "INSERT INTO labels (repo_id, name, number, notes, created_by)"
               " VALUES ($1, $2, $3, $4, $5)"
               " ON CONFLICT (repo_id, name) DO NOTHING RETURNING name");
  const std::string select =
      "SELECT l.name, l.number, l.notes, u.name,"
      " (extract(epoch FROM l.created_at) * 1000000)::bigint"
      " FROM labels l JOIN users u ON u.id = l.created_by";
  conn.prepare("label_get", select + " WHERE l.repo_id = $1 AND l.name = $2");
  // The name column is COLLATE "C": bytewise order, and "after" is an index range.
  conn.prepare("label_list", select + " WHERE l.repo_id = $1 AND l.name > $2"
                                      " ORDER BY l.name LIMIT $3");
  conn.prepare("label_delete", "DELETE FROM labels WHERE repo_id = $1 AND name = $2");
  // Every changeset reachable from $2 through parent and merge_parent. UNION (not UNION ALL)
  // drops a changeset already reached, so shared ancestry is walked once. Ordering by number
  // needs the whole reachable set, so this reads every ancestor; it serves `log --graph`.
  conn.prepare(
      "cs_history_all_parents",
      absl::StrCat(
          "WITH RECURSIVE reach (number) AS ("
          "  SELECT number FROM changesets WHERE repo_id = $1 AND number = $2"
          "  UNION"
          "  SELECT p.n FROM reach r"
          "   JOIN changesets c ON c.repo_id = $1 AND c.number = r.number"
          "   CROSS JOIN LATERAL (VALUES (c.parent), (c.merge_parent)) AS p (n)"
          "   WHERE p.n IS NOT NULL) "
          "SELECT ",
          kChangesetColumns,
          " FROM (SELECT number FROM reach ORDER BY number DESC LIMIT $3) ch"
          " JOIN changesets c ON c.repo_id = $1 AND c.number = ch.number"
          " JOIN users u ON u.id = c.author_id"
          " ORDER BY c.number DESC"));
}

namespace {

LabelRecord LabelFromRow(const pqxx::row& row) {
  LabelRecord label;
  label.name = row[0].as<std::string>();
  label.number = row[1].as<int64_t>();
  label.notes = row[2].as<std::string>();
  label.created_by = row[3].as<std::string>();
  label.created_at_micros = row[4].as<int64_t>();
  return label;
}

}  // namespace

absl::Status PgTxn::LockRefNames(int64_t repo_id) {
  return Run("lock ref names", [&]() -> absl::Status {
    w_.exec_prepared("ref_names_lock", repo_id);
    return absl::OkStatus();
  });
}

absl::Status PgTxn::CreateLabel(int64_t repo_id, const std::string& name, int64_t number,
                                const std::string& notes, int64_t created_by) {
  return Run("create label", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("label_create", repo_id, name, number, notes, created_by);
    if (r.empty()) return absl::AlreadyExistsError("label '" + name + "' already exists");
    return absl::OkStatus();
  });
}

absl::StatusOr<LabelRecord> PgTxn::GetLabel(int64_t repo_id, const std::string& name) {
  return Run("get label", [&]() -> absl::StatusOr<LabelRecord> {
    pqxx::result r = w_.exec_prepared("label_get", repo_id, name);
    if (r.empty()) return absl::NotFoundError("no label '" + name + "'");
    return LabelFromRow(r[0]);
  });
}

absl::StatusOr<std::vector<LabelRecord>> PgTxn::ListLabels(int64_t repo_id,
                                                           const std::string& after, int limit) {
  return Run("list labels", [&]() -> absl::StatusOr<std::vector<LabelRecord>> {
    std::vector<LabelRecord> out;
    for (const auto& row : w_.exec_prepared("label_list", repo_id, after, limit)) {
      out.push_back(LabelFromRow(row));
    }
    return out;
  });
}

absl::Status PgTxn::DeleteLabel(int64_t repo_id, const std::string& name) {
  return Run("delete label", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("label_delete", repo_id, name);
    if (r.affected_rows() == 0) return absl::NotFoundError("no label '" + name + "'");
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ChangesetRecord>> PgTxn::ListHistoryAllParents(int64_t repo_id,
                                                                          int64_t head,
                                                                          int limit) {
  return Run("list history through every parent",
             [&]() -> absl::StatusOr<std::vector<ChangesetRecord>> {
               std::vector<ChangesetRecord> out;
               for (const auto& row :
                    w_.exec_prepared("cs_history_all_parents", repo_id, head, limit)) {
                 out.push_back(ChangesetFromRow(row));
               }
               return out;
             });
}

}  // namespace mlvc::server::store::internal
