#include "common/time/duration.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace mlvc::common {
namespace {

constexpr int64_t kMaxSeconds = int64_t{100} * 366 * 24 * 3600;

absl::Status Bad(std::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", absl::string_view(text.data(), text.size()),
                   "' is not a duration (like 30d, 12h, 90m or 45s)"));
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationSeconds(std::string_view text) {
  int64_t seconds = 0;
  if (!text.empty() && text.back() == 'd') {
    int64_t days = 0;
    if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size() - 1), &days) ||
        days <= 0 || days > kMaxSeconds / 86400) {
      return Bad(text);
    }
    seconds = days * 86400;
  } else {
    absl::Duration d;
    if (!absl::ParseDuration(absl::string_view(text.data(), text.size()), &d)) return Bad(text);
    if (d <= absl::ZeroDuration() || d > absl::Seconds(kMaxSeconds)) return Bad(text);
    seconds = absl::ToInt64Seconds(d);
    if (seconds <= 0) return Bad(text);
  }
  return seconds;
}

}  // namespace mlvc::common
