// Per-repository roles: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/lock_sql.cc.
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

// A user's role on one repository, ordered: each role may do what the lower ones may.
enum class Role { kReader = 1, kWriter = 2, kMaintainer = 3 };

struct RoleLookup {
  std::string repository;     // the repository's name (for messages)
  std::optional<Role> role;   // nullopt when the user has no row for the repository
};

// Not thread-safe, like the MetadataTxn it is part of.
class AccessTxn {
 public:
  virtual ~AccessTxn() = default;

  // The repository's name and the user's role on it. NOT_FOUND for an unknown repository id.
  virtual absl::StatusOr<RoleLookup> GetRole(int64_t repo_id, int64_t user_id) = 0;
  // Grants `role`, replacing any earlier one. NOT_FOUND for an unknown repository or user.
  virtual absl::Status SetRole(int64_t repo_id, int64_t user_id, Role role) = 0;
};

}  // namespace mlvc::server::store
