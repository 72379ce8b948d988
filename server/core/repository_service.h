// Repositories and branches: creation (with changeset @0 and branch "main"), listing, and
// resolving refs to changeset numbers.
// Requires: store/metadata_store.h. Used by: server/rpc (RepositoryService), tests, tools.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Thread-safe (stateless beyond the store).
class RepositoryService {
 public:
  explicit RepositoryService(store::MetadataStore& store) : store_(store) {}

  // Creates repository `name` with the empty changeset @0 (authored by the caller), branch
  // "main" at @0 and an audit row, in one transaction. INVALID_ARGUMENT for a bad name
  // (common/path/names.h), ALREADY_EXISTS when taken.
  absl::StatusOr<store::RepositoryRecord> CreateRepository(const Caller& caller,
                                                           const std::string& name);

  // Every repository, sorted by name.
  absl::StatusOr<std::vector<store::RepositoryRecord>> ListRepositories();

  // A repository's branches, sorted by name. NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<store::BranchRecord>> ListBranches(const std::string& repository);

  // See ResolveRefIn (refs.h): NOT_FOUND for an unknown repository, branch or changeset.
  absl::StatusOr<ResolvedRef> ResolveRef(const std::string& repository, const std::string& ref);

 private:
  store::MetadataStore& store_;
};

}  // namespace mlvc::server::core
