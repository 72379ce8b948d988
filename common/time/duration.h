// Durations as people type them on a command line: "30d", "12h", "90m", "45s", or
// combinations abseil understands ("1h30m"); a number of days is the one unit abseil lacks.
// Requires: abseil. Used by: mlvc (admin token --expires, audit --since), mlvcd admin.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlvc::common {

// Whole seconds of `text`. INVALID_ARGUMENT for anything else, for zero or a negative
// duration, and for more than 100 years.
absl::StatusOr<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace mlvc::common
