// Lockable files: which working-copy files need a lock before editing (the repository's
// lockable patterns), and their file mode: read-only unless this working copy holds their
// lock, so nobody starts editing a model someone else holds.
// Requires: abseil. Used by: client/ops.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::wc {

// True when `relpath` matches one of `patterns` (fnmatch, without FNM_PATHNAME), tried on
// the file's name and on the whole relpath: "*.pt" matches "models/a.pt", "models/*"
// matches "models/x/y.bin".
bool MatchesLockable(const std::vector<std::string>& patterns, std::string_view relpath);

// True when the working copy knows its patterns and `relpath` matches them.
bool IsLockable(const WorkingCopy& wc, std::string_view relpath);

// True when this working copy holds the lock of `relpath` (WcConfig::held_locks).
bool HoldsLock(const WorkingCopy& wc, std::string_view relpath);

// True when `relpath` should be read-only: lockable, and its lock not held here.
bool WantsReadOnly(const WorkingCopy& wc, std::string_view relpath);

// The mode to create a download of `relpath` with (open(2) then applies the umask), so that
// WorkingCopy::InstallFile(..., read_only = WantsReadOnly()) need not chmod it: read and
// write for all (and execute when `executable`), without the write bits when read-only.
uint32_t CreateMode(const WorkingCopy& wc, std::string_view relpath, bool executable);

// Sets the mode `relpath` should have: without any write bit when lockable and not held,
// with the owner's write bit otherwise (only when it was read-only: a file never made
// read-only keeps its mode). A file absent from disk is left alone. INTERNAL on error.
absl::Status ApplyLockMode(const WorkingCopy& wc, const std::string& relpath);

}  // namespace mlvc::client::wc
