// Authentication: bearer tokens to users, and the creation of users with their first token.
// Tokens are "mlvc_" followed by 43 base64url characters (32 random bytes); only their
// SHA-256 hex is stored, so a database leak reveals no usable token.
// Requires: store/metadata_store.h, OpenSSL. Used by: server/rpc (every RPC), mlvcd admin.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Thread-safe (stateless beyond the store).
class Authenticator {
 public:
  explicit Authenticator(store::MetadataStore& store) : store_(store) {}

  // The user owning `token`. UNAUTHENTICATED for an empty, malformed, unknown, revoked or
  // expired token or a disabled user; UNAVAILABLE/INTERNAL from the store.
  absl::StatusOr<store::UserRecord> Authenticate(std::string_view token);

  // Creates user `name` (1-64 characters of [A-Za-z0-9._-], starting with a letter or digit)
  // with a new token, audited as "user.create", and returns the token (shown once).
  // INVALID_ARGUMENT for a bad name, ALREADY_EXISTS when taken, INTERNAL when no randomness.
  absl::StatusOr<std::string> CreateUser(const std::string& name, bool is_admin);

 private:
  store::MetadataStore& store_;
};

// A new random token. INTERNAL when the system has no randomness.
absl::StatusOr<std::string> NewToken();

}  // namespace mlvc::server::core
