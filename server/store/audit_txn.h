// The audit log: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/audit_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

struct AuditRecord {
  std::optional<int64_t> user_id;
  std::string action;  // e.g. "repository.create", "submit", "user.create"
  std::optional<int64_t> repo_id;
  std::string target;  // what was acted on, free text
  std::string client_addr;
  std::string result;  // "ok" or the error
};

// Not thread-safe, like the MetadataTxn it is part of.
class AuditTxn {
 public:
  virtual ~AuditTxn() = default;

  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
};

}  // namespace mlvc::server::store
