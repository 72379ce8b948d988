// Tokens and the server-side bootstrap of users. Tokens are "mlvc_" followed by 43 base64url
// characters (32 random bytes); only their SHA-256 hex is stored, so a database leak reveals
// no usable token, and a secret is shown once, when it is made.
// Requires: store/metadata_store.h, OpenSSL. Used by: access.cc, admin_service.cc, mlvcd
// admin (first admin, lost tokens), tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// A new random token. INTERNAL when the system has no randomness.
absl::StatusOr<std::string> NewToken();

// The stored form of `token` (SHA-256 hex). UNAUTHENTICATED "malformed token" when it
// cannot be one of ours (wrong prefix, too short or too long).
absl::StatusOr<std::string> TokenHash(std::string_view token);

// OK when a found token may be used; UNAUTHENTICATED saying why not (revoked, expired,
// disabled user).
absl::Status CheckToken(const store::TokenLookup& token);

// 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit. INVALID_ARGUMENT
// otherwise.
absl::Status ValidateUserName(const std::string& name);

// A token label: at most 255 bytes, no control characters. INVALID_ARGUMENT otherwise.
absl::Status ValidateTokenLabel(const std::string& label);

// A token just made: its row and its secret (shown once).
struct IssuedToken {
  store::TokenRecord record;
  std::string secret;
};

// Inserts a new token for `user` inside the caller's transaction. `issuer` is who issues it
// (nullopt: the server's command line). Errors of ValidateTokenLabel and of the store.
absl::StatusOr<IssuedToken> IssueToken(store::UserTxn& txn, const store::UserRecord& user,
                                       const std::string& label,
                                       std::optional<int64_t> lifetime_seconds,
                                       std::optional<int64_t> issuer);

// Thread-safe (stateless beyond the store).
class Authenticator {
 public:
  explicit Authenticator(store::MetadataStore& store) : store_(store) {}

  // The user owning `token`. UNAUTHENTICATED for an empty, malformed, unknown, revoked or
  // expired token or a disabled user; UNAVAILABLE/INTERNAL from the store.
  absl::StatusOr<store::UserRecord> Authenticate(std::string_view token);

  // Creates user `name` (ValidateUserName) and, unless it is a service account, a first
  // token that never expires, audited as "user.create" with no caller (the server's command
  // line), and returns the token ("" for a service account). INVALID_ARGUMENT for a bad
  // name or an admin service account, ALREADY_EXISTS when taken, INTERNAL when no
  // randomness.
  absl::StatusOr<std::string> CreateUser(const std::string& name, bool is_admin,
                                         bool is_service = false);

  // Issues a new token for `user_name` from the server's command line (a lost token),
  // audited as "token.create". NOT_FOUND for an unknown user.
  absl::StatusOr<IssuedToken> CreateToken(const std::string& user_name, const std::string& label,
                                          std::optional<int64_t> lifetime_seconds);

 private:
  store::MetadataStore& store_;
};

}  // namespace mlvc::server::core
