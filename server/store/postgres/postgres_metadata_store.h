// PostgresMetadataStore: the MetadataStore on PostgreSQL, through libpqxx.
// Requires: libpqxx (hidden behind a pimpl; no pqxx type appears here), a migrated database
// (see migrator.h). Used by: the mlvcd main, which hands it to server/core as a MetadataStore.
//
// Transactions run at READ COMMITTED with explicit row locks: GetBranch(for_update) takes
// SELECT ... FOR UPDATE and AllocateChangesetNumber updates (and so locks) the repository's
// counter row. libpqxx exceptions are turned into Status here and never cross this layer.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::store {

// Thread-safe: holds a pool of `pool_size` connections; each transaction takes one for its
// duration (blocking while all are busy) and returns it. A connection found broken is
// replaced by a new one.
class PostgresMetadataStore : public MetadataStore {
 public:
  // Connects `pool_size` (at least 1) connections to `uri` (a libpq URI or key=value string).
  // Returns UNAVAILABLE when the database cannot be reached, INVALID_ARGUMENT for a
  // pool_size below 1. Does not check the schema: call CheckSchema (migrator.h) first.
  static absl::StatusOr<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& uri,
                                                                      int pool_size);

  ~PostgresMetadataStore() override;
  PostgresMetadataStore(const PostgresMetadataStore&) = delete;
  PostgresMetadataStore& operator=(const PostgresMetadataStore&) = delete;

  // See MetadataStore. Retries a body that failed with ABORTED up to 4 more times with a
  // small jittered backoff. Returns UNAVAILABLE when no connection can be (re)established.
  absl::Status RunInTransaction(const TxnBody& body) override;

  // See MetadataStore: a new connection of its own that LISTENs on 'mlvc_events'.
  absl::StatusOr<std::unique_ptr<EventListener>> ListenForEvents() override;

  // Test-only: the EXPLAIN output (one line per plan row) of the path-filtered history
  // query ListHistory runs, for those arguments. Lets tests check that it uses an index.
  absl::StatusOr<std::string> ExplainHistoryForTest(int64_t repo_id, int64_t head,
                                                    const std::string& path, int limit);

  // Test-only: the EXPLAIN output of the ListLocks query for those arguments.
  absl::StatusOr<std::string> ExplainListLocksForTest(int64_t repo_id, const std::string& branch,
                                                      const std::string& prefix,
                                                      const std::string& after, int limit);

  struct Impl;  // defined in postgres_internal.h

 private:
  explicit PostgresMetadataStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::server::store
