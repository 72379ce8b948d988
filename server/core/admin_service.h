// Administration: users and service accounts, tokens, roles and the audit log. What each call
// needs of its caller is the authorization table's business (authorization_table.h); these
// methods add only what depends on the data (whose token it is). Every mutation writes one
// audit row in its own transaction.
// Requires: store/metadata_store.h, access.h, authenticator.h. Used by: server/rpc
// (AdminService), tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/access.h"
#include "server/core/authenticator.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Listing limits of ListAudit.
inline constexpr int kDefaultAuditLimit = 50;
inline constexpr int kMaxAuditLimit = 1000;

struct NewUser {
  std::string name;
  bool is_admin = false;
  bool is_service = false;
};

// A created user, with the secret of its first token (none for a service account: an admin
// issues those with CreateToken).
struct CreatedUser {
  store::UserRecord user;
  std::optional<IssuedToken> token;
};

struct NewTokenRequest {
  std::string user;   // empty: the caller
  std::string label;
  std::optional<int64_t> lifetime_seconds;  // nullopt: never expires
};

// A repository's roles and its default role.
struct RoleListing {
  std::vector<store::RoleRecord> roles;
  // Set when the listing is of one repository.
  std::optional<std::optional<Role>> default_role;
};

struct AuditQuery {
  std::string repository;  // empty: any
  std::string user;        // empty: any
  std::string action;      // empty: any
  std::optional<int64_t> since_micros;
  int64_t before_id = 0;   // 0: from the newest
  int limit = 0;           // 0: kDefaultAuditLimit
};

// Thread-safe (stateless beyond the store).
class AdminService {
 public:
  explicit AdminService(store::MetadataStore& store) : store_(store) {}

  // Creates a user and, unless it is a service account, its first token (never expiring).
  // INVALID_ARGUMENT bad name (ValidateUserName) or an admin service account;
  // ALREADY_EXISTS when taken.
  absl::StatusOr<CreatedUser> CreateUser(const Caller& caller, const NewUser& user);
  // Every user, sorted by name.
  absl::StatusOr<std::vector<store::UserRecord>> ListUsers();
  // Disables (refusing every token of the user from the next call on, on every replica) or
  // enables a user. NOT_FOUND unknown user; FAILED_PRECONDITION when an admin would disable
  // themselves (someone must be left to undo it).
  absl::StatusOr<store::UserRecord> SetUserDisabled(const Caller& caller,
                                                    const std::string& name, bool disabled);

  // Issues a token for `request.user` (the caller when empty). INVALID_ARGUMENT bad label or
  // lifetime; NOT_FOUND unknown user; FAILED_PRECONDITION for a disabled user.
  absl::StatusOr<IssuedToken> CreateToken(const Caller& caller, const NewTokenRequest& request);
  // Tokens of `user` (the caller when empty; every user's when `all`), newest first.
  // NOT_FOUND unknown user; PERMISSION_DENIED `all` from anyone but an admin.
  absl::StatusOr<std::vector<store::TokenRecord>> ListTokens(const Caller& caller,
                                                             const std::string& user, bool all);
  // Revokes token `token_id`: the caller's own, or anyone's for an admin. NOT_FOUND for an
  // unknown token or, to anyone but an admin, someone else's (its existence is not theirs to
  // learn).
  absl::StatusOr<store::TokenRecord> RevokeToken(const Caller& caller, int64_t token_id);

  // Gives `user` `role` on `repository` (replacing an earlier role). NOT_FOUND unknown user
  // or repository.
  absl::StatusOr<store::RoleRecord> GrantRole(const Caller& caller, const std::string& user,
                                              const std::string& repository, Role role);
  // Takes `user`'s role on `repository` away (the default role still applies). NOT_FOUND
  // unknown user or repository, or no role to take.
  absl::Status RevokeRole(const Caller& caller, const std::string& user,
                          const std::string& repository);
  // Roles of `repository` (with its default role) and/or of `user`; every role when both are
  // empty. NOT_FOUND unknown user or repository.
  absl::StatusOr<RoleListing> ListRoles(const std::string& repository, const std::string& user);

  // Audit rows matching `query`, newest first. INVALID_ARGUMENT for a negative limit or
  // before_id; NOT_FOUND unknown repository or user.
  absl::StatusOr<std::vector<store::AuditEntry>> ListAudit(const AuditQuery& query);

 private:
  store::MetadataStore& store_;
};

// Grants `role` on `repository` to `user_name` from the server's command line (no caller),
// audited. NOT_FOUND for an unknown user or repository.
absl::Status GrantRoleAsServer(store::MetadataStore& store, const std::string& user_name,
                               const std::string& repository, Role role);

}  // namespace mlvc::server::core
