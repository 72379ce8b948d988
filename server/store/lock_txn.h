// Exclusive path locks and each repository's lockable patterns: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/lock_sql.cc.
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

// An exclusive lock of one path of one branch.
struct LockRecord {
  std::string branch;
  std::string path;
  int64_t user_id = 0;
  std::string user_name;          // filled on reads
  std::string comment;
  int64_t created_at_micros = 0;  // filled on reads (the database clock)
};

// Not thread-safe, like the MetadataTxn it is part of.
class LockTxn {
 public:
  virtual ~LockTxn() = default;

  // Inserts `lock` unless its path is already locked on its branch, and returns the lock that
  // holds the path afterwards: `lock` itself (read back) or the earlier holder's. Exactly one
  // of several racing transactions inserts; the others wait for it and get its row.
  virtual absl::StatusOr<LockRecord> TryInsertLock(int64_t repo_id, const LockRecord& lock) = 0;
  // The locks among `paths` of `branch`, sorted by path.
  virtual absl::StatusOr<std::vector<LockRecord>> GetLocks(
      int64_t repo_id, const std::string& branch, const std::vector<std::string>& paths) = 0;
  // Deletes the locks of `paths` on `branch` (only those of `user_id` when set) and returns
  // the deleted ones, sorted by path.
  virtual absl::StatusOr<std::vector<LockRecord>> DeleteLocks(
      int64_t repo_id, const std::string& branch, const std::vector<std::string>& paths,
      std::optional<int64_t> user_id) = 0;
  // Deletes every lock of `branch` (whoever holds it) and returns how many there were; a
  // branch being deleted takes its locks with it, in the same transaction.
  virtual absl::StatusOr<int64_t> DeleteBranchLocks(int64_t repo_id,
                                                    const std::string& branch) = 0;
  // Locks of `branch` whose path starts with `prefix` and sorts after `after` (bytewise),
  // in path order, at most `limit`.
  virtual absl::StatusOr<std::vector<LockRecord>> ListLocks(int64_t repo_id,
                                                            const std::string& branch,
                                                            const std::string& prefix,
                                                            const std::string& after,
                                                            int limit) = 0;
  // The repository's lockable globs. NOT_FOUND for an unknown repository id.
  virtual absl::StatusOr<std::vector<std::string>> GetLockablePatterns(int64_t repo_id) = 0;
  // NOT_FOUND for an unknown repository id.
  virtual absl::Status SetLockablePatterns(int64_t repo_id,
                                           const std::vector<std::string>& patterns) = 0;
};

}  // namespace mlvc::server::store
