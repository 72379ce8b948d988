// Text or binary: a file is text when its first 8000 bytes hold no NUL (as git decides).
// Requires: nothing. Used by: client wc (scan), server core (merge, later).
#pragma once

#include <string_view>

namespace mlvc::common {

inline constexpr size_t kKindSniffBytes = 8000;

// True when `prefix` (the first up to 8000 bytes of a file) has no NUL byte.
inline bool LooksLikeText(std::string_view prefix) {
  return prefix.substr(0, kKindSniffBytes).find('\0') == std::string_view::npos;
}

}  // namespace mlvc::common
