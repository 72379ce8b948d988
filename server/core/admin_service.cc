#include "server/core/admin_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/core/audit.h"
#include "server/core/refs.h"

namespace mlvc::server::core {
namespace {

absl::StatusOr<store::UserRecord> FindUser(store::UserTxn& txn, const std::string& name) {
  absl::StatusOr<store::UserRecord> user = txn.GetUserByName(name);
  if (absl::IsNotFound(user.status())) {
    return absl::NotFoundError(absl::StrCat("no user '", name, "'"));
  }
  return user;
}

std::string LifetimeText(std::optional<int64_t> seconds) {
  if (!seconds.has_value()) return "never expires";
  return absl::StrCat("expires in ", *seconds, " s");
}

}  // namespace

absl::StatusOr<CreatedUser> AdminService::CreateUser(const Caller& caller, const NewUser& user) {
  RETURN_IF_ERROR(ValidateUserName(user.name));
  if (user.is_admin && user.is_service) {
    return absl::InvalidArgumentError("a service account cannot be a server admin");
  }
  CreatedUser out;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out = CreatedUser();
    ASSIGN_OR_RETURN(out.user, txn.CreateUser(user.name, user.is_admin, user.is_service));
    if (!user.is_service) {
      ASSIGN_OR_RETURN(out.token, IssueToken(txn, out.user, "created with the user",
                                             std::nullopt, caller.user.id));
    }
    return txn.AppendAudit(CallerAudit(
        caller, "user.create", std::nullopt,
        absl::StrCat(user.name, user.is_admin ? " (admin)" : "",
                     user.is_service ? " (service)" : "")));
  });
  RETURN_IF_ERROR(done);
  return out;
}

absl::StatusOr<std::vector<store::UserRecord>> AdminService::ListUsers() {
  std::vector<store::UserRecord> users;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(users, txn.ListUsers());
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(done);
  return users;
}

absl::StatusOr<store::UserRecord> AdminService::SetUserDisabled(const Caller& caller,
                                                                const std::string& name,
                                                                bool disabled) {
  store::UserRecord user;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(user, FindUser(txn, name));
    if (disabled && user.id == caller.user.id) {
      return absl::FailedPreconditionError(
          "you cannot disable yourself (another admin, or 'mlvcd admin', can)");
    }
    RETURN_IF_ERROR(txn.SetUserDisabled(user.id, disabled));
    user.disabled = disabled;
    return txn.AppendAudit(
        CallerAudit(caller, disabled ? "user.disable" : "user.enable", std::nullopt, name));
  });
  RETURN_IF_ERROR(done);
  return user;
}

absl::StatusOr<IssuedToken> AdminService::CreateToken(const Caller& caller,
                                                      const NewTokenRequest& request) {
  RETURN_IF_ERROR(ValidateTokenLabel(request.label));
  IssuedToken issued;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    store::UserRecord owner = caller.user;
    if (!request.user.empty() && request.user != caller.user.name) {
      ASSIGN_OR_RETURN(owner, FindUser(txn, request.user));
    }
    if (owner.disabled) {
      return absl::FailedPreconditionError(
          absl::StrCat("user '", owner.name, "' is disabled: enable it first"));
    }
    ASSIGN_OR_RETURN(issued, IssueToken(txn, owner, request.label, request.lifetime_seconds,
                                        caller.user.id));
    return txn.AppendAudit(CallerAudit(
        caller, "token.create", std::nullopt,
        absl::StrCat(owner.name, " token ", issued.record.id, " '", request.label, "' ",
                     LifetimeText(request.lifetime_seconds))));
  });
  RETURN_IF_ERROR(done);
  return issued;
}

absl::StatusOr<std::vector<store::TokenRecord>> AdminService::ListTokens(const Caller& caller,
                                                                         const std::string& user,
                                                                         bool all) {
  // The table admits anyone asking for their own tokens; `all` is more than that.
  if (all && !caller.user.is_admin) {
    return absl::PermissionDeniedError("you need to be a server admin to list every token");
  }
  std::vector<store::TokenRecord> tokens;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    std::optional<int64_t> owner = caller.user.id;
    if (all) {
      owner.reset();
    } else if (!user.empty() && user != caller.user.name) {
      ASSIGN_OR_RETURN(store::UserRecord found, FindUser(txn, user));
      owner = found.id;
    }
    ASSIGN_OR_RETURN(tokens, txn.ListTokens(owner));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(done);
  return tokens;
}

absl::StatusOr<store::TokenRecord> AdminService::RevokeToken(const Caller& caller,
                                                             int64_t token_id) {
  store::TokenRecord token;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    absl::StatusOr<store::TokenRecord> found = txn.GetToken(token_id);
    if (absl::IsNotFound(found.status()) ||
        (found.ok() && found->user_id != caller.user.id && !caller.user.is_admin)) {
      return absl::NotFoundError(absl::StrCat("no token ", token_id, " of yours"));
    }
    RETURN_IF_ERROR(found.status());
    ASSIGN_OR_RETURN(token, txn.RevokeToken(token_id));
    return txn.AppendAudit(CallerAudit(caller, "token.revoke", std::nullopt,
                                       absl::StrCat(token.user_name, " token ", token_id)));
  });
  RETURN_IF_ERROR(done);
  return token;
}

absl::StatusOr<store::RoleRecord> AdminService::GrantRole(const Caller& caller,
                                                          const std::string& user,
                                                          const std::string& repository,
                                                          Role role) {
  store::RoleRecord out;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::UserRecord grantee, FindUser(txn, user));
    RETURN_IF_ERROR(txn.SetRole(repo.id, grantee.id, role));
    out.repo_id = repo.id;
    out.repository = repo.name;
    out.user_id = grantee.id;
    out.user_name = grantee.name;
    out.role = role;
    return txn.AppendAudit(
        CallerAudit(caller, "role.grant", repo.id, absl::StrCat(user, "=", RoleName(role))));
  });
  RETURN_IF_ERROR(done);
  return out;
}

absl::Status AdminService::RevokeRole(const Caller& caller, const std::string& user,
                                      const std::string& repository) {
  return store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::UserRecord grantee, FindUser(txn, user));
    absl::StatusOr<Role> had = txn.DeleteRole(repo.id, grantee.id);
    if (absl::IsNotFound(had.status())) {
      return absl::NotFoundError(
          absl::StrCat("user '", user, "' has no role on repository '", repository, "'"));
    }
    RETURN_IF_ERROR(had.status());
    return txn.AppendAudit(CallerAudit(caller, "role.revoke", repo.id,
                                       absl::StrCat(user, " (was ", RoleName(*had), ")")));
  });
}

absl::StatusOr<RoleListing> AdminService::ListRoles(const std::string& repository,
                                                    const std::string& user) {
  RoleListing out;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out = RoleListing();
    std::optional<int64_t> repo_id;
    std::optional<int64_t> user_id;
    if (!repository.empty()) {
      ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
      repo_id = repo.id;
      out.default_role = repo.default_role;
    }
    if (!user.empty()) {
      ASSIGN_OR_RETURN(store::UserRecord found, FindUser(txn, user));
      user_id = found.id;
    }
    ASSIGN_OR_RETURN(out.roles, txn.ListRoles(repo_id, user_id));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(done);
  return out;
}

absl::StatusOr<std::vector<store::AuditEntry>> AdminService::ListAudit(const AuditQuery& query) {
  if (query.limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (query.before_id < 0) return absl::InvalidArgumentError("--after must not be negative");
  store::AuditFilter filter;
  filter.action = query.action;
  filter.since_micros = query.since_micros;
  filter.before_id = query.before_id;
  filter.limit = query.limit == 0 ? kDefaultAuditLimit : std::min(query.limit, kMaxAuditLimit);
  std::vector<store::AuditEntry> out;
  absl::Status done = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    if (!query.repository.empty()) {
      ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, query.repository));
      filter.repo_id = repo.id;
    }
    if (!query.user.empty()) {
      ASSIGN_OR_RETURN(store::UserRecord found, FindUser(txn, query.user));
      filter.user_id = found.id;
    }
    ASSIGN_OR_RETURN(out, txn.ListAudit(filter));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(done);
  return out;
}

absl::Status GrantRoleAsServer(store::MetadataStore& store, const std::string& user_name,
                               const std::string& repository, Role role) {
  return store.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::UserRecord user, FindUser(txn, user_name));
    RETURN_IF_ERROR(txn.SetRole(repo.id, user.id, role));
    store::AuditRecord audit;
    audit.action = "role.grant";
    audit.repo_id = repo.id;
    audit.target = absl::StrCat(user_name, "=", RoleName(role));
    audit.result = "ok";
    return txn.AppendAudit(audit);
  });
}

}  // namespace mlvc::server::core
