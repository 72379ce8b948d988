// Per-repository access control: roles (reader < writer < maintainer) and the one check
// every core service calls before acting on a repository.
//
// Rules: a server admin may do everything; a user with a row in `roles` has that role; a
// user without a row is treated as a writer (every authenticated user could write before
// roles existed), so maintainer-only actions need a real maintainer row (or admin).
// The creator of a repository is made its maintainer when it is created.
// Requires: store/metadata_store.h. Used by: server/core services, server/main.cc (grant).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

using store::Role;

// "reader", "writer", "maintainer".
const char* RoleName(Role role);
// INVALID_ARGUMENT for anything but the three names above.
absl::StatusOr<Role> ParseRole(std::string_view name);

// Checks, inside the caller's transaction, that `user` has at least `minimum` on repository
// `repo_id`. OK or:
//   PERMISSION_DENIED "you need the maintainer role on repository 'X' to ACTION"
//   NOT_FOUND         unknown repository id
// `action` completes the sentence ("force-unlock files", "change lockable patterns").
absl::Status RequireRole(store::MetadataTxn& txn, const store::UserRecord& user, int64_t repo_id,
                         Role minimum, std::string_view action = "do this");

// The role `user` effectively has on `repo_id` under the rules above (admins: maintainer).
// NOT_FOUND for an unknown repository id.
absl::StatusOr<Role> EffectiveRole(store::MetadataTxn& txn, const store::UserRecord& user,
                                   int64_t repo_id);

// Grants `role` on `repository` to `user_name` (replacing an earlier role) and audits it,
// in one transaction; `caller` is who grants (nullopt: the server's own command line).
// NOT_FOUND for an unknown user or repository.
absl::Status GrantRole(store::MetadataStore& store, const std::optional<Caller>& caller,
                       const std::string& user_name, const std::string& repository, Role role);

}  // namespace mlvc::server::core
