// Administration from the client: who am I, users and service accounts, tokens, roles, a
// repository's default role and the audit log (AdminService, and RepositoryService's
// SetDefaultRole). Thin over client/remote; what can be checked without the server (a role
// name, a lifetime, a time) is checked here first, with the server's wording, so that bad
// input never costs a round trip and reads the same either way.
// Requires: client/remote, common/time. Used by: client/cli (admin, whoami, login, repo set).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/ops/ops_types.h"
#include "client/remote/admin_types.h"
#include "client/remote/remote_types.h"

namespace mlvc::client::ops {

// Every function that talks to the server may also return what any server call returns:
// UNAUTHENTICATED (no, unknown, revoked or expired token; disabled user), PERMISSION_DENIED
// (the sentence says which role or that a server admin is needed), UNAVAILABLE,
// DEADLINE_EXCEEDED. A repository the caller cannot read is PERMISSION_DENIED "no
// repository 'R' that you can read ...", whether or not it exists.

// --- pure checks (no server) ---

// A token lifetime as typed after --expires: "30d", "12h", "90m", "45s" (or combinations
// like "1h30m"), or "never" (returns 0). INVALID_ARGUMENT otherwise, or for more than 100
// years.
absl::StatusOr<int64_t> ParseTokenLifetime(std::string_view text);

// The start of an audit window as typed after --since: a duration ago ("2h", "7d", "90m",
// relative to `now`) or a time: RFC 3339 ("2026-05-01T12:00:00Z", "...+02:00"), or without
// a zone, taken as UTC ("2026-05-01T12:00:00", "2026-05-01 12:00", "2026-05-01").
// Microseconds since the epoch. INVALID_ARGUMENT for anything else.
absl::StatusOr<int64_t> ParseSince(std::string_view text, absl::Time now);

// OK for "reader", "writer", "maintainer"; INVALID_ARGUMENT otherwise.
absl::Status CheckRoleName(std::string_view role);
// OK for "none", "reader", "writer"; INVALID_ARGUMENT otherwise.
absl::Status CheckDefaultRoleName(std::string_view role);

// --- who am I ---

// The user of `endpoint`'s token. Also the token check of `mlvc login` (UNIMPLEMENTED from
// a server without AdminService).
absl::StatusOr<remote::WhoAmIInfo> WhoAmI(const Endpoint& endpoint);

// --- users (server admins) ---

// A user with a first token (never expiring), or with `service` a service account without
// one. INVALID_ARGUMENT bad name, or `admin` with `service`; ALREADY_EXISTS name taken.
absl::StatusOr<remote::CreatedUserInfo> CreateUser(const Endpoint& endpoint,
                                                   const std::string& name, bool admin,
                                                   bool service);
// Every user, by name.
absl::StatusOr<std::vector<remote::UserInfo>> ListUsers(const Endpoint& endpoint);
// `disabled`: every token of the user is refused from the next call on; otherwise they work
// again. NOT_FOUND unknown user; FAILED_PRECONDITION disabling oneself.
absl::StatusOr<remote::UserInfo> SetUserDisabled(const Endpoint& endpoint,
                                                 const std::string& name, bool disabled);

// --- tokens ---

// Issues a token for `user` (empty: the caller; another user's needs a server admin) named
// `name`, living `lifetime_seconds` (0: never expires). INVALID_ARGUMENT bad name or negative
// lifetime; NOT_FOUND unknown user; FAILED_PRECONDITION disabled user.
absl::StatusOr<remote::IssuedTokenInfo> CreateToken(const Endpoint& endpoint,
                                                    const std::string& user,
                                                    const std::string& name,
                                                    int64_t lifetime_seconds);
// Tokens of `user` (empty: the caller's), or with `all` every user's (admins); newest first,
// never a secret. INVALID_ARGUMENT a user and `all` together; NOT_FOUND unknown user.
absl::StatusOr<std::vector<remote::TokenInfo>> ListTokens(const Endpoint& endpoint,
                                                          const std::string& user, bool all);
// Revokes one's own token, or anyone's for an admin. INVALID_ARGUMENT id not positive;
// NOT_FOUND unknown token (or, to anyone but an admin, another user's).
absl::StatusOr<remote::TokenInfo> RevokeToken(const Endpoint& endpoint, int64_t token_id);

// --- roles (a repository's maintainers; across every repository, server admins) ---

// Gives `user` `role` on `repository`, replacing an earlier one. INVALID_ARGUMENT bad role;
// NOT_FOUND unknown user.
absl::StatusOr<remote::RoleGrantInfo> GrantRole(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& user,
                                                const std::string& role);
// Takes `user`'s own role on `repository` away (the default role still applies).
// NOT_FOUND unknown user, or no role to take.
absl::Status RevokeRole(const Endpoint& endpoint, const std::string& repository,
                        const std::string& user);
// Roles of `repository` (empty: every repository) and only of `user` when non-empty; with
// a repository, its default role too. NOT_FOUND unknown user.
absl::StatusOr<remote::RoleListingInfo> ListRoles(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  const std::string& user);
// Sets `repository`'s default role ("none", "reader", "writer"); returns the repository as
// it is now. Maintainers. INVALID_ARGUMENT any other value.
absl::StatusOr<remote::RepositoryInfo> SetDefaultRole(const Endpoint& endpoint,
                                                      const std::string& repository,
                                                      const std::string& default_role);

// --- audit ---

// Audit rows matching `query`, newest first (at most query.limit; 0 means the server's 50).
// INVALID_ARGUMENT negative limit or after_id; NOT_FOUND unknown user.
absl::StatusOr<std::vector<remote::AuditEntryInfo>> ListAudit(
    const Endpoint& endpoint, const remote::AuditQueryInfo& query);

}  // namespace mlvc::client::ops
