#include "server/core/repository_service.h"

#include "absl/strings/str_cat.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"
#include "common/tree/tree_node.h"
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
    store::AuditRecord audit;
    audit.user_id = caller.user.id;
    audit.action = "repository.create";
    audit.repo_id = repo->id;
    audit.target = name;
    audit.client_addr = caller.client_addr;
    audit.result = "ok";
    RETURN_IF_ERROR(txn.AppendAudit(audit));
    created = *std::move(repo);
    if (created.created_by.empty()) created.created_by = caller.user.name;
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return created;
}

absl::StatusOr<std::vector<store::RepositoryRecord>> RepositoryService::ListRepositories() {
  std::vector<store::RepositoryRecord> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(out, txn.ListRepositories());
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
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
