#include "client/ops/release_ops.h"

#include "absl/strings/str_cat.h"
#include "client/ops/ops_internal.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<remote::ReleaseInfo> CreateRelease(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  const std::string& version,
                                                  const std::string& ref,
                                                  const std::string& branch,
                                                  const std::string& notes) {
  RETURN_IF_ERROR(common::ValidateLabelName(version));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateRelease(repository, version, ref, branch, notes);
}

absl::StatusOr<std::vector<remote::ReleaseInfo>> ListReleases(const Endpoint& endpoint,
                                                              const std::string& repository,
                                                              int limit,
                                                              const std::string& after) {
  if (limit < 0) return absl::InvalidArgumentError("--limit must not be negative");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListReleases(repository, limit, after);
}

absl::StatusOr<remote::ReleaseInfo> GetRelease(const Endpoint& endpoint,
                                               const std::string& repository,
                                               const std::string& version) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->GetRelease(repository, version);
}

absl::StatusOr<remote::DeploymentInfo> Deploy(const Endpoint& endpoint,
                                              const std::string& repository,
                                              const std::string& version,
                                              const std::string& environment,
                                              const std::string& note) {
  absl::Status env_ok = common::ValidateBranchName(environment);
  if (!env_ok.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad environment name: ", std::string(env_ok.message())));
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->Deploy(repository, version, environment, note);
}

absl::StatusOr<std::vector<remote::DeploymentInfo>> ListDeployments(
    const Endpoint& endpoint, const std::string& repository, const std::string& environment,
    int limit, bool live_only, int64_t before_id) {
  if (limit < 0) return absl::InvalidArgumentError("--limit must not be negative");
  if (before_id < 0) return absl::InvalidArgumentError("--after must not be negative");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListDeployments(repository, environment, limit, live_only, before_id);
}

absl::StatusOr<remote::DeploymentInfo> Rollback(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& environment,
                                                const std::string& note) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->Rollback(repository, environment, note);
}

absl::StatusOr<std::unique_ptr<EventWatch>> EventWatch::Open(const Endpoint& endpoint,
                                                             const std::string& repository,
                                                             int64_t after_id,
                                                             bool from_start) {
  if (after_id < 0) return absl::InvalidArgumentError("--after must not be negative");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  ASSIGN_OR_RETURN(auto stream, remote->Watch(repository, after_id, from_start));
  return std::unique_ptr<EventWatch>(new EventWatch(std::move(remote), std::move(stream)));
}

}  // namespace mlvc::client::ops
