// Operations that only talk to the server: repositories, branches, log. Thin wrappers over
// client/remote so that the CLI never needs to include it.
// Requires: client/remote. Used by: client/cli.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote_types.h"

namespace mlvc::client::ops {

// Every function may return what any server call returns: UNAUTHENTICATED (bad or no token),
// PERMISSION_DENIED, UNAVAILABLE (message: "server HOST:PORT is unreachable"),
// DEADLINE_EXCEEDED.

// Sorted by name. Also the token check of `mlvc login`.
absl::StatusOr<std::vector<remote::RepositoryInfo>> ListRepositories(const Endpoint& endpoint);

// INVALID_ARGUMENT for a bad name (checked locally first), ALREADY_EXISTS when taken.
absl::StatusOr<remote::RepositoryInfo> CreateRepository(const Endpoint& endpoint,
                                                        const std::string& name);

// NOT_FOUND for an unknown repository.
absl::StatusOr<std::vector<remote::BranchInfo>> ListBranches(const Endpoint& endpoint,
                                                             const std::string& repository);

// Newest first. `query.path` must be a normalized relpath or empty (the CLI turns a local path
// into one with ToRelpaths). NOT_FOUND for an unknown repository or ref; INVALID_ARGUMENT for
// a bad path.
absl::StatusOr<std::vector<remote::ChangesetInfo>> Log(const Endpoint& endpoint,
                                                       const remote::LogQuery& query);

}  // namespace mlvc::client::ops
