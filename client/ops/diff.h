// mlvc diff: local edits against the base versions, as unified diffs.
// Requires: client/wc, client/remote, common/diff. Used by: client/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// Base contents bigger than this are not fetched for a text diff.
inline constexpr uint64_t kMaxDiffBytes = 8u << 20;

struct FileDiffText {
  enum class Kind {
    kText,    // `text` holds the unified diff ("--- a/PATH", "+++ b/PATH", hunks)
    kBinary,  // print "Binary file PATH differs"
    kLarge,   // print "Large file PATH differs" (a side is over kMaxDiffBytes)
  };
  std::string path;
  Kind kind = Kind::kText;
  std::string text;
};

// For every modified, added or deleted file in scope under `relpaths` (empty: everything),
// sorted by path. Added files diff against nothing, deleted ones against nothing on the new
// side. A modified file whose only change is the executable bit yields no entry. Saves the
// refreshed mtimes. Errors: INTERNAL on a local read error; what the server returns for a
// download (NOT_FOUND, DATA_LOSS, UNAVAILABLE, ...).
absl::StatusOr<std::vector<FileDiffText>> Diff(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                               const std::vector<std::string>& relpaths);

}  // namespace mlvc::client::ops
