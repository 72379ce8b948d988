// Releases, deployments and rollback (proto/mlvc/v1/release.proto, ReleaseService).
//
// A release is a label (immutable name of a changeset) plus notes, made only from a changeset
// that meets its branch's policy. An environment ("staging", "prod") is a movable name in the
// repository's ref namespace (shared with branches and labels): it exists from its first
// deployment, and its live release is its newest deployment. Only maintainers move one.
//
// Rollback semantics: an environment's deployments form a stack. Deploy pushes the release
// (deploying the release already live records a deployment but pushes nothing); Rollback pops
// the live entry and records a deployment (kind ROLLBACK) of the entry below it. So after
// deploying v1, v2, v3, rollbacks go to v2, then v1, then fail (FAILED_PRECONDITION: nothing
// earlier); a deploy after a rollback pushes on top of what is live (v1, v2, rollback -> v1,
// deploy v4, rollback -> v1). Each deployment row stores the row a rollback from it returns
// to (rollback_to), so this is O(1) and the stack is never rebuilt.
//
// Every mutation is one transaction with an audit row and an event (events.h):
// "release.created", "deployment", "rollback". Refusals for permission or policy are audited
// too (in a transaction of their own).
// Requires: store/metadata_store.h, core/refs.h, core/access.h, core/events.h,
// core/policy.h (UnmetPolicyRules). Used by: server/rpc (ReleaseService), RecordService
// (ReleasesHolding for ExplainModel), tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

inline constexpr int kDefaultReleaseLimit = 50;
inline constexpr int kMaxReleaseLimit = 1000;
inline constexpr int kMaxValidations = 50;
// store::RunRecord::kind of a validation run (record.proto RUN_KIND_VALIDATION).
inline constexpr int kValidationRunKind = 3;

// A release with where it is live now.
struct ReleaseInfo {
  store::ReleaseRecord release;
  std::vector<std::string> live_in;  // environments, sorted
  // Validation runs at the release's changeset, newest first (GetRelease and CreateRelease
  // fill it; listings leave it empty).
  std::vector<store::RunRecord> validations;
};

struct CreateReleaseRequest {
  std::string repository;
  std::string version;
  std::string ref;     // changeset, branch or label; empty: the head of `branch`
  std::string branch;  // whose policy applies; empty: the ref when a branch, else "main"
  std::string notes;
};

struct ListDeploymentsRequest {
  std::string repository;
  std::string environment;  // empty: every environment
  int limit = 0;            // 0: 50, capped at 1,000
  int64_t before_id = 0;    // > 0: only ids below
  bool live_only = false;
};

// Thread-safe (stateless beyond the store).
class ReleaseService {
 public:
  explicit ReleaseService(store::MetadataStore& store) : store_(store) {}

  // Labels the ref's changeset `version` and makes it a release, with an audit row and a
  // "release.created" event. Needs writer.
  //   INVALID_ARGUMENT bad version name; ALREADY_EXISTS a branch, label or environment has
  //   the name; NOT_FOUND unknown repository, ref or policy branch; FAILED_PRECONDITION
  //   "release refused: @N does not meet the policy of branch 'B': RULE; RULE".
  absl::StatusOr<ReleaseInfo> CreateRelease(const Caller& caller,
                                            const CreateReleaseRequest& request);

  // Newest first; `after` is the last version of the previous page (INVALID_ARGUMENT when it
  // is not a release); `limit` 0 means 50, capped at 1,000.
  absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(const std::string& repository,
                                                        const std::string& after, int limit);

  // NOT_FOUND "unknown release 'V' in repository 'R'".
  absl::StatusOr<ReleaseInfo> GetRelease(const std::string& repository,
                                         const std::string& version);

  // Records that `version` is live in `environment` now. Needs maintainer.
  //   INVALID_ARGUMENT bad environment name (branch-name rules); ALREADY_EXISTS the name is a
  //   branch or label; NOT_FOUND unknown repository or release.
  absl::StatusOr<store::DeploymentRecord> Deploy(const Caller& caller,
                                                 const std::string& repository,
                                                 const std::string& version,
                                                 const std::string& environment,
                                                 const std::string& note);

  // Newest first. INVALID_ARGUMENT negative limit or before_id.
  absl::StatusOr<std::vector<store::DeploymentRecord>> ListDeployments(
      const ListDeploymentsRequest& request);

  // Records a ROLLBACK deployment of the release below the live one on the environment's
  // stack (see the top of this file). Needs maintainer.
  //   NOT_FOUND environment never deployed to; FAILED_PRECONDITION nothing to go back to.
  absl::StatusOr<store::DeploymentRecord> Rollback(const Caller& caller,
                                                   const std::string& repository,
                                                   const std::string& environment,
                                                   const std::string& note);

 private:
  store::MetadataStore& store_;
};

// The environments where `version` is live now, sorted (inside the caller's transaction).
absl::StatusOr<std::vector<std::string>> LiveEnvironments(store::MetadataTxn& txn,
                                                          int64_t repo_id,
                                                          const std::string& version);

// The releases of `repo` whose changeset holds content `content_id` at `path`, newest first,
// with where each is live: for ExplainModel's `releases`. Reads each release's tree at `path`
// (there are few releases; at most kMaxReleaseLimit are considered).
absl::StatusOr<std::vector<ReleaseInfo>> ReleasesHolding(store::MetadataTxn& txn,
                                                         const store::RepositoryRecord& repo,
                                                         const std::string& path,
                                                         const std::string& content_id);

}  // namespace mlvc::server::core
