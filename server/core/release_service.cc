#include "server/core/release_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/core/audit.h"
#include "server/core/events.h"
#include "server/core/refs.h"
#include "server/core/policy.h"
#include "server/core/tree_editor.h"

namespace mlvc::server::core {
namespace {

// ALREADY_EXISTS when `name` is a branch, label or environment of `repo`; `what` is the kind
// of name being created ("release", "environment"). Call under LockRefNames.
absl::Status CheckNameFree(store::MetadataTxn& txn, const store::RepositoryRecord& repo,
                           const std::string& name, const std::string& what) {
  const std::string shared = "branches, labels and environments share names";
  absl::StatusOr<store::BranchRecord> branch = txn.GetBranch(repo.id, name, false);
  if (branch.ok()) {
    return absl::AlreadyExistsError(absl::StrCat("a branch named '", name, "' exists in '",
                                                 repo.name, "'; ", shared));
  }
  if (!absl::IsNotFound(branch.status())) return branch.status();
  absl::StatusOr<store::LabelRecord> label = txn.GetLabel(repo.id, name);
  if (label.ok()) {
    absl::StatusOr<store::ReleaseRecord> release = txn.GetRelease(repo.id, name);
    if (release.ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat("release '", name, "' already exists (on @", label->number, ")"));
    }
    return absl::AlreadyExistsError(absl::StrCat("label '", name, "' already exists (on @",
                                                 label->number, "); ", shared));
  }
  if (!absl::IsNotFound(label.status())) return label.status();
  if (what != "environment") {
    ASSIGN_OR_RETURN(std::optional<store::DeploymentRecord> live,
                     txn.GetLiveDeployment(repo.id, name));
    if (live.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat("an environment named '", name,
                                                   "' exists in '", repo.name, "'; ", shared));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<store::ReleaseRecord> FindRelease(store::MetadataTxn& txn,
                                                 const store::RepositoryRecord& repo,
                                                 const std::string& version) {
  absl::StatusOr<store::ReleaseRecord> release = txn.GetRelease(repo.id, version);
  if (absl::IsNotFound(release.status())) {
    return absl::NotFoundError(
        absl::StrCat("unknown release '", version, "' in repository '", repo.name, "'"));
  }
  return release;
}

absl::StatusOr<ReleaseInfo> WithLiveIn(store::MetadataTxn& txn, int64_t repo_id,
                                       store::ReleaseRecord release) {
  ReleaseInfo info;
  ASSIGN_OR_RETURN(info.live_in, LiveEnvironments(txn, repo_id, release.version));
  info.release = std::move(release);
  return info;
}

// The validation runs recorded at the release's changeset, newest first (at most
// kMaxValidations).
absl::Status AddValidations(store::MetadataTxn& txn, int64_t repo_id, ReleaseInfo& info) {
  store::RunFilter filter;
  filter.number = info.release.number;
  filter.kinds = {kValidationRunKind};
  filter.limit = kMaxValidations;
  ASSIGN_OR_RETURN(std::vector<int64_t> ids, txn.ListRunIds(repo_id, filter));
  ASSIGN_OR_RETURN(info.validations, txn.GetRuns(repo_id, ids));
  return absl::OkStatus();
}

const char* KindName(store::DeploymentKind kind) {
  return kind == store::DeploymentKind::kRollback ? "rollback" : "deployment";
}

// Audit row and event of a recorded deployment or rollback.
absl::Status RecordMove(store::MetadataTxn& txn, const Caller& caller,
                        const store::RepositoryRecord& repo, const store::DeploymentRecord& d) {
  std::string target = absl::StrCat(d.environment, "=", d.version, "@", d.number);
  if (!d.previous_version.empty()) absl::StrAppend(&target, " (was ", d.previous_version, ")");
  RETURN_IF_ERROR(txn.AppendAudit(CallerAudit(
      caller, d.kind == store::DeploymentKind::kRollback ? "rollback" : "deploy", repo.id,
      target)));
  EventPayload payload;
  payload.Add("environment", d.environment)
      .Add("version", d.version)
      .Add("number", d.number)
      .Add("previous_version", d.previous_version)
      .Add("deployment_id", d.id)
      .Add("note", d.note);
  return AppendEvent(txn, repo.id, caller.user.id, KindName(d.kind), payload.Json());
}

}  // namespace

absl::StatusOr<std::vector<std::string>> LiveEnvironments(store::MetadataTxn& txn,
                                                          int64_t repo_id,
                                                          const std::string& version) {
  ASSIGN_OR_RETURN(std::vector<store::DeploymentRecord> live,
                   txn.ListDeployments(repo_id, "", 0, kMaxReleaseLimit, /*live_only=*/true));
  std::vector<std::string> out;
  for (const store::DeploymentRecord& d : live) {
    if (d.version == version) out.push_back(d.environment);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<ReleaseInfo>> ReleasesHolding(store::MetadataTxn& txn,
                                                         const store::RepositoryRecord& repo,
                                                         const std::string& path,
                                                         const std::string& content_id) {
  ASSIGN_OR_RETURN(std::vector<store::ReleaseRecord> releases,
                   txn.ListReleases(repo.id, "", kMaxReleaseLimit));
  TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
  std::vector<ReleaseInfo> out;
  for (store::ReleaseRecord& r : releases) {
    ASSIGN_OR_RETURN(store::ChangesetRecord cs, FindChangeset(txn, repo, r.number));
    ASSIGN_OR_RETURN(std::optional<common::TreeNodeEntry> entry,
                     LookupPath(cache, cs.root_tree, path));
    if (!entry.has_value() || entry->id != content_id) continue;
    ASSIGN_OR_RETURN(ReleaseInfo info, WithLiveIn(txn, repo.id, std::move(r)));
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<ReleaseInfo> ReleaseService::CreateRelease(const Caller& caller,
                                                          const CreateReleaseRequest& request) {
  RETURN_IF_ERROR(common::ValidateLabelName(request.version));
  ReleaseInfo created;
  absl::Status status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    RETURN_IF_ERROR(txn.LockRefNames(repo.id));
    ASSIGN_OR_RETURN(ResolvedRef at, ResolveRefIn(txn, repo, request.ref.empty()
                                                                 ? request.branch
                                                                 : request.ref));
    RETURN_IF_ERROR(CheckNameFree(txn, repo, request.version, "release"));
    // The branch whose policy the changeset must meet.
    const std::string policy_branch =
        !request.branch.empty() ? request.branch : (!at.branch.empty() ? at.branch : "main");
    ASSIGN_OR_RETURN(std::vector<std::string> unmet,
                     UnmetPolicyRules(txn, repo.id, policy_branch, at.number));
    if (!unmet.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("release refused: @", at.number, " does not meet the policy of branch '",
                       policy_branch, "': ", absl::StrJoin(unmet, "; ")));
    }
    RETURN_IF_ERROR(
        txn.CreateLabel(repo.id, request.version, at.number, request.notes, caller.user.id));
    RETURN_IF_ERROR(txn.InsertRelease(repo.id, request.version, request.notes, caller.user.id));
    RETURN_IF_ERROR(txn.AppendAudit(CallerAudit(caller, "release.create", repo.id,
                                                absl::StrCat(request.version, "@", at.number))));
    EventPayload payload;
    payload.Add("version", request.version).Add("number", at.number).Add("notes", request.notes);
    RETURN_IF_ERROR(AppendEvent(txn, repo.id, caller.user.id, "release.created", payload.Json()));
    ASSIGN_OR_RETURN(store::ReleaseRecord release, txn.GetRelease(repo.id, request.version));
    created = ReleaseInfo{};
    created.release = std::move(release);
    return AddValidations(txn, repo.id, created);
  });
  RETURN_IF_ERROR(status);
  return created;
}

absl::StatusOr<std::vector<ReleaseInfo>> ReleaseService::ListReleases(
    const std::string& repository, const std::string& after, int limit) {
  if (limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (limit == 0) limit = kDefaultReleaseLimit;
  limit = std::min(limit, kMaxReleaseLimit);
  std::vector<ReleaseInfo> out;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    absl::StatusOr<std::vector<store::ReleaseRecord>> page =
        txn.ListReleases(repo.id, after, limit);
    if (absl::IsNotFound(page.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("--after '", after, "' is not a release of '", repo.name, "'"));
    }
    RETURN_IF_ERROR(page.status());
    ASSIGN_OR_RETURN(std::vector<store::DeploymentRecord> live,
                     txn.ListDeployments(repo.id, "", 0, kMaxReleaseLimit, true));
    for (store::ReleaseRecord& r : *page) {
      ReleaseInfo info;
      for (const store::DeploymentRecord& d : live) {
        if (d.version == r.version) info.live_in.push_back(d.environment);
      }
      info.release = std::move(r);
      out.push_back(std::move(info));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ReleaseInfo> ReleaseService::GetRelease(const std::string& repository,
                                                       const std::string& version) {
  ReleaseInfo out;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::ReleaseRecord release, FindRelease(txn, repo, version));
    ASSIGN_OR_RETURN(out, WithLiveIn(txn, repo.id, std::move(release)));
    return AddValidations(txn, repo.id, out);
  }));
  return out;
}

absl::StatusOr<store::DeploymentRecord> ReleaseService::Deploy(const Caller& caller,
                                                               const std::string& repository,
                                                               const std::string& version,
                                                               const std::string& environment,
                                                               const std::string& note) {
  absl::Status name_ok = common::ValidateBranchName(environment);
  if (!name_ok.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad environment name: ", std::string(name_ok.message())));
  }
  store::DeploymentRecord recorded;
  absl::Status status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    // Serializes moves of every environment of the repository with each other and with
    // branch and label creation (environment names share their namespace).
    RETURN_IF_ERROR(txn.LockRefNames(repo.id));
    ASSIGN_OR_RETURN(store::ReleaseRecord release, FindRelease(txn, repo, version));
    ASSIGN_OR_RETURN(std::optional<store::DeploymentRecord> live,
                     txn.GetLiveDeployment(repo.id, environment));
    if (!live.has_value()) RETURN_IF_ERROR(CheckNameFree(txn, repo, environment, "environment"));
    store::DeploymentRecord d;
    d.environment = environment;
    d.version = release.version;
    d.kind = store::DeploymentKind::kDeploy;
    d.note = note;
    d.created_by_id = caller.user.id;
    if (live.has_value()) {
      d.previous_version = live->version;
      // Redeploying the live release pushes nothing: a rollback still goes to the one before.
      d.rollback_to = live->version == release.version ? live->rollback_to
                                                       : std::optional<int64_t>(live->id);
    }
    ASSIGN_OR_RETURN(recorded, txn.InsertDeployment(repo.id, d));
    return RecordMove(txn, caller, repo, recorded);
  });
  RETURN_IF_ERROR(status);
  return recorded;
}

absl::StatusOr<std::vector<store::DeploymentRecord>> ReleaseService::ListDeployments(
    const ListDeploymentsRequest& request) {
  if (request.limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (request.before_id < 0) return absl::InvalidArgumentError("before_id must not be negative");
  int limit = request.limit == 0 ? kDefaultReleaseLimit : request.limit;
  limit = std::min(limit, kMaxReleaseLimit);
  std::vector<store::DeploymentRecord> out;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    ASSIGN_OR_RETURN(out, txn.ListDeployments(repo.id, request.environment, request.before_id,
                                              limit, request.live_only));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::DeploymentRecord> ReleaseService::Rollback(const Caller& caller,
                                                                 const std::string& repository,
                                                                 const std::string& environment,
                                                                 const std::string& note) {
  store::DeploymentRecord recorded;
  absl::Status status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    RETURN_IF_ERROR(txn.LockRefNames(repo.id));
    ASSIGN_OR_RETURN(std::optional<store::DeploymentRecord> live,
                     txn.GetLiveDeployment(repo.id, environment));
    if (!live.has_value()) {
      return absl::NotFoundError(absl::StrCat("environment '", environment,
                                              "' has never been deployed to in '", repo.name,
                                              "'"));
    }
    if (!live->rollback_to.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("nothing to roll back to in '", environment, "': ", live->version,
                       " is the earliest release left in its deployment history"));
    }
    ASSIGN_OR_RETURN(store::DeploymentRecord back, txn.GetDeployment(repo.id, *live->rollback_to));
    store::DeploymentRecord d;
    d.environment = environment;
    d.version = back.version;
    d.kind = store::DeploymentKind::kRollback;
    d.note = note;
    d.created_by_id = caller.user.id;
    d.previous_version = live->version;
    d.rollback_to = back.rollback_to;  // the next rollback goes one further down
    ASSIGN_OR_RETURN(recorded, txn.InsertDeployment(repo.id, d));
    return RecordMove(txn, caller, repo, recorded);
  });
  RETURN_IF_ERROR(status);
  return recorded;
}

}  // namespace mlvc::server::core
