// RepositoryService: creating and deleting branches, and labels. Branches and labels
// share one namespace per repository; MetadataTxn::LockRefNames makes "neither table has the
// name" and the insert one atomic step.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/core/audit.h"
#include "server/core/refs.h"
#include "server/core/repository_service.h"

namespace mlvc::server::core {
namespace {

// ALREADY_EXISTS when `name` is taken by a branch or a label of `repo`.
absl::Status CheckRefNameFree(store::MetadataTxn& txn, const store::RepositoryRecord& repo,
                              const std::string& name) {
  absl::StatusOr<store::BranchRecord> branch = txn.GetBranch(repo.id, name, false);
  if (branch.ok()) {
    return absl::AlreadyExistsError(absl::StrCat("a branch named '", name,
                                                 "' already exists in repository '", repo.name,
                                                 "'"));
  }
  if (!absl::IsNotFound(branch.status())) return branch.status();
  absl::StatusOr<store::LabelRecord> label = txn.GetLabel(repo.id, name);
  if (label.ok()) {
    return absl::AlreadyExistsError(absl::StrCat("label '", name, "' already exists (on @",
                                                 label->number, ")"));
  }
  if (!absl::IsNotFound(label.status())) return label.status();
  // Environments (release_service.h) share the namespace too; reported like a branch.
  absl::StatusOr<std::optional<store::DeploymentRecord>> env =
      txn.GetLiveDeployment(repo.id, name);
  if (!env.ok()) return env.status();
  if (env->has_value()) {
    return absl::AlreadyExistsError(absl::StrCat("an environment named '", name,
                                                 "' exists; branches, labels and environments"
                                                 " share names"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<store::BranchRecord> RepositoryService::CreateBranch(const Caller& caller,
                                                                    const std::string& repository,
                                                                    const std::string& name,
                                                                    const std::string& from) {
  RETURN_IF_ERROR(common::ValidateBranchName(name));
  store::BranchRecord created;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    RETURN_IF_ERROR(txn.LockRefNames(repo.id));
    ASSIGN_OR_RETURN(ResolvedRef source, ResolveRefIn(txn, repo, from));
    absl::Status free = CheckRefNameFree(txn, repo, name);
    if (absl::IsAlreadyExists(free) && absl::StartsWith(free.message(), "a branch")) {
      return absl::AlreadyExistsError(absl::StrCat("branch '", name, "' already exists"));
    }
    if (absl::IsAlreadyExists(free) && absl::StartsWith(free.message(), "an environment")) {
      return free;
    }
    if (absl::IsAlreadyExists(free)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a label named '", name, "' already exists; branches and labels share names"));
    }
    RETURN_IF_ERROR(free);
    RETURN_IF_ERROR(txn.CreateBranch(repo.id, name, source.number));
    RETURN_IF_ERROR(txn.AppendAudit(
        CallerAudit(caller, "branch.create", repo.id, absl::StrCat(name, "@", source.number))));
    created = store::BranchRecord{name, source.number};
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return created;
}

absl::Status RepositoryService::DeleteBranch(const Caller& caller, const std::string& repository,
                                             const std::string& name) {
  if (name == "main") {
    return absl::FailedPreconditionError("branch 'main' cannot be deleted");
  }
  return store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    absl::StatusOr<store::BranchRecord> branch = txn.GetBranch(repo.id, name, true);
    if (absl::IsNotFound(branch.status())) {
      return absl::NotFoundError(
          absl::StrCat("unknown branch '", name, "' in repository '", repo.name, "'"));
    }
    RETURN_IF_ERROR(branch.status());
    // Its locks go with it: left behind, they would hold the paths of a branch created later
    // under the same name. (Lock() takes the branch row FOR UPDATE, so none can slip in.)
    ASSIGN_OR_RETURN(int64_t locks, txn.DeleteBranchLocks(repo.id, name));
    RETURN_IF_ERROR(txn.DeleteBranch(repo.id, name));
    std::string target = absl::StrCat(name, "@", branch->head);
    if (locks > 0) absl::StrAppend(&target, " (", locks, " locks released)");
    return txn.AppendAudit(CallerAudit(caller, "branch.delete", repo.id, std::move(target)));
  });
}

absl::StatusOr<store::LabelRecord> RepositoryService::CreateLabel(const Caller& caller,
                                                                  const std::string& repository,
                                                                  const std::string& name,
                                                                  const std::string& ref,
                                                                  const std::string& notes) {
  RETURN_IF_ERROR(common::ValidateLabelName(name));
  store::LabelRecord created;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    RETURN_IF_ERROR(txn.LockRefNames(repo.id));
    ASSIGN_OR_RETURN(ResolvedRef target, ResolveRefIn(txn, repo, ref));
    absl::Status free = CheckRefNameFree(txn, repo, name);
    if (absl::IsAlreadyExists(free) && absl::StartsWith(free.message(), "a branch")) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a branch named '", name, "' already exists; branches and labels share names"));
    }
    RETURN_IF_ERROR(free);
    RETURN_IF_ERROR(txn.CreateLabel(repo.id, name, target.number, notes, caller.user.id));
    RETURN_IF_ERROR(txn.AppendAudit(
        CallerAudit(caller, "label.create", repo.id, absl::StrCat(name, "@", target.number))));
    ASSIGN_OR_RETURN(created, txn.GetLabel(repo.id, name));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return created;
}

absl::StatusOr<std::vector<store::LabelRecord>> RepositoryService::ListLabels(
    const std::string& repository, const std::string& after, int limit) {
  if (limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (limit == 0) limit = kDefaultLabelLimit;
  limit = std::min(limit, kMaxLabelLimit);
  std::vector<store::LabelRecord> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(out, txn.ListLabels(repo.id, after, limit));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::Status RepositoryService::DeleteLabel(const Caller& caller, const std::string& repository,
                                            const std::string& name) {
  return store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    absl::StatusOr<store::LabelRecord> label = txn.GetLabel(repo.id, name);
    if (absl::IsNotFound(label.status())) {
      return absl::NotFoundError(
          absl::StrCat("unknown label '", name, "' in repository '", repo.name, "'"));
    }
    RETURN_IF_ERROR(label.status());
    if (txn.GetRelease(repo.id, name).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "label '", name, "' is a release; releases cannot be deleted"));
    }
    RETURN_IF_ERROR(txn.DeleteLabel(repo.id, name));
    return txn.AppendAudit(
        CallerAudit(caller, "label.delete", repo.id, absl::StrCat(name, "@", label->number)));
  });
}

}  // namespace mlvc::server::core
