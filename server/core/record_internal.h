// Helpers shared by record_service.cc and record_explain.cc, inside a transaction.
// Requires: store/metadata_store.h. Used by: RecordService only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/record_service.h"

namespace mlvc::server::core::internal {

// Records a validated `spec` at changeset `number` of `repo`; returns the id. The caller
// writes the call's audit row.
absl::StatusOr<int64_t> RecordRunInTxn(store::MetadataTxn& txn, store::BlobStore& blobs,
                                       const Caller& caller, const store::RepositoryRecord& repo,
                                       int64_t number, const RunSpec& spec,
                                       const std::string& record_id);
// Hides, in `runs`, the inputs from repositories `caller` cannot read: such an input keeps
// its place in the list with an empty repository, path and content id (and repo_id and
// number 0), so a reader learns that the run read something elsewhere, not what or where.
absl::Status HideUnreadableInputs(store::MetadataTxn& txn, const Caller& caller,
                                  std::vector<store::RunRecord*> runs);
// NOT_FOUND "unknown run N".
absl::StatusOr<store::RunRecord> LoadRun(store::MetadataTxn& txn, int64_t repo_id, int64_t id);
// The repository (the edge authorized the read).
absl::StatusOr<store::RepositoryRecord> OpenForReading(store::MetadataTxn& txn,
                                                       const std::string& repository);
// The head of `branch` ("" means main); NOT_FOUND "unknown branch".
absl::StatusOr<int64_t> BranchHead(store::MetadataTxn& txn, const store::RepositoryRecord& repo,
                                   const std::string& branch);

}  // namespace mlvc::server::core::internal
