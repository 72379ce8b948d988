// Per-repository roles: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/lock_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

// A user's role on one repository, ordered: each role may do what the lower ones may.
enum class Role { kReader = 1, kWriter = 2, kMaintainer = 3 };

// "reader", "writer", "maintainer": the names users write and the database stores.
constexpr const char* RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kMaintainer:
      return "maintainer";
  }
  return "reader";
}

// The role named `name` (one of RoleName's answers); nullopt for any other text.
constexpr std::optional<Role> RoleNamed(std::string_view name) {
  for (Role role : {Role::kReader, Role::kWriter, Role::kMaintainer}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

struct RoleLookup {
  std::string repository;     // the repository's name (for messages)
  std::optional<Role> role;   // nullopt when the user has no row for the repository
  // The role of every signed-in user without a row: nullopt (none), reader or writer.
  std::optional<Role> default_role;
};

// One row of `roles`, with names for listing.
struct RoleRecord {
  int64_t repo_id = 0;
  std::string repository;
  int64_t user_id = 0;
  std::string user_name;
  Role role = Role::kReader;
  int64_t granted_at_micros = 0;
};

// Not thread-safe, like the MetadataTxn it is part of.
class AccessTxn {
 public:
  virtual ~AccessTxn() = default;

  // The repository's name, its default role and the user's role on it. NOT_FOUND for an
  // unknown repository id.
  virtual absl::StatusOr<RoleLookup> GetRole(int64_t repo_id, int64_t user_id) = 0;
  // Grants `role`, replacing any earlier one. NOT_FOUND for an unknown repository or user.
  virtual absl::Status SetRole(int64_t repo_id, int64_t user_id, Role role) = 0;
  // Removes the user's row and returns the role it held. NOT_FOUND when there is none.
  virtual absl::StatusOr<Role> DeleteRole(int64_t repo_id, int64_t user_id) = 0;
  // Rows of `roles`, by repository name then user name: of `repo_id` only and of `user_id`
  // only when set.
  virtual absl::StatusOr<std::vector<RoleRecord>> ListRoles(std::optional<int64_t> repo_id,
                                                            std::optional<int64_t> user_id) = 0;
  // Sets the role of every signed-in user without a row (nullopt: none; kMaintainer is
  // INVALID_ARGUMENT). NOT_FOUND for an unknown repository id.
  virtual absl::Status SetDefaultRole(int64_t repo_id, std::optional<Role> role) = 0;
  // The ids of the repositories `user_id` may read through a row or a default role,
  // ascending (server admins are the caller's business: they read everything).
  virtual absl::StatusOr<std::vector<int64_t>> ReadableRepositoryIds(int64_t user_id) = 0;
};

}  // namespace mlvc::server::store
