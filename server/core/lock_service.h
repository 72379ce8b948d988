// Locks: exclusive claims by one user on paths of one branch, held in the metadata store
// (so they survive restarts and hold across replicas), plus each repository's lockable
// patterns. Submit calls CheckSubmitLocks inside its own transaction.
// Requires: store/metadata_store.h. Used by: server/rpc (LockService), core/submit.cc, tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

inline constexpr size_t kMaxLockPaths = 10000;
inline constexpr size_t kMaxLockCommentBytes = 1000;
inline constexpr int kDefaultLockListLimit = 1000;
inline constexpr int kMaxLockListLimit = 10000;
inline constexpr size_t kMaxLockablePatterns = 1000;
inline constexpr size_t kMaxLockablePatternBytes = 255;

struct LockTarget {
  std::string path;
  std::string base_content_id;  // empty: the client has no file there
};

struct LockRequest {
  std::string repository;
  std::string branch;  // empty: "main"
  std::vector<LockTarget> targets;
  std::string comment;
};

struct UnlockRequest {
  std::string repository;
  std::string branch;  // empty: "main"
  std::vector<std::string> paths;
  bool force = false;
};

struct ListLocksRequest {
  std::string repository;
  std::string branch;  // empty: "main"
  std::string path_prefix;
  int limit = 0;  // 0: kDefaultLockListLimit; capped at kMaxLockListLimit
  std::string after;
};

struct ListLocksResult {
  std::vector<store::LockRecord> locks;
  std::string next_after;  // empty on the last page
};

// Thread-safe (stateless beyond the store).
class LockService {
 public:
  explicit LockService(store::MetadataStore& store) : store_(store) {}

  // Locks every target for the caller, or none, in one transaction (audited). Taking a lock
  // the caller already holds is OK. The branch row is locked for the transaction, so a lock
  // and a submit to the same branch are serialized: a lock is always taken on the head.
  //   INVALID_ARGUMENT    bad/duplicate path, no targets, > kMaxLockPaths, long comment,
  //                       malformed base content id
  //   NOT_FOUND           unknown repository or branch
  //   FAILED_PRECONDITION "'P' is locked by U since T" or
  //                       "'P' is out of date (changed in @N), run mlvc update first"
  // Returns the caller's locks on the targets, in path order.
  absl::StatusOr<std::vector<store::LockRecord>> Lock(const Caller& caller,
                                                      const LockRequest& request);

  // Releases the locks of every path, or none, in one audited transaction ("lock.break",
  // naming each broken lock's holder, when it released another user's lock). Breaking locks
  // (`force`) needs the maintainer role: the authorization table checks it.
  //   INVALID_ARGUMENT    bad/duplicate path, no paths, > kMaxLockPaths
  //   NOT_FOUND           unknown repository or branch, "'P' is not locked"
  //   FAILED_PRECONDITION "'P' is not locked by you (locked by U since T)" without force
  // Returns the released locks, in path order.
  absl::StatusOr<std::vector<store::LockRecord>> Unlock(const Caller& caller,
                                                        const UnlockRequest& request);

  // One page of a branch's locks in path order. INVALID_ARGUMENT for a negative limit,
  // NOT_FOUND for an unknown repository or branch.
  absl::StatusOr<ListLocksResult> ListLocks(const ListLocksRequest& request);

  // NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<std::string>> GetLockablePatterns(const std::string& repository);

  // Replaces the patterns (maintainer; audited). INVALID_ARGUMENT for an empty pattern, one
  // over kMaxLockablePatternBytes or holding a control character, or more than
  // kMaxLockablePatterns; NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<std::string>> SetLockablePatterns(
      const Caller& caller, const std::string& repository,
      const std::vector<std::string>& patterns);

 private:
  store::MetadataStore& store_;
};

// For Submit, inside its transaction after the branch row is locked: FAILED_PRECONDITION
// "'P' is locked by U since T" when a changed path is locked by another user; otherwise
// releases the submitter's locks on the changed paths unless `keep_locks`.
absl::Status CheckSubmitLocks(store::MetadataTxn& txn, int64_t repo_id, const std::string& branch,
                              const Caller& submitter, const std::vector<Change>& changes,
                              bool keep_locks);

// "'P' is locked by U since 2026-01-02 03:04:05 UTC" (optionally with a comment).
std::string DescribeLock(const store::LockRecord& lock);

}  // namespace mlvc::server::core
