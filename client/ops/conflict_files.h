// Conflict bookkeeping on disk shared by update, merge and resolve (not part of the ops
// API): writing whole small files into the working copy, and the NAME.base / NAME.mine /
// NAME.theirs files left next to a conflicted file.
// Requires: client/wc. Used by: update.cc, merge_ops.cc, resolve.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops::internal {

// Texts up to this size are merged line by line in the working copy; larger ones are
// handled like binaries (the local one kept as NAME.mine).
inline constexpr uint64_t kMaxWcMergeBytes = 16 << 20;

inline constexpr char kBaseSuffix[] = ".base";
inline constexpr char kMineSuffix[] = ".mine";
inline constexpr char kTheirsSuffix[] = ".theirs";

// Writes `bytes` to `relpath` (temporary file, then rename), with the executable bit.
// FAILED_PRECONDITION when a folder is in the way; INTERNAL on I/O errors.
absl::Status WriteWcFile(const wc::WorkingCopy& wc, const std::string& relpath,
                         std::string_view bytes, bool executable);

// Checks that RELPATH's conflict files can be written without losing anything: each of
// RELPATH.base, RELPATH.mine and RELPATH.theirs (only RELPATH.mine when `mine_only`, the
// binary case) must neither exist on disk (as anything) nor be versioned; an earlier NAME.mine
// holds someone's local version too, so even those are never replaced.
// FAILED_PRECONDITION naming the file in the way otherwise.
absl::Status CheckConflictNamesFree(const wc::WorkingCopy& wc, const std::string& relpath,
                                    bool mine_only);

// Writes RELPATH.base, RELPATH.mine and RELPATH.theirs, never over existing files
// (CheckConflictNamesFree first; its error otherwise, nothing written).
absl::Status WriteTextConflictFiles(const wc::WorkingCopy& wc, const std::string& relpath,
                                    std::string_view base, std::string_view mine,
                                    std::string_view theirs);

// Renames RELPATH to RELPATH.mine (a binary conflict keeps the local file that way); never
// over a file mlvc did not write (CheckConflictNamesFree's error, nothing renamed).
absl::Status MoveToMine(const wc::WorkingCopy& wc, const std::string& relpath);

// Removes RELPATH.base, RELPATH.mine and RELPATH.theirs where they exist.
absl::Status RemoveConflictFiles(const wc::WorkingCopy& wc, const std::string& relpath);

// True when RELPATH + suffix exists as a regular file.
bool ConflictFileExists(const wc::WorkingCopy& wc, const std::string& relpath,
                        const char* suffix);

}  // namespace mlvc::client::ops::internal
