// Audit rows written by the core services on behalf of a caller: the row of a done mutation,
// and the row of a refused one (written after the refused transaction rolled back).
// Requires: store/metadata_store.h. Used by: branch/label, lock, record and release services.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// The audit row of `caller` doing `action` on `target` in repository `repo_id`; `result` is
// "ok" or the refusal.
store::AuditRecord CallerAudit(const Caller& caller, std::string action, int64_t repo_id,
                               std::string target, std::string result = "ok");

// Records `refusal` of `action` on `target` in `repository` in a transaction of its own (the
// refused one rolled back). Best effort: nothing is recorded when the repository is unknown
// or the write fails, and the caller reports the refusal whatever happens here. Which
// refusals deserve a row is the caller's choice.
void AuditRefusal(store::MetadataStore& store, const Caller& caller, const std::string& action,
                  const std::string& repository, const std::string& target,
                  const absl::Status& refusal);

}  // namespace mlvc::server::core
