// The audit log: one row per mutation or refused attempt at one, appended in the mutation's
// own transaction (a refusal's in a transaction of its own).
#include <pqxx/pqxx>

#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareAuditStatements(pqxx::connection& conn) {
  conn.prepare("audit_append",
               "INSERT INTO audit (user_id, token_id, action, repo_id, target, client_addr,"
               " result) VALUES ($1, $2, $3, $4, $5, $6, $7)");
  // Each filter is either absent ($n IS NULL) or an equality the planner can serve from one
  // of the (column, id DESC) indexes of migration 0009; with none, the primary key.
  conn.prepare("audit_list",
               "SELECT a.id, " MLVC_MICROS("a.at") ", a.user_id, a.token_id, a.action,"
               " a.repo_id, a.target, a.client_addr, a.result, coalesce(u.name, ''),"
               " coalesce(r.name, '')"
               " FROM audit a LEFT JOIN users u ON u.id = a.user_id"
               "  LEFT JOIN repositories r ON r.id = a.repo_id"
               " WHERE ($1::bigint IS NULL OR a.repo_id = $1)"
               "  AND ($2::bigint IS NULL OR a.user_id = $2)"
               "  AND ($3 = '' OR a.action = $3)"
               "  AND ($4::bigint IS NULL OR a.at >= to_timestamp($4::bigint / 1000000.0))"
               "  AND ($5::bigint = 0 OR a.id < $5)"
               " ORDER BY a.id DESC LIMIT $6");
}

absl::Status PgTxn::AppendAudit(const AuditRecord& record) {
  return Run("append audit", [&]() -> absl::Status {
    const NullableInt user_id(record.user_id);
    const NullableInt token_id(record.token_id);
    const NullableInt repo_id(record.repo_id);
    w_.exec_prepared("audit_append", user_id.get(), token_id.get(), record.action,
                     repo_id.get(), record.target, record.client_addr, record.result);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntry>> PgTxn::ListAudit(const AuditFilter& filter) {
  return Run("list audit", [&]() -> absl::StatusOr<std::vector<AuditEntry>> {
    const NullableInt repo_id(filter.repo_id);
    const NullableInt user_id(filter.user_id);
    const NullableInt since(filter.since_micros);
    std::vector<AuditEntry> out;
    for (const auto& row : w_.exec_prepared("audit_list", repo_id.get(), user_id.get(),
                                            filter.action, since.get(), filter.before_id,
                                            filter.limit)) {
      AuditEntry& e = out.emplace_back();
      e.id = row[0].as<int64_t>();
      e.at_micros = row[1].as<int64_t>();
      if (!row[2].is_null()) e.record.user_id = row[2].as<int64_t>();
      if (!row[3].is_null()) e.record.token_id = row[3].as<int64_t>();
      e.record.action = row[4].as<std::string>();
      if (!row[5].is_null()) e.record.repo_id = row[5].as<int64_t>();
      e.record.target = row[6].as<std::string>();
      e.record.client_addr = row[7].as<std::string>();
      e.record.result = row[8].as<std::string>();
      e.user_name = row[9].as<std::string>();
      e.repository = row[10].as<std::string>();
    }
    return out;
  });
}

}  // namespace mlvc::server::store::internal
