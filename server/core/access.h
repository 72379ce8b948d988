// Access control: who may call what. The authorization table (authorization_table.h) says
// what each RPC needs; AccessControl decides each call against it, once, before any
// service runs, from the caller's token and the request's facts. The rules:
//   * a token is valid unless unknown, revoked or expired, and its user is not disabled;
//   * server admins may do everything (they count as maintainers of every repository);
//   * otherwise a user's role on a repository is the higher of their row in `roles` and the
//     repository's default role for every signed-in user (none, reader or writer); with
//     neither, the user gets nothing there: a repository they cannot read answers exactly
//     like one that does not exist, so its name is not given away.
// Services do not check roles again, except where a request reaches a second repository
// (a run's inputs, a listing across repositories): they ask RequireRole or
// ReadableRepositories here, so these rules stay in this one file.
// Requires: store/metadata_store.h, authorization_table.h, OpenSSL (token hashes).
// Used by: server/rpc (every call), server/core services, mlvcd admin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/authorization_table.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

using store::RoleName;  // "reader", "writer", "maintainer"
// INVALID_ARGUMENT for anything but the three names above.
absl::StatusOr<Role> ParseRole(std::string_view name);
// A repository's default role: "none", "reader" or "writer" (nullopt is none).
const char* DefaultRoleName(std::optional<Role> role);
// INVALID_ARGUMENT for anything but the three names above.
absl::StatusOr<std::optional<Role>> ParseDefaultRole(std::string_view name);

// The role `user` has on a repository by the rules above; nullopt: none.
std::optional<Role> EffectiveRole(const store::UserRecord& user, const store::RoleLookup& lookup);

// The one sentence of a repository the caller cannot read, whether or not it exists.
std::string NoAccessMessage(std::string_view repository);

// Checks, inside the caller's transaction, that `user` has at least `minimum` on repository
// `repo_id` (a second repository a request reaches). OK or PERMISSION_DENIED: "you need the
// R role on repository 'X' to WHAT", or NoAccessMessage when the user has no role at all.
// NOT_FOUND for an unknown repository id.
absl::Status RequireRole(store::MetadataTxn& txn, const store::UserRecord& user,
                         int64_t repo_id, Role minimum, std::string_view what = "do this");

// The ids of the repositories `user` may read; nullopt for a server admin (every one).
absl::StatusOr<std::optional<std::vector<int64_t>>> ReadableRepositories(
    store::AccessTxn& txn, const store::UserRecord& user);

// What a request says that the table's rules read (the edge takes them from the request's
// fields of these names).
struct RequestFacts {
  std::string repository;  // `repository`; empty when the request names none
  std::string user;        // `user` (kSelfOrAdmin)
  bool escalate = false;   // the rule's escalate_if field is set
  bool read_only = false;  // the rule's read_only_if field is set
};

// The decision on one call, with what was learned on the way: the audit row of a refused
// mutation names whichever of the user, token and repository were known.
struct AccessDecision {
  absl::Status status;           // OK: allowed
  std::optional<Caller> caller;  // set whenever the token was valid
  std::optional<int64_t> token_id;
  std::optional<int64_t> repo_id;  // the repository the request names, when it exists
};

// Thread-safe (stateless beyond the store).
class AccessControl {
 public:
  explicit AccessControl(store::MetadataStore& store) : store_(store) {}

  // Decides a call of `rule`'s method with bearer `token` (empty when the call carried
  // none) and `facts`. The status is OK, or:
  //   UNAUTHENTICATED    no, malformed, unknown, revoked or expired token; disabled user
  //   PERMISSION_DENIED  the caller lacks what the rule needs (a sentence saying what)
  //   NOT_FOUND          (server admins only) the named repository does not exist
  //   INVALID_ARGUMENT   a repository-scoped call that names no repository
  //   UNAVAILABLE/INTERNAL from the store.
  // kPublic rules are allowed without looking at the token.
  AccessDecision Decide(std::string_view token, const Requirement& rule,
                        const RequestFacts& facts, const std::string& client_addr);

  // The part of Decide after the token: may `caller` make a call of `rule` with `facts`?
  // OK, PERMISSION_DENIED, NOT_FOUND or INVALID_ARGUMENT as above. For in-process callers
  // (tests, tools) that hold a Caller rather than a token.
  absl::Status Authorize(const Caller& caller, const Requirement& rule,
                         const RequestFacts& facts);

 private:
  store::MetadataStore& store_;
};

}  // namespace mlvc::server::core
