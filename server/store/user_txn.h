// Users and tokens: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/user_sql.cc.
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

struct UserRecord {
  int64_t id = 0;
  std::string name;
  bool is_admin = false;
};

// Not thread-safe, like the MetadataTxn it is part of.
class UserTxn {
 public:
  virtual ~UserTxn() = default;

  // ALREADY_EXISTS when the name is taken.
  virtual absl::StatusOr<UserRecord> CreateUser(const std::string& name, bool is_admin) = 0;
  // NOT_FOUND for an unknown user name.
  virtual absl::StatusOr<UserRecord> GetUserByName(const std::string& name) = 0;
  // Stores the SHA-256 hex of a token for a user.
  virtual absl::Status AddToken(int64_t user_id, const std::string& token_hash,
                                const std::string& label) = 0;
  // The user owning an unrevoked, unexpired token whose hash is `token_hash`, of a user
  // that is not disabled; records last use. NOT_FOUND otherwise.
  virtual absl::StatusOr<UserRecord> FindUserByTokenHash(const std::string& token_hash) = 0;
};

}  // namespace mlvc::server::store
