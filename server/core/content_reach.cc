#include "server/core/content_reach.h"

#include "common/status/status_macros.h"
#include "server/core/access.h"

namespace mlvc::server::core {

absl::StatusOr<store::ContentReach> ReachOf(store::AccessTxn& txn, const Caller& caller) {
  store::ContentReach reach;
  reach.user_id = caller.user.id;
  ASSIGN_OR_RETURN(reach.repo_ids, ReadableRepositories(txn, caller.user));
  return reach;
}

std::optional<int64_t> ReadScopeOf(const Caller& caller) {
  if (caller.user.is_admin) return std::nullopt;
  // No repository authorized: scoped to none, so nothing reads (fail closed).
  return caller.repo_id.value_or(-1);
}

}  // namespace mlvc::server::core
