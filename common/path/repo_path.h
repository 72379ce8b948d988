// Repository-relative paths ("relpaths"): the one place that decides what a path in a
// repository may be. Client and server both call it, so a path the client accepts is a path
// the server accepts.
// Requires: abseil. Used by: server core (every request path), client wc and cli.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::common {

inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxComponentBytes = 255;

// Normalizes `path` and checks it: '\' is not a separator, "." components and one trailing
// '/' are dropped; then the result must be non-empty, relative, without empty or ".."
// components, without NUL or control characters (bytes < 0x20 and 0x7f), with components
// of at most 255 bytes, at most 4096 bytes in all, and without a ".mlvc" component (any case).
// Returns INVALID_ARGUMENT naming the rule that failed.
absl::StatusOr<std::string> NormalizeRepoRelpath(std::string_view path);

// True when `path` equals `ancestor` or lies under it ("a/b" is under "a", "ab" is not).
// An empty ancestor contains every path. Both must be normalized.
bool RelpathIsWithin(std::string_view path, std::string_view ancestor);

// The parent directory of a normalized relpath ("" for a top-level name).
std::string_view RelpathDirname(std::string_view path);

// Splits on every `separator` ("a//b" gives "a", "", "b"). Uses std::string_view, which
// Debian's abseil string functions do not accept (absl::string_view is its own type there).
std::vector<std::string_view> SplitOn(std::string_view text, char separator);

// The last component of a normalized relpath.
std::string_view RelpathBasename(std::string_view path);

}  // namespace mlvc::common
