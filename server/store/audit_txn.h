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
  std::optional<int64_t> token_id;  // the token of the call; nullopt from the command line
  std::string action;  // e.g. "repository.create", "submit", "user.create"
  std::optional<int64_t> repo_id;
  std::string target;  // what was acted on, free text
  std::string client_addr;
  std::string result;  // "ok" or the error
};

// An audit row as read back, with names.
struct AuditEntry {
  int64_t id = 0;
  int64_t at_micros = 0;
  AuditRecord record;
  std::string user_name;   // empty when none
  std::string repository;  // empty when none
};

// Which audit rows ListAudit returns: every filter that is set must match.
struct AuditFilter {
  std::optional<int64_t> repo_id;
  std::optional<int64_t> user_id;
  std::string action;              // empty: any
  std::optional<int64_t> since_micros;
  int64_t before_id = 0;           // only ids below it; 0: from the newest
  int limit = 50;
};

// Not thread-safe, like the MetadataTxn it is part of.
class AuditTxn {
 public:
  virtual ~AuditTxn() = default;

  // NOT_FOUND for an unknown user, token or repository id.
  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
  // Rows `filter` selects, newest first, at most `filter.limit`.
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAudit(const AuditFilter& filter) = 0;
};

}  // namespace mlvc::server::store
