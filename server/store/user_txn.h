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
  // A service account (a CI runner, say): holds tokens an admin issues, never its own.
  bool is_service = false;
  bool disabled = false;          // filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

// A token's row; the secret is never stored (only its SHA-256 hex) and never read back.
struct TokenRecord {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string user_name;  // filled on reads
  std::string label;
  std::string created_by;  // user name; empty when issued by the server's command line
  int64_t created_at_micros = 0;
  std::optional<int64_t> expires_at_micros;
  std::optional<int64_t> last_used_at_micros;
  std::optional<int64_t> revoked_at_micros;
};

// A token to insert. Its expiry is computed on the database's clock.
struct NewTokenRow {
  int64_t user_id = 0;
  std::string hash;  // SHA-256 hex of the secret
  std::string label;
  std::optional<int64_t> lifetime_seconds;  // nullopt: never expires
  std::optional<int64_t> created_by;        // user id of the issuer
};

// What a token hash is: its token, the token's state and its user. Callers decide which
// state refuses the call, so each refusal can say why.
struct TokenLookup {
  int64_t token_id = 0;
  bool revoked = false;
  bool expired = false;
  UserRecord user;  // with `disabled`
};

// Not thread-safe, like the MetadataTxn it is part of.
class UserTxn {
 public:
  virtual ~UserTxn() = default;

  // ALREADY_EXISTS when the name is taken.
  virtual absl::StatusOr<UserRecord> CreateUser(const std::string& name, bool is_admin,
                                                bool is_service) = 0;
  // NOT_FOUND for an unknown user name.
  virtual absl::StatusOr<UserRecord> GetUserByName(const std::string& name) = 0;
  // Every user, sorted by name.
  virtual absl::StatusOr<std::vector<UserRecord>> ListUsers() = 0;
  // Disables or enables a user (a disabled user's tokens are refused). NOT_FOUND for an
  // unknown user id.
  virtual absl::Status SetUserDisabled(int64_t user_id, bool disabled) = 0;

  // Stores a token and returns its row as read back. ALREADY_EXISTS when the hash is taken;
  // NOT_FOUND for an unknown user.
  virtual absl::StatusOr<TokenRecord> InsertToken(const NewTokenRow& token) = 0;
  // Tokens, newest first: of `user_id` only when set.
  virtual absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      std::optional<int64_t> user_id) = 0;
  // NOT_FOUND for an unknown token id.
  virtual absl::StatusOr<TokenRecord> GetToken(int64_t token_id) = 0;
  // Marks a token revoked (a revoked one keeps its first revocation time) and returns its
  // row. NOT_FOUND for an unknown token id.
  virtual absl::StatusOr<TokenRecord> RevokeToken(int64_t token_id) = 0;
  // The token whose hash is `token_hash` with its user, whatever its state; records its
  // last use (at most once a minute) when it is valid. NOT_FOUND when no token has it.
  virtual absl::StatusOr<TokenLookup> LookupToken(const std::string& token_hash) = 0;
};

}  // namespace mlvc::server::store
