#include "client/ops/server_ops.h"

#include "client/ops/ops_internal.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<std::vector<remote::RepositoryInfo>> ListRepositories(const Endpoint& endpoint) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListRepositories();
}

absl::StatusOr<remote::RepositoryInfo> CreateRepository(const Endpoint& endpoint,
                                                        const std::string& name) {
  RETURN_IF_ERROR(common::ValidateRepositoryName(name));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateRepository(name);
}

absl::StatusOr<std::vector<remote::BranchInfo>> ListBranches(const Endpoint& endpoint,
                                                             const std::string& repository) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListBranches(repository);
}

absl::StatusOr<std::vector<remote::ChangesetInfo>> Log(const Endpoint& endpoint,
                                                       const remote::LogQuery& query) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->Log(query);
}

}  // namespace mlvc::client::ops
