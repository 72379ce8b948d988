// Helpers shared by record_service.cc and record_explain.cc, inside a transaction.
// Requires: store/metadata_store.h. Used by: RecordService only.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/record_service.h"

namespace mlvc::server::core::internal {

// Records a validated `spec` at changeset `number` of `repo` and audits it; returns the id.
absl::StatusOr<int64_t> RecordRunInTxn(store::MetadataTxn& txn, store::BlobStore& blobs,
                                       const Caller& caller, const store::RepositoryRecord& repo,
                                       int64_t number, const RunSpec& spec,
                                       const std::string& record_id);
// NOT_FOUND "unknown run N".
absl::StatusOr<store::RunRecord> LoadRun(store::MetadataTxn& txn, int64_t repo_id, int64_t id);
// The repository, when the caller may read it.
absl::StatusOr<store::RepositoryRecord> OpenForReading(store::MetadataTxn& txn,
                                                       const Caller& caller,
                                                       const std::string& repository);
// The head of `branch` ("" means main); NOT_FOUND "unknown branch".
absl::StatusOr<int64_t> BranchHead(store::MetadataTxn& txn, const store::RepositoryRecord& repo,
                                   const std::string& branch);

}  // namespace mlvc::server::core::internal
