// The audit log: one row per mutation, appended in the mutation's own transaction.
#include <pqxx/pqxx>

#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareAuditStatements(pqxx::connection& conn) {
  conn.prepare("audit_append",
               "INSERT INTO audit (user_id, action, repo_id, target, client_addr, result)"
               " VALUES ($1, $2, $3, $4, $5, $6)");
}

absl::Status PgTxn::AppendAudit(const AuditRecord& record) {
  return Run("append audit", [&]() -> absl::Status {
    // libpqxx 6 has no optional parameters: a null pointer is SQL NULL.
    const std::string user_id = record.user_id ? std::to_string(*record.user_id) : "";
    const std::string repo_id = record.repo_id ? std::to_string(*record.repo_id) : "";
    w_.exec_prepared("audit_append", record.user_id ? user_id.c_str() : nullptr, record.action,
                     record.repo_id ? repo_id.c_str() : nullptr, record.target,
                     record.client_addr, record.result);
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::store::internal
