#include "server/core/audit.h"

#include <utility>

namespace mlvc::server::core {

store::AuditRecord CallerAudit(const Caller& caller, std::string action, int64_t repo_id,
                               std::string target, std::string result) {
  store::AuditRecord audit;
  audit.user_id = caller.user.id;
  audit.action = std::move(action);
  audit.repo_id = repo_id;
  audit.target = std::move(target);
  audit.client_addr = caller.client_addr;
  audit.result = std::move(result);
  return audit;
}

void AuditRefusal(store::MetadataStore& store, const Caller& caller, const std::string& action,
                  const std::string& repository, const std::string& target,
                  const absl::Status& refusal) {
  (void)store.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    absl::StatusOr<store::RepositoryRecord> repo = txn.GetRepository(repository);
    if (!repo.ok()) return absl::OkStatus();
    return txn.AppendAudit(
        CallerAudit(caller, action, repo->id, target, std::string(refusal.message())));
  });
}

}  // namespace mlvc::server::core
