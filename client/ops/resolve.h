// mlvc resolve: settles conflicted files left by update or merge.
// Requires: client/wc. Used by: client/cli. No network.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

enum class ResolveChoice {
  kMark,    // accept the file as it is now (the user edited it)
  kOurs,    // take NAME.mine (the local version)
  kTheirs,  // take NAME.theirs (the incoming version; for a binary conflict the file already
            // is the incoming one)
};

// Resolves each of `relpaths` (all must be conflicted entries): puts the chosen version in
// place, deletes NAME.base, NAME.mine and NAME.theirs, clears the conflicted flag, saves.
// Returns the relpaths resolved, in input order. The file then shows as modified when it
// differs from its base, ready to commit.
// Errors (nothing is changed on the first two): INVALID_ARGUMENT for no paths;
// FAILED_PRECONDITION "'P' is not conflicted"; FAILED_PRECONDITION when --ours is asked but
// NAME.mine is gone; INTERNAL on I/O errors.
absl::StatusOr<std::vector<std::string>> Resolve(wc::WorkingCopy& wc,
                                                 const std::vector<std::string>& relpaths,
                                                 ResolveChoice choice);

}  // namespace mlvc::client::ops
