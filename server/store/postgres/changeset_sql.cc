// Changesets, their changed paths, and history along the first-parent chain.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

const char* const kChangesetColumns =
    "c.number, c.parent, c.merge_parent, c.root_tree, c.author_id, u.name,"
    " (extract(epoch FROM c.created_at) * 1000000)::bigint, c.message, c.submit_id";

ChangesetRecord ChangesetFromRow(const pqxx::row& row) {
  ChangesetRecord cs;
  cs.number = row[0].as<int64_t>();
  if (!row[1].is_null()) cs.parent = row[1].as<int64_t>();
  if (!row[2].is_null()) cs.merge_parent = row[2].as<int64_t>();
  cs.root_tree = row[3].as<std::string>();
  cs.author_id = row[4].as<int64_t>();
  cs.author_name = row[5].as<std::string>();
  cs.created_at_micros = row[6].as<int64_t>();
  cs.message = row[7].as<std::string>();
  if (!row[8].is_null()) cs.submit_id = row[8].as<std::string>();
  return cs;
}

namespace {

// The first-parent chain from $2 in repository $1, as a CTE named `chain`. Every step is
// one primary-key lookup; rows come out newest first.
#define MLVC_FIRST_PARENT_CHAIN                                                     \
  "WITH RECURSIVE chain (number, parent) AS ("                                      \
  "  SELECT number, parent FROM changesets WHERE repo_id = $1 AND number = $2"      \
  "  UNION ALL"                                                                     \
  "  SELECT c.number, c.parent FROM changesets c JOIN chain ON c.repo_id = $1"      \
  "   AND c.number = chain.parent) "

}  // namespace

// Paths are compared bytewise (the column is COLLATE "C"), so "$3 or under it" is $3 itself
// plus the range ($3 || '/', $3 || '0'): '0' is the byte after '/'. Unlike LIKE, this treats
// '%' and '_' in paths literally, and it is a range scan on changed_paths_by_path_idx.
const char* const kHistoryByPathSql =
    MLVC_FIRST_PARENT_CHAIN
    ", hits AS ("
    "  SELECT DISTINCT number FROM changed_paths"
    "  WHERE repo_id = $1 AND number <= $2"
    "    AND (path = $3 OR (path > ($3 || '/') AND path < ($3 || '0'))))"
    " SELECT c.number, c.parent, c.merge_parent, c.root_tree, c.author_id, u.name,"
    "  (extract(epoch FROM c.created_at) * 1000000)::bigint, c.message, c.submit_id"
    " FROM hits JOIN chain ON chain.number = hits.number"
    " JOIN changesets c ON c.repo_id = $1 AND c.number = hits.number"
    " JOIN users u ON u.id = c.author_id"
    " ORDER BY c.number DESC LIMIT $4";

void PrepareChangesetStatements(pqxx::connection& conn) {
  const std::string select = absl::StrCat("SELECT ", kChangesetColumns,
                                          " FROM changesets c JOIN users u ON u.id = c.author_id");
  conn.prepare("cs_insert",
               "INSERT INTO changesets (repo_id, number, parent, merge_parent, root_tree,"
               " author_id, message, submit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
               " ON CONFLICT DO NOTHING RETURNING number");
  conn.prepare("cs_insert_paths",
               "INSERT INTO changed_paths (repo_id, number, path, action, content_id)"
               " SELECT $1, $2, p, a, c FROM unnest($3::text[], $4::text[], $5::text[])"
               " AS t (p, a, c)");
  conn.prepare("cs_get", select + " WHERE c.repo_id = $1 AND c.number = $2");
  conn.prepare("cs_by_submit_id", select + " WHERE c.repo_id = $1 AND c.submit_id = $2");
  conn.prepare("cs_paths",
               "SELECT path, action, content_id FROM changed_paths"
               " WHERE repo_id = $1 AND number = $2 ORDER BY path");
  // The chain is produced newest first, so the LIMIT inside stops the walk early.
  conn.prepare("cs_history",
               MLVC_FIRST_PARENT_CHAIN
               "SELECT c.number, c.parent, c.merge_parent, c.root_tree, c.author_id, u.name,"
               "  (extract(epoch FROM c.created_at) * 1000000)::bigint, c.message, c.submit_id"
               " FROM (SELECT number FROM chain LIMIT $3) ch"
               " JOIN changesets c ON c.repo_id = $1 AND c.number = ch.number"
               " JOIN users u ON u.id = c.author_id"
               " ORDER BY c.number DESC");
  conn.prepare("cs_history_path", kHistoryByPathSql);
  conn.prepare("cs_last_change",
               MLVC_FIRST_PARENT_CHAIN
               "SELECT max(cp.number) FROM changed_paths cp JOIN chain ON chain.number = cp.number"
               " WHERE cp.repo_id = $1 AND cp.path = $3 AND cp.number <= $2");
}

namespace {

const char* ActionCode(PathAction action) {
  switch (action) {
    case PathAction::kAdd:
      return "A";
    case PathAction::kModify:
      return "M";
    case PathAction::kDelete:
      return "D";
  }
  return "?";
}

absl::StatusOr<PathAction> ActionFromCode(const std::string& code) {
  if (code == "A") return PathAction::kAdd;
  if (code == "M") return PathAction::kModify;
  if (code == "D") return PathAction::kDelete;
  return absl::DataLossError("changed path with unknown action '" + code + "'");
}

// Text of an optional number for a parameter; nullptr (SQL NULL) when absent.
const char* OptionalNumber(const std::optional<int64_t>& value, std::string* storage) {
  if (!value.has_value()) return nullptr;
  *storage = std::to_string(*value);
  return storage->c_str();
}

}  // namespace

absl::Status PgTxn::InsertChangeset(int64_t repo_id, const ChangesetRecord& changeset,
                                    const std::vector<ChangedPathRecord>& paths) {
  return Run("insert changeset", [&]() -> absl::Status {
    std::string parent_text, merge_parent_text;
    const char* submit_id = changeset.submit_id.empty() ? nullptr : changeset.submit_id.c_str();
    pqxx::result r = w_.exec_prepared(
        "cs_insert", repo_id, changeset.number, OptionalNumber(changeset.parent, &parent_text),
        OptionalNumber(changeset.merge_parent, &merge_parent_text), changeset.root_tree,
        changeset.author_id, changeset.message, submit_id);
    if (r.empty()) {
      return absl::AlreadyExistsError(absl::StrCat("changeset @", changeset.number,
                                                   " or its submit id already exists"));
    }
    if (paths.empty()) return absl::OkStatus();
    std::vector<std::string> path_values, actions;
    std::vector<std::optional<std::string>> content_ids;
    for (const ChangedPathRecord& p : paths) {
      path_values.push_back(p.path);
      actions.push_back(ActionCode(p.action));
      if (p.action == PathAction::kDelete) {
        content_ids.push_back(std::nullopt);
      } else {
        content_ids.push_back(p.content_id);
      }
    }
    w_.exec_prepared("cs_insert_paths", repo_id, changeset.number, TextArrayLiteral(path_values),
                     TextArrayLiteral(actions), TextArrayLiteral(content_ids));
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangesetRecord> PgTxn::GetChangeset(int64_t repo_id, int64_t number) {
  return Run("get changeset", [&]() -> absl::StatusOr<ChangesetRecord> {
    pqxx::result r = w_.exec_prepared("cs_get", repo_id, number);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no changeset @", number));
    return ChangesetFromRow(r[0]);
  });
}

absl::StatusOr<std::optional<ChangesetRecord>> PgTxn::FindChangesetBySubmitId(
    int64_t repo_id, const std::string& submit_id) {
  return Run("find changeset by submit id",
             [&]() -> absl::StatusOr<std::optional<ChangesetRecord>> {
               if (submit_id.empty()) return std::nullopt;
               pqxx::result r = w_.exec_prepared("cs_by_submit_id", repo_id, submit_id);
               if (r.empty()) return std::nullopt;
               return ChangesetFromRow(r[0]);
             });
}

absl::StatusOr<std::vector<ChangesetRecord>> PgTxn::ListHistory(int64_t repo_id, int64_t head,
                                                                const std::string& path,
                                                                int limit) {
  return Run("list history", [&]() -> absl::StatusOr<std::vector<ChangesetRecord>> {
    std::vector<ChangesetRecord> out;
    if (limit <= 0) return out;
    pqxx::result r = path.empty()
                         ? w_.exec_prepared("cs_history", repo_id, head, limit)
                         : w_.exec_prepared("cs_history_path", repo_id, head, path, limit);
    for (const auto& row : r) out.push_back(ChangesetFromRow(row));
    return out;
  });
}

absl::StatusOr<std::vector<ChangedPathRecord>> PgTxn::GetChangedPaths(int64_t repo_id,
                                                                     int64_t number) {
  return Run("get changed paths", [&]() -> absl::StatusOr<std::vector<ChangedPathRecord>> {
    std::vector<ChangedPathRecord> out;
    for (const auto& row : w_.exec_prepared("cs_paths", repo_id, number)) {
      ChangedPathRecord p;
      p.path = row[0].as<std::string>();
      auto action = ActionFromCode(row[1].as<std::string>());
      if (!action.ok()) return action.status();
      p.action = *action;
      if (!row[2].is_null()) p.content_id = row[2].as<std::string>();
      out.push_back(std::move(p));
    }
    return out;
  });
}

absl::StatusOr<std::optional<int64_t>> PgTxn::LastChangeOf(int64_t repo_id, int64_t head,
                                                            const std::string& path) {
  return Run("last change of path", [&]() -> absl::StatusOr<std::optional<int64_t>> {
    pqxx::result r = w_.exec_prepared("cs_last_change", repo_id, head, path);
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return r[0][0].as<int64_t>();
  });
}

}  // namespace mlvc::server::store::internal
