// Locks (migration 0002): exclusive path locks of a branch and each repository's lockable
// patterns.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

namespace {

#define MLVC_LOCK_COLUMNS                                                             \
  " l.branch, l.path, l.user_id, u.name, l.comment,"                                  \
  " (extract(epoch FROM l.created_at) * 1000000)::bigint"

LockRecord LockFromRow(const pqxx::row& row) {
  LockRecord lock;
  lock.branch = row[0].as<std::string>();
  lock.path = row[1].as<std::string>();
  lock.user_id = row[2].as<int64_t>();
  lock.user_name = row[3].as<std::string>();
  lock.comment = row[4].as<std::string>();
  lock.created_at_micros = row[5].as<int64_t>();
  return lock;
}

// Parses a Postgres text[] as returned in text form: {a,"b c"}.
std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  std::vector<std::string> out;
  pqxx::array_parser parser = field.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::juncture::done;
       item = parser.get_next()) {
    if (item.first == pqxx::array_parser::juncture::string_value) out.push_back(item.second);
  }
  return out;
}

}  // namespace

// Every page is a range scan of the primary key (repo_id, branch, path) starting at
// max($3, just after $4), in path order, stopping after $5 rows. Paths are COLLATE "C"
// (bytewise), so every path starting with $3 sorts at or after $3; left() keeps the match
// literal (LIKE would treat '%' and '_' in paths as wildcards). With no prefix, the
// planner folds the whole test away, so its row estimate stays that of the key range.
const char* const kListLocksSql =
    "SELECT" MLVC_LOCK_COLUMNS
    " FROM locks l JOIN users u ON u.id = l.user_id"
    " WHERE l.repo_id = $1 AND l.branch = $2 AND l.path >= $3 AND l.path > $4"
    "  AND ($3 = '' OR left(l.path, length($3)) = $3)"
    " ORDER BY l.path LIMIT $5";

void PrepareLockStatements(pqxx::connection& conn) {
  // ON CONFLICT DO NOTHING waits for a concurrent inserter of the same key and then does
  // nothing if it committed, so racing lockers never fail with a unique violation (which
  // would abort the whole transaction); the loser reads the winner's row afterwards.
  conn.prepare("lock_insert",
               "INSERT INTO locks (repo_id, branch, path, user_id, comment)"
               " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repo_id, branch, path) DO NOTHING");
  conn.prepare("lock_get_many",
               "SELECT" MLVC_LOCK_COLUMNS
               " FROM locks l JOIN users u ON u.id = l.user_id"
               " WHERE l.repo_id = $1 AND l.branch = $2 AND l.path = ANY($3::text[])"
               " ORDER BY l.path");
  conn.prepare("lock_delete_many",
               "WITH d AS (DELETE FROM locks WHERE repo_id = $1 AND branch = $2"
               "  AND path = ANY($3::text[]) AND ($4::bigint IS NULL OR user_id = $4)"
               "  RETURNING branch, path, user_id, comment, created_at)"
               " SELECT d.branch, d.path, d.user_id, u.name, d.comment,"
               "  (extract(epoch FROM d.created_at) * 1000000)::bigint"
               " FROM d JOIN users u ON u.id = d.user_id ORDER BY d.path");
  conn.prepare("lock_list", kListLocksSql);
  conn.prepare("lock_delete_branch", "DELETE FROM locks WHERE repo_id = $1 AND branch = $2");
  conn.prepare("lockable_get", "SELECT lockable_patterns FROM repositories WHERE id = $1");
  conn.prepare("lockable_set",
               "UPDATE repositories SET lockable_patterns = $2::text[] WHERE id = $1");
}

absl::StatusOr<LockRecord> PgTxn::TryInsertLock(int64_t repo_id, const LockRecord& lock) {
  return Run("take lock", [&]() -> absl::StatusOr<LockRecord> {
    const std::string paths = TextArrayLiteral(std::vector<std::string>{lock.path});
    // A holder that unlocks between our conflict and our read leaves nothing to read; the
    // path is free again then, so try again (bounded: each round needs another unlock).
    for (int attempt = 0; attempt < 8; ++attempt) {
      w_.exec_prepared("lock_insert", repo_id, lock.branch, lock.path, lock.user_id,
                       lock.comment);
      pqxx::result r = w_.exec_prepared("lock_get_many", repo_id, lock.branch, paths);
      if (!r.empty()) return LockFromRow(r[0]);
    }
    return absl::AbortedError(absl::StrCat("lock of '", lock.path, "' kept changing hands"));
  });
}

absl::StatusOr<std::vector<LockRecord>> PgTxn::GetLocks(int64_t repo_id,
                                                        const std::string& branch,
                                                        const std::vector<std::string>& paths) {
  return Run("get locks", [&]() -> absl::StatusOr<std::vector<LockRecord>> {
    std::vector<LockRecord> out;
    if (paths.empty()) return out;
    for (const auto& row :
         w_.exec_prepared("lock_get_many", repo_id, branch, TextArrayLiteral(paths))) {
      out.push_back(LockFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::vector<LockRecord>> PgTxn::DeleteLocks(int64_t repo_id,
                                                           const std::string& branch,
                                                           const std::vector<std::string>& paths,
                                                           std::optional<int64_t> user_id) {
  return Run("release locks", [&]() -> absl::StatusOr<std::vector<LockRecord>> {
    std::vector<LockRecord> out;
    if (paths.empty()) return out;
    const std::string user = user_id ? std::to_string(*user_id) : "";
    for (const auto& row :
         w_.exec_prepared("lock_delete_many", repo_id, branch, TextArrayLiteral(paths),
                          user_id ? user.c_str() : nullptr)) {
      out.push_back(LockFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<int64_t> PgTxn::DeleteBranchLocks(int64_t repo_id, const std::string& branch) {
  return Run("delete branch locks", [&]() -> absl::StatusOr<int64_t> {
    pqxx::result r = w_.exec_prepared("lock_delete_branch", repo_id, branch);
    return static_cast<int64_t>(r.affected_rows());
  });
}

absl::StatusOr<std::vector<LockRecord>> PgTxn::ListLocks(int64_t repo_id,
                                                         const std::string& branch,
                                                         const std::string& prefix,
                                                         const std::string& after, int limit) {
  return Run("list locks", [&]() -> absl::StatusOr<std::vector<LockRecord>> {
    std::vector<LockRecord> out;
    for (const auto& row : w_.exec_prepared("lock_list", repo_id, branch, prefix, after, limit)) {
      out.push_back(LockFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::GetLockablePatterns(int64_t repo_id) {
  return Run("get lockable patterns", [&]() -> absl::StatusOr<std::vector<std::string>> {
    pqxx::result r = w_.exec_prepared("lockable_get", repo_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no repository with id ", repo_id));
    return ParseTextArray(r[0][0]);
  });
}

absl::Status PgTxn::SetLockablePatterns(int64_t repo_id,
                                        const std::vector<std::string>& patterns) {
  return Run("set lockable patterns", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("lockable_set", repo_id, TextArrayLiteral(patterns));
    if (r.affected_rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no repository with id ", repo_id));
    }
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::store::internal
