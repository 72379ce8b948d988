// mlvc lock / unlock / locks / lockable: locks on paths of the working copy's branch, and
// the read-only mode of lockable files (see client/wc/lockable.h) that follows them.
// Requires: client/wc, client/remote. Used by: client/cli, client/ops (checkout, update,
// commit).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// Locks `relpaths` on the working copy's branch, all or none, sending each file's base
// content id so the server refuses a lock on an out-of-date file. With `update_first`, an
// out-of-date refusal runs Update (the whole working copy) and tries once more. On success
// the paths are recorded as held and made writable. Errors: FAILED_PRECONDITION "'P' is
// locked by U since T" / "'P' is out of date ..., run mlvc update first"; PERMISSION_DENIED;
// INVALID_ARGUMENT for no paths; plus what Update and any server call return.
absl::StatusOr<std::vector<remote::LockInfo>> Lock(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                                   const std::vector<std::string>& relpaths,
                                                   const std::string& comment,
                                                   bool update_first);

// Releases the locks of `relpaths` (others' too with `force`), all or none; they are no
// longer held here and lockable ones become read-only. Errors: NOT_FOUND "'P' is not
// locked", FAILED_PRECONDITION "'P' is not locked by you ...", PERMISSION_DENIED.
absl::StatusOr<std::vector<remote::LockInfo>> Unlock(wc::WorkingCopy& wc,
                                                     const Endpoint& endpoint,
                                                     const std::vector<std::string>& relpaths,
                                                     bool force);

// Every lock of the working copy's branch under `prefix` (empty: all), in path order.
absl::StatusOr<std::vector<remote::LockInfo>> ListLocks(const wc::WorkingCopy& wc,
                                                        const Endpoint& endpoint,
                                                        const std::string& prefix);

// Shows (nullopt) or replaces (maintainers only) the repository's lockable patterns; the
// working copy records them and re-applies the file modes. Returns the patterns in force.
absl::StatusOr<std::vector<std::string>> LockablePatterns(
    wc::WorkingCopy& wc, const Endpoint& endpoint,
    const std::optional<std::vector<std::string>>& replace);

namespace internal {

// Fetches the repository's lockable patterns into the working copy's config and applies the
// file mode of every versioned file (call before saving, at the end of update).
absl::Status RefreshLockModes(wc::WorkingCopy& wc, remote::Remote& remote);

// After a submit that released the submitter's locks on `relpaths`: forgets them as held
// and makes the lockable ones read-only again. Best effort (a mode that cannot be changed
// is left as it is).
void ForgetReleasedLocks(wc::WorkingCopy& wc, const std::vector<std::string>& relpaths);

}  // namespace internal
}  // namespace mlvc::client::ops
