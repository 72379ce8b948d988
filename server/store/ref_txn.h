// Repositories, branches and labels: the names a ref resolves through: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/repository_sql.cc, label_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/access_txn.h"

namespace mlvc::server::store {

struct RepositoryRecord {
  int64_t id = 0;
  std::string name;
  std::string created_by;  // user name
  int64_t created_at_micros = 0;
  // The role of every signed-in user without a row in `roles` (nullopt: none).
  std::optional<Role> default_role;
};

struct BranchRecord {
  std::string name;
  int64_t head = 0;
};

// A label (branches-and-labels section below).
struct LabelRecord {
  std::string name;
  int64_t number = 0;
  std::string notes;
  std::string created_by;         // user name, filled on reads
  int64_t created_at_micros = 0;  // filled on reads
};

// Not thread-safe, like the MetadataTxn it is part of.
class RefTxn {
 public:
  virtual ~RefTxn() = default;

  // ALREADY_EXISTS when the name is taken.
  virtual absl::StatusOr<RepositoryRecord> CreateRepository(const std::string& name,
                                                            int64_t created_by) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<RepositoryRecord> GetRepository(const std::string& name) = 0;
  // Sorted by name.
  virtual absl::StatusOr<std::vector<RepositoryRecord>> ListRepositories() = 0;
  // ALREADY_EXISTS when the branch exists.
  virtual absl::Status CreateBranch(int64_t repo_id, const std::string& name, int64_t head) = 0;
  // NOT_FOUND when unknown. With `for_update`, the row stays locked until the transaction
  // ends, serializing every submit to that branch.
  virtual absl::StatusOr<BranchRecord> GetBranch(int64_t repo_id, const std::string& name,
                                                 bool for_update) = 0;
  // Sorted by name.
  virtual absl::StatusOr<std::vector<BranchRecord>> ListBranches(int64_t repo_id) = 0;
  // Moves a branch head from `expected_head` to `new_head`. NOT_FOUND for an unknown
  // branch, FAILED_PRECONDITION when the head is not `expected_head`.
  virtual absl::Status MoveBranchHead(int64_t repo_id, const std::string& name,
                                      int64_t expected_head, int64_t new_head) = 0;
  // Serializes, until the transaction ends, every transaction that creates a branch or a
  // label in `repo_id`, so that the check "no branch and no label has this name" and the
  // insert that follows are atomic across both tables.
  virtual absl::Status LockRefNames(int64_t repo_id) = 0;
  // NOT_FOUND when the branch does not exist.
  virtual absl::Status DeleteBranch(int64_t repo_id, const std::string& name) = 0;
  // ALREADY_EXISTS when a label of that name exists; NOT_FOUND when changeset `number` does
  // not exist.
  virtual absl::Status CreateLabel(int64_t repo_id, const std::string& name, int64_t number,
                                   const std::string& notes, int64_t created_by) = 0;
  // NOT_FOUND when unknown.
  virtual absl::StatusOr<LabelRecord> GetLabel(int64_t repo_id, const std::string& name) = 0;
  // Labels sorted bytewise by name, only those after `after` (when non-empty), at most
  // `limit`.
  virtual absl::StatusOr<std::vector<LabelRecord>> ListLabels(int64_t repo_id,
                                                              const std::string& after,
                                                              int limit) = 0;
  // NOT_FOUND when unknown.
  virtual absl::Status DeleteLabel(int64_t repo_id, const std::string& name) = 0;
};

}  // namespace mlvc::server::store
