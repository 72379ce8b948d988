#include "server/core/authorization_table.h"

#include <algorithm>

namespace mlvc::server::core {
namespace {

constexpr Role kReader = Role::kReader;
constexpr Role kWriter = Role::kWriter;
constexpr Role kMaintainer = Role::kMaintainer;

// A read of a repository's record.
Requirement Read(std::string_view method, std::string_view what) {
  return {.method = method, .scope = Scope::kRepository, .role = kReader, .what = what};
}

// A mutation of a repository.
Requirement Change(std::string_view method, Role role, std::string_view what,
                   std::string_view action) {
  return {.method = method,
          .scope = Scope::kRepository,
          .role = role,
          .what = what,
          .mutation = true,
          .action = action};
}

// Part of a push: a question of which contents the server lacks (no audit row: it changes
// nothing), or the upload of their bytes, which takes an upload slot.
Requirement PushPart(std::string_view method, bool upload) {
  Requirement rule{.method = method, .scope = Scope::kRepository, .role = kWriter,
                   .what = "upload files"};
  if (upload) {
    rule.mutation = true;
    rule.action = "content.upload";
    rule.upload = true;
  }
  return rule;
}

std::vector<Requirement> BuildTable() {
  std::vector<Requirement> t = {
      // --- repositories, branches and labels ---
      {.method = "mlvc.v1.RepositoryService/CreateRepository",
       .scope = Scope::kAdmin,
       .what = "create repositories",
       .mutation = true,
       .action = "repository.create"},
      // Lists only the repositories the caller can read.
      {.method = "mlvc.v1.RepositoryService/ListRepositories", .scope = Scope::kSignedIn},
      Read("mlvc.v1.RepositoryService/ListBranches", "list its branches"),
      Read("mlvc.v1.RepositoryService/ResolveRef", "read it"),
      Change("mlvc.v1.RepositoryService/CreateBranch", kWriter, "create branches",
             "branch.create"),
      // A branch takes its locks with it: deleting one is a maintainer's.
      Change("mlvc.v1.RepositoryService/DeleteBranch", kMaintainer, "delete branches",
             "branch.delete"),
      Change("mlvc.v1.RepositoryService/CreateLabel", kWriter, "create labels",
             "label.create"),
      Read("mlvc.v1.RepositoryService/ListLabels", "list its labels"),
      Change("mlvc.v1.RepositoryService/DeleteLabel", kMaintainer, "delete labels",
             "label.delete"),
      Change("mlvc.v1.RepositoryService/SetDefaultRole", kMaintainer,
             "change its default role", "repository.default_role"),

      // --- history ---
      Read("mlvc.v1.HistoryService/GetTree", "read it"),
      Read("mlvc.v1.HistoryService/Log", "read its history"),
      Read("mlvc.v1.HistoryService/GetChangeset", "read its history"),
      Read("mlvc.v1.HistoryService/Diff", "read it"),
      Change("mlvc.v1.HistoryService/Submit", kWriter, "submit changes", "submit"),
      {.method = "mlvc.v1.HistoryService/Merge",
       .scope = Scope::kRepository,
       .role = kWriter,
       .what = "merge branches",
       .mutation = true,
       .action = "merge",
       .read_only_if = "preview"},

      // --- locks ---
      Change("mlvc.v1.LockService/Lock", kWriter, "lock files", "lock"),
      {.method = "mlvc.v1.LockService/Unlock",
       .scope = Scope::kRepository,
       .role = kWriter,
       .what = "unlock files",
       .mutation = true,
       .action = "unlock",
       .escalate_if = "force",
       .escalated_role = kMaintainer,
       .escalated_what = "break other users' locks"},
      Read("mlvc.v1.LockService/ListLocks", "list its locks"),
      Read("mlvc.v1.LockService/GetLockablePatterns", "read it"),
      Change("mlvc.v1.LockService/SetLockablePatterns", kMaintainer,
             "change lockable patterns", "lockable.set"),

      // --- content: reads go through a repository that references the content
      // (content_reach.h); existence questions and uploads are part of a push ---
      PushPart("mlvc.v1.ContentService/FindMissing", /*upload=*/false),
      PushPart("mlvc.v1.ContentService/Upload", /*upload=*/true),
      Read("mlvc.v1.ContentService/Download", "read its files"),
      PushPart("mlvc.v1.ContentService/FindMissingChunks", /*upload=*/false),
      PushPart("mlvc.v1.ContentService/UploadChunks", /*upload=*/true),
      Change("mlvc.v1.ContentService/CommitContents", kWriter, "upload files",
             "content.commit"),
      Read("mlvc.v1.ContentService/GetManifests", "read its files"),
      Read("mlvc.v1.ContentService/ReadChunks", "read its files"),

      // --- the ML record ---
      Change("mlvc.v1.RecordService/RecordRun", kWriter, "record runs", "run.record"),
      {.method = "mlvc.v1.RecordService/PushModel",
       .scope = Scope::kRepository,
       .role = kWriter,
       .what = "push models",
       .mutation = true,
       .action = "push-model",
       .repository_field = "submit.repository"},
      Read("mlvc.v1.RecordService/GetRun", "read its record"),
      Read("mlvc.v1.RecordService/ListRuns", "read its record"),
      Read("mlvc.v1.RecordService/FindRun", "read its record"),
      Read("mlvc.v1.RecordService/ExplainModel", "read its record"),
      Read("mlvc.v1.RecordService/ChangesSince", "read its record"),
      Read("mlvc.v1.RecordService/MetricHistory", "read its record"),
      Read("mlvc.v1.RecordService/FindRegressions", "read its record"),
      Change("mlvc.v1.RecordService/ApproveChangeset", kWriter, "approve changesets",
             "review.approve"),
      Change("mlvc.v1.RecordService/SetPolicy", kMaintainer, "set branch policies",
             "policy.set"),
      Read("mlvc.v1.RecordService/GetPolicy", "read its policies"),
      Read("mlvc.v1.RecordService/CheckPolicy", "read its policies"),

      // --- releases, deployments, events ---
      Change("mlvc.v1.ReleaseService/CreateRelease", kWriter, "create releases",
             "release.create"),
      Read("mlvc.v1.ReleaseService/ListReleases", "read its releases"),
      Read("mlvc.v1.ReleaseService/GetRelease", "read its releases"),
      Change("mlvc.v1.ReleaseService/Deploy", kMaintainer, "deploy releases", "deploy"),
      Read("mlvc.v1.ReleaseService/ListDeployments", "read its deployments"),
      Change("mlvc.v1.ReleaseService/Rollback", kMaintainer, "roll back deployments",
             "rollback"),
      {.method = "mlvc.v1.ReleaseService/Watch",
       .scope = Scope::kRepositoryOrAdmin,
       .role = kReader,
       .what = "watch its events"},

      // --- administration ---
      {.method = "mlvc.v1.AdminService/WhoAmI", .scope = Scope::kSignedIn},
      {.method = "mlvc.v1.AdminService/CreateUser",
       .scope = Scope::kAdmin,
       .what = "create users",
       .mutation = true,
       .action = "user.create"},
      {.method = "mlvc.v1.AdminService/ListUsers", .scope = Scope::kAdmin, .what = "list users"},
      {.method = "mlvc.v1.AdminService/DisableUser",
       .scope = Scope::kAdmin,
       .what = "disable users",
       .mutation = true,
       .action = "user.disable"},
      {.method = "mlvc.v1.AdminService/EnableUser",
       .scope = Scope::kAdmin,
       .what = "enable users",
       .mutation = true,
       .action = "user.enable"},
      {.method = "mlvc.v1.AdminService/CreateToken",
       .scope = Scope::kSelfOrAdmin,
       .what = "create tokens for other users",
       .mutation = true,
       .action = "token.create"},
      {.method = "mlvc.v1.AdminService/ListTokens",
       .scope = Scope::kSelfOrAdmin,
       .what = "list other users' tokens"},
      // Anyone may revoke their own tokens; AdminService checks whose the token is.
      {.method = "mlvc.v1.AdminService/RevokeToken",
       .scope = Scope::kSignedIn,
       .mutation = true,
       .action = "token.revoke"},
      Change("mlvc.v1.AdminService/GrantRole", kMaintainer, "grant roles", "role.grant"),
      Change("mlvc.v1.AdminService/RevokeRole", kMaintainer, "revoke roles", "role.revoke"),
      {.method = "mlvc.v1.AdminService/ListRoles",
       .scope = Scope::kRepositoryOrAdmin,
       .role = kMaintainer,
       .what = "list its roles"},
      {.method = "mlvc.v1.AdminService/ListAudit",
       .scope = Scope::kRepositoryOrAdmin,
       .role = kMaintainer,
       .what = "read its audit log"},

      // --- the standard health service, for load balancers and probes ---
      {.method = "grpc.health.v1.Health/Check", .scope = Scope::kPublic},
      {.method = "grpc.health.v1.Health/Watch", .scope = Scope::kPublic},
  };
  return t;
}

}  // namespace

const std::vector<Requirement>& AllRequirements() {
  static const std::vector<Requirement>* const kTable = new std::vector<Requirement>(BuildTable());
  return *kTable;
}

const Requirement* FindRequirement(std::string_view method) {
  const std::vector<Requirement>& table = AllRequirements();
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const Requirement& r) { return r.method == method; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace mlvc::server::core
