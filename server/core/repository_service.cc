#include "server/core/repository_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"
#include "common/tree/tree_node.h"
#include "server/core/access.h"
#include "server/core/audit.h"
#include "server/core/refs.h"

namespace mlvc::server::core {

absl::StatusOr<store::RepositoryRecord> RepositoryService::CreateRepository(
    const Caller& caller, const std::string& name) {
  RETURN_IF_ERROR(common::ValidateRepositoryName(name));
  store::RepositoryRecord created;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    absl::StatusOr<store::RepositoryRecord> repo = txn.CreateRepository(name, caller.user.id);
    if (absl::IsAlreadyExists(repo.status())) {
      return absl::AlreadyExistsError(absl::StrCat("repository '", name, "' already exists"));
    }
    RETURN_IF_ERROR(repo.status());
    RETURN_IF_ERROR(txn.PutTreeNodes({{common::EmptyTreeHash(), ""}}));
    ASSIGN_OR_RETURN(int64_t number, txn.AllocateChangesetNumber(repo->id));
    store::ChangesetRecord cs;
    cs.number = number;
    cs.root_tree = common::EmptyTreeHash();
    cs.author_id = caller.user.id;
    cs.message = "create repository";
    RETURN_IF_ERROR(txn.InsertChangeset(repo->id, cs, {}));
    RETURN_IF_ERROR(txn.CreateBranch(repo->id, "main", number));
    // The creator maintains the repository (roles: server/core/access.h).
    RETURN_IF_ERROR(txn.SetRole(repo->id, caller.user.id, store::Role::kMaintainer));
    RETURN_IF_ERROR(txn.AppendAudit(CallerAudit(caller, "repository.create", repo->id, name)));
    created = *std::move(repo);
    if (created.created_by.empty()) created.created_by = caller.user.name;
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return created;
}

absl::StatusOr<std::vector<RepositoryView>> RepositoryService::ListRepositories(
    const Caller& caller) {
  std::vector<RepositoryView> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(std::vector<store::RepositoryRecord> all, txn.ListRepositories());
    // The caller's rows, by repository: a repository with neither a row nor a default role
    // is left out, name and all (access.h).
    ASSIGN_OR_RETURN(std::vector<store::RoleRecord> rows,
                     txn.ListRoles(std::nullopt, caller.user.id));
    std::map<int64_t, Role> row_of;
    for (const store::RoleRecord& r : rows) row_of[r.repo_id] = r.role;
    for (store::RepositoryRecord& repo : all) {
      store::RoleLookup lookup;
      lookup.repository = repo.name;
      if (auto it = row_of.find(repo.id); it != row_of.end()) lookup.role = it->second;
      lookup.default_role = repo.default_role;
      std::optional<Role> role = EffectiveRole(caller.user, lookup);
      if (!role.has_value()) continue;
      out.push_back(RepositoryView{std::move(repo), *role});
    }
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<store::RepositoryRecord> RepositoryService::SetDefaultRole(
    const Caller& caller, const std::string& repository, std::optional<Role> role) {
  if (role == Role::kMaintainer) {
    return absl::InvalidArgumentError("the default role is none, reader or writer");
  }
  store::RepositoryRecord out;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(out, FindRepository(txn, repository));
    RETURN_IF_ERROR(txn.SetDefaultRole(out.id, role));
    out.default_role = role;
    return txn.AppendAudit(CallerAudit(caller, "repository.default_role", out.id,
                                       absl::StrCat(repository, " default role ",
                                                    DefaultRoleName(role))));
  }));
  return out;
}

absl::StatusOr<std::vector<store::BranchRecord>> RepositoryService::ListBranches(
    const std::string& repository) {
  std::vector<store::BranchRecord> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(out, txn.ListBranches(repo.id));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<ResolvedRef> RepositoryService::ResolveRef(const std::string& repository,
                                                          const std::string& ref) {
  ResolvedRef out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(out, ResolveRefIn(txn, repo, ref));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

}  // namespace mlvc::server::core
