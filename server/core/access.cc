#include "server/core/access.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/core/refs.h"

namespace mlvc::server::core {

const char* RoleName(Role role) {
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

absl::StatusOr<Role> ParseRole(std::string_view name) {
  if (name == "reader") return Role::kReader;
  if (name == "writer") return Role::kWriter;
  if (name == "maintainer") return Role::kMaintainer;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role '", absl::string_view(name.data(), name.size()),
      "' (reader, writer or maintainer)"));
}

namespace {

// Admins are maintainers everywhere; users without a row are writers.
Role Effective(const store::UserRecord& user, const store::RoleLookup& lookup) {
  if (user.is_admin) return Role::kMaintainer;
  return lookup.role.value_or(Role::kWriter);
}

}  // namespace

absl::StatusOr<Role> EffectiveRole(store::MetadataTxn& txn, const store::UserRecord& user,
                                   int64_t repo_id) {
  ASSIGN_OR_RETURN(store::RoleLookup lookup, txn.GetRole(repo_id, user.id));
  return Effective(user, lookup);
}

absl::Status RequireRole(store::MetadataTxn& txn, const store::UserRecord& user, int64_t repo_id,
                         Role minimum, std::string_view action) {
  ASSIGN_OR_RETURN(store::RoleLookup lookup, txn.GetRole(repo_id, user.id));
  if (static_cast<int>(Effective(user, lookup)) >= static_cast<int>(minimum)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("you need the ", RoleName(minimum), " role on repository '",
                   lookup.repository, "' to ", absl::string_view(action.data(), action.size())));
}

absl::Status GrantRole(store::MetadataStore& store, const std::optional<Caller>& caller,
                       const std::string& user_name, const std::string& repository, Role role) {
  return store.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    absl::StatusOr<store::UserRecord> user = txn.GetUserByName(user_name);
    if (absl::IsNotFound(user.status())) {
      return absl::NotFoundError(absl::StrCat("no user '", user_name, "'"));
    }
    RETURN_IF_ERROR(user.status());
    if (caller.has_value()) {
      RETURN_IF_ERROR(RequireRole(txn, caller->user, repo.id, Role::kMaintainer, "grant roles"));
    }
    RETURN_IF_ERROR(txn.SetRole(repo.id, user->id, role));
    store::AuditRecord audit;
    if (caller.has_value()) {
      audit.user_id = caller->user.id;
      audit.client_addr = caller->client_addr;
    }
    audit.action = "role.grant";
    audit.repo_id = repo.id;
    audit.target = absl::StrCat(user_name, "=", RoleName(role));
    audit.result = "ok";
    return txn.AppendAudit(audit);
  });
}

}  // namespace mlvc::server::core
