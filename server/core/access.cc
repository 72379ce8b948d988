#include "server/core/access.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/core/authenticator.h"

namespace mlvc::server::core {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Denied(Role needed, std::string_view what, std::string_view repository) {
  return absl::PermissionDeniedError(absl::StrCat("you need the ", RoleName(needed),
                                                  " role on repository '", View(repository),
                                                  "' to ", View(what)));
}

}  // namespace

absl::StatusOr<Role> ParseRole(std::string_view name) {
  std::optional<Role> role = store::RoleNamed(name);
  if (role) return *role;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role '", View(name), "' (reader, writer or maintainer)"));
}

const char* DefaultRoleName(std::optional<Role> role) {
  return role.has_value() ? RoleName(*role) : "none";
}

absl::StatusOr<std::optional<Role>> ParseDefaultRole(std::string_view name) {
  if (name == "none") return std::optional<Role>();
  if (name == "reader") return std::optional<Role>(Role::kReader);
  if (name == "writer") return std::optional<Role>(Role::kWriter);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown default role '", View(name), "' (none, reader or writer)"));
}

std::optional<Role> EffectiveRole(const store::UserRecord& user,
                                  const store::RoleLookup& lookup) {
  if (user.is_admin) return Role::kMaintainer;
  std::optional<Role> role = lookup.role;
  if (lookup.default_role.has_value() &&
      (!role.has_value() || static_cast<int>(*lookup.default_role) > static_cast<int>(*role))) {
    role = lookup.default_role;
  }
  return role;
}

std::string NoAccessMessage(std::string_view repository) {
  return absl::StrCat("no repository '", View(repository),
                      "' that you can read (it does not exist, or you have no role on it)");
}

absl::Status RequireRole(store::MetadataTxn& txn, const store::UserRecord& user,
                         int64_t repo_id, Role minimum, std::string_view what) {
  ASSIGN_OR_RETURN(store::RoleLookup lookup, txn.GetRole(repo_id, user.id));
  const std::optional<Role> role = EffectiveRole(user, lookup);
  if (!role.has_value()) return absl::PermissionDeniedError(NoAccessMessage(lookup.repository));
  if (static_cast<int>(*role) >= static_cast<int>(minimum)) return absl::OkStatus();
  return Denied(minimum, what, lookup.repository);
}

absl::StatusOr<std::optional<std::vector<int64_t>>> ReadableRepositories(
    store::AccessTxn& txn, const store::UserRecord& user) {
  if (user.is_admin) return std::optional<std::vector<int64_t>>();
  ASSIGN_OR_RETURN(std::vector<int64_t> ids, txn.ReadableRepositoryIds(user.id));
  return std::optional<std::vector<int64_t>>(std::move(ids));
}

namespace {

// Whether `user` may make a call of `rule` with `facts`, inside `txn`; the repository the
// facts name is stored in *repo_id when it exists.
absl::Status AuthorizeInTxn(store::MetadataTxn& txn, const store::UserRecord& user,
                            const Requirement& rule, const RequestFacts& facts,
                            std::optional<int64_t>* repo_id) {
  switch (rule.scope) {
    case Scope::kPublic:
    case Scope::kSignedIn:
      return absl::OkStatus();
    case Scope::kAdmin:
      if (user.is_admin) return absl::OkStatus();
      return absl::PermissionDeniedError(
          absl::StrCat("you need to be a server admin to ", View(rule.what)));
    case Scope::kSelfOrAdmin:
      if (user.is_admin) return absl::OkStatus();
      if (facts.user.empty() || facts.user == user.name) {
        if (!user.is_service) return absl::OkStatus();
        return absl::PermissionDeniedError(absl::StrCat(
            "'", user.name, "' is a service account: its tokens are managed by an admin"));
      }
      return absl::PermissionDeniedError(
          absl::StrCat("you need to be a server admin to ", View(rule.what)));
    case Scope::kRepository:
    case Scope::kRepositoryOrAdmin:
      break;
  }
  if (facts.repository.empty()) {
    if (rule.scope == Scope::kRepositoryOrAdmin) {
      if (user.is_admin) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          "name a repository (--repo): only server admins may ", View(rule.what),
          " across every repository"));
    }
    return absl::InvalidArgumentError("no repository given");
  }
  absl::StatusOr<store::RepositoryRecord> repo = txn.GetRepository(facts.repository);
  if (absl::IsNotFound(repo.status())) {
    if (user.is_admin) {
      return absl::NotFoundError(absl::StrCat("no repository '", facts.repository, "'"));
    }
    return absl::PermissionDeniedError(NoAccessMessage(facts.repository));
  }
  RETURN_IF_ERROR(repo.status());
  *repo_id = repo->id;
  ASSIGN_OR_RETURN(store::RoleLookup lookup, txn.GetRole(repo->id, user.id));
  const std::optional<Role> role = EffectiveRole(user, lookup);
  if (!role.has_value()) return absl::PermissionDeniedError(NoAccessMessage(repo->name));
  const bool escalated = facts.escalate && !rule.escalate_if.empty();
  const bool read_only = facts.read_only && !rule.read_only_if.empty();
  const Role needed = read_only ? Role::kReader : escalated ? rule.escalated_role : rule.role;
  if (static_cast<int>(*role) < static_cast<int>(needed)) {
    return Denied(needed, escalated ? rule.escalated_what : rule.what, repo->name);
  }
  return absl::OkStatus();
}

}  // namespace

AccessDecision AccessControl::Decide(std::string_view token, const Requirement& rule,
                                     const RequestFacts& facts,
                                     const std::string& client_addr) {
  AccessDecision d;
  if (rule.scope == Scope::kPublic) return d;
  if (token.empty()) {
    d.status = absl::UnauthenticatedError(
        "missing token: send metadata 'authorization: Bearer TOKEN' (see 'mlvc login')");
    return d;
  }
  absl::StatusOr<std::string> hash = TokenHash(token);
  if (!hash.ok()) {
    d.status = hash.status();
    return d;
  }
  d.status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    d.caller.reset();
    d.token_id.reset();
    d.repo_id.reset();
    absl::StatusOr<store::TokenLookup> found = txn.LookupToken(*hash);
    if (absl::IsNotFound(found.status())) {
      return absl::UnauthenticatedError("unknown token (log in again with a valid one)");
    }
    RETURN_IF_ERROR(found.status());
    d.token_id = found->token_id;
    RETURN_IF_ERROR(CheckToken(*found));
    const store::UserRecord& user = found->user;
    d.caller = Caller{user, client_addr, found->token_id};

    return AuthorizeInTxn(txn, user, rule, facts, &d.repo_id);
  });
  return d;
}

absl::Status AccessControl::Authorize(const Caller& caller, const Requirement& rule,
                                      const RequestFacts& facts) {
  if (rule.scope == Scope::kPublic) return absl::OkStatus();
  return store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    std::optional<int64_t> repo_id;
    return AuthorizeInTxn(txn, caller.user, rule, facts, &repo_id);
  });
}

}  // namespace mlvc::server::core
