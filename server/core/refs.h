// Finding repositories and resolving refs inside a transaction, shared by the services.
// Requires: store/metadata_store.h. Used by: RepositoryService, HistoryService.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// The repository named `name`. INVALID_ARGUMENT for an empty name, NOT_FOUND
// "unknown repository 'NAME'" when absent.
absl::StatusOr<store::RepositoryRecord> FindRepository(store::MetadataTxn& txn,
                                                       const std::string& name);

// Resolves `ref` in `repo`: "" means branch "main"; decimal digits, optionally prefixed with
// '@', name a changeset; '@' followed by a name names that label, or else that environment;
// anything else a branch, or else a label, or else an environment (branches, labels and
// environments share one namespace). An environment resolves to the changeset of the
// release live in it now, with `label` set to that release's version ("@NAME" takes label
// syntax only: an environment with a '/' is reached by its plain name). NOT_FOUND "unknown
// branch or label 'B' in repository 'R'", "unknown label 'L' in repository 'R'" or "unknown
// changeset @N in repository 'R'"; INVALID_ARGUMENT for a number too large or a bad "@...".
absl::StatusOr<ResolvedRef> ResolveRefIn(store::MetadataTxn& txn,
                                         const store::RepositoryRecord& repo,
                                         const std::string& ref);

// NOT_FOUND "unknown changeset @N in repository 'R'" when absent.
absl::StatusOr<store::ChangesetRecord> FindChangeset(store::MetadataTxn& txn,
                                                     const store::RepositoryRecord& repo,
                                                     int64_t number);

}  // namespace mlvc::server::core
