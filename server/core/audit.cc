#include "server/core/audit.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace mlvc::server::core {

store::AuditRecord CallerAudit(const Caller& caller, std::string action,
                               std::optional<int64_t> repo_id, std::string target,
                               std::string result) {
  store::AuditRecord audit;
  audit.user_id = caller.user.id;
  audit.token_id = caller.token_id;
  audit.action = std::move(action);
  audit.repo_id = repo_id;
  audit.target = std::move(target);
  audit.client_addr = caller.client_addr;
  audit.result = std::move(result);
  return audit;
}

std::string RefusalResult(const absl::Status& status) {
  return absl::StrCat("refused: ", absl::StatusCodeToString(status.code()), ": ",
                      status.message());
}

absl::Status AuditRefusal(store::MetadataStore& store, const Refusal& refusal) {
  store::AuditRecord audit;
  audit.user_id = refusal.user_id;
  audit.token_id = refusal.token_id;
  audit.action = refusal.action;
  audit.repo_id = refusal.repo_id;
  audit.target = refusal.target;
  audit.client_addr = refusal.client_addr;
  audit.result = RefusalResult(refusal.status);
  return store.RunInTransaction(
      [&](store::MetadataTxn& txn) -> absl::Status { return txn.AppendAudit(audit); });
}

}  // namespace mlvc::server::core
