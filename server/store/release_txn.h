// Releases and deployments: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/release_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

// event_sql.cc) ----

// A release: a label (same name) with notes. `id` orders releases by creation.
struct ReleaseRecord {
  int64_t id = 0;
  std::string version;
  int64_t number = 0;             // the label's changeset
  std::string notes;
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

enum class DeploymentKind { kDeploy, kRollback };

// One deployment of a release to an environment. The newest row of an environment is the
// release live there.
struct DeploymentRecord {
  int64_t id = 0;                 // filled on reads
  std::string environment;
  std::string version;
  int64_t number = 0;             // the release's changeset, filled on reads
  DeploymentKind kind = DeploymentKind::kDeploy;
  std::string note;
  std::string previous_version;   // empty for an environment's first deployment
  // The deployment a rollback from this one returns to (nullopt: nothing earlier).
  std::optional<int64_t> rollback_to;
  int64_t created_by_id = 0;      // for inserts
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

// Not thread-safe, like the MetadataTxn it is part of.
class ReleaseTxn {
 public:
  virtual ~ReleaseTxn() = default;

  // Makes label `version` (which must exist) a release. ALREADY_EXISTS when it is one;
  // NOT_FOUND when the label does not exist.
  virtual absl::Status InsertRelease(int64_t repo_id, const std::string& version,
                                     const std::string& notes, int64_t created_by) = 0;
  // NOT_FOUND when `version` is not a release.
  virtual absl::StatusOr<ReleaseRecord> GetRelease(int64_t repo_id,
                                                   const std::string& version) = 0;
  // Releases newest first, only those created before release `after` (when non-empty; it
  // must be a release: NOT_FOUND otherwise), at most `limit`.
  virtual absl::StatusOr<std::vector<ReleaseRecord>> ListReleases(int64_t repo_id,
                                                                  const std::string& after,
                                                                  int limit) = 0;
  // Releases whose changeset is one of `numbers`, newest first.
  virtual absl::StatusOr<std::vector<ReleaseRecord>> ListReleasesAt(
      int64_t repo_id, const std::vector<int64_t>& numbers) = 0;
  // Inserts `deployment` (id, number, created_* ignored) and returns it as read back.
  // NOT_FOUND for an unknown release.
  virtual absl::StatusOr<DeploymentRecord> InsertDeployment(
      int64_t repo_id, const DeploymentRecord& deployment) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<DeploymentRecord> GetDeployment(int64_t repo_id, int64_t id) = 0;
  // The live (newest) deployment of `environment`; nullopt when never deployed to.
  virtual absl::StatusOr<std::optional<DeploymentRecord>> GetLiveDeployment(
      int64_t repo_id, const std::string& environment) = 0;
  // Deployments newest first: of `environment` only when non-empty, only ids below
  // `before_id` when > 0, at most `limit`. With `live_only`, only each environment's live
  // deployment (sorted by environment).
  virtual absl::StatusOr<std::vector<DeploymentRecord>> ListDeployments(
      int64_t repo_id, const std::string& environment, int64_t before_id, int limit,
      bool live_only) = 0;
};

}  // namespace mlvc::server::store
