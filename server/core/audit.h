// Audit rows: a done mutation's, written by the core service in the mutation's own
// transaction, and a refused one's, written by the edge in a transaction of its own (the
// refused transaction, if any, rolled back). Every mutation leaves exactly one row per call.
// Requires: store/metadata_store.h. Used by: server/core services, server/rpc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// The audit row of `caller` doing `action` on `target` in repository `repo_id` (nullopt:
// none); `result` is "ok" or the refusal.
store::AuditRecord CallerAudit(const Caller& caller, std::string action,
                               std::optional<int64_t> repo_id, std::string target,
                               std::string result = "ok");

// What is known of a refused call.
struct Refusal {
  std::optional<int64_t> user_id;   // unknown when the token was not valid
  std::optional<int64_t> token_id;  // known for a revoked or expired token too
  std::string action;
  std::optional<int64_t> repo_id;
  std::string target;
  std::string client_addr;
  absl::Status status;  // the refusal
};

// The result column of a refusal: "refused: PERMISSION_DENIED: you need ...".
std::string RefusalResult(const absl::Status& status);

// Appends the row of `refusal` in a transaction of its own. Errors of the store.
absl::Status AuditRefusal(store::MetadataStore& store, const Refusal& refusal);

}  // namespace mlvc::server::core
