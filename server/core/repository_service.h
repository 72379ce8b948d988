// Repositories and branches: creation (with changeset @0 and branch "main"), listing, and
// resolving refs to changeset numbers.
// Requires: store/metadata_store.h. Used by: server/rpc (RepositoryService), tests, tools.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// A repository as one caller sees it.
struct RepositoryView {
  store::RepositoryRecord repo;
  store::Role role = store::Role::kReader;  // the caller's effective role (access.h)
};

// Thread-safe (stateless beyond the store).
class RepositoryService {
 public:
  explicit RepositoryService(store::MetadataStore& store) : store_(store) {}

  // Creates repository `name` with the empty changeset @0 (authored by the caller), branch
  // "main" at @0 and an audit row, in one transaction. INVALID_ARGUMENT for a bad name
  // (common/path/names.h), ALREADY_EXISTS when taken.
  absl::StatusOr<store::RepositoryRecord> CreateRepository(const Caller& caller,
                                                           const std::string& name);

  // The repositories `caller` can read, sorted by name, with the caller's role on each.
  absl::StatusOr<std::vector<RepositoryView>> ListRepositories(const Caller& caller);

  // Sets the role every signed-in user without a role of their own has on `repository`
  // (nullopt: none), audited. INVALID_ARGUMENT for maintainer; NOT_FOUND unknown repository.
  absl::StatusOr<store::RepositoryRecord> SetDefaultRole(const Caller& caller,
                                                         const std::string& repository,
                                                         std::optional<store::Role> role);

  // A repository's branches, sorted by name. NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<store::BranchRecord>> ListBranches(const std::string& repository);

  // See ResolveRefIn (refs.h): NOT_FOUND for an unknown repository, branch or changeset.
  absl::StatusOr<ResolvedRef> ResolveRef(const std::string& repository, const std::string& ref);

  // --- branches and labels (branch_label_service.cc) ---
  // Branches and labels share one namespace per repository: creating either with a name the
  // other already has is ALREADY_EXISTS. Each mutation is one transaction with an audit row.

  // Creates branch `name` at the changeset `from` resolves to (ResolveRefIn; "" is main):
  // one row, no tree is copied.
  // INVALID_ARGUMENT bad name; ALREADY_EXISTS "branch 'B' already exists" or "a label named
  // 'B' already exists"; NOT_FOUND unknown repository or source.
  absl::StatusOr<store::BranchRecord> CreateBranch(const Caller& caller,
                                                   const std::string& repository,
                                                   const std::string& name,
                                                   const std::string& from);
  // Deletes branch `name` (its changesets stay) and every lock on it, in one transaction.
  // FAILED_PRECONDITION "branch 'main' cannot be deleted"; NOT_FOUND unknown repository or
  // branch.
  absl::Status DeleteBranch(const Caller& caller, const std::string& repository,
                            const std::string& name);
  // Creates the immutable label `name` on the changeset `ref` resolves to. INVALID_ARGUMENT bad name (common::ValidateLabelName); ALREADY_EXISTS "label 'L'
  // already exists" or "a branch named 'L' already exists"; NOT_FOUND unknown repository or
  // ref.
  absl::StatusOr<store::LabelRecord> CreateLabel(const Caller& caller,
                                                 const std::string& repository,
                                                 const std::string& name, const std::string& ref,
                                                 const std::string& notes);
  // Labels sorted bytewise by name, after `after` when non-empty; `limit` 0 means 1,000,
  // capped at 10,000. INVALID_ARGUMENT negative limit; NOT_FOUND unknown repository.
  absl::StatusOr<std::vector<store::LabelRecord>> ListLabels(const std::string& repository,
                                                             const std::string& after,
                                                             int limit);
  // Deletes a label. NOT_FOUND unknown repository or label; FAILED_PRECONDITION for a
  // release.
  absl::Status DeleteLabel(const Caller& caller, const std::string& repository,
                           const std::string& name);

 private:
  store::MetadataStore& store_;
};

}  // namespace mlvc::server::core
