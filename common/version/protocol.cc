#include "common/version/protocol.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mlvc::common {

namespace {

// Debian's abseil has its own string_view.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

absl::Status CheckClientProtocol(std::string_view announced, const ServerProtocols& server) {
  const absl::string_view release = View(server.release);
  int spoken = 0;
  if (announced.empty() || announced.find_first_not_of("0123456789") != std::string_view::npos ||
      !absl::SimpleAtoi(View(announced), &spoken) || spoken < 1) {
    return absl::InvalidArgumentError(
        "malformed protocol in the call's metadata: expected a positive number");
  }
  if (spoken > server.newest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this mlvc speaks protocol ", spoken, ", newer than the server's (mlvcd ",
        release, ", protocol ", server.newest, "): upgrade the server, or use mlvc ", release));
  }
  if (spoken < server.oldest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this mlvc speaks protocol ", spoken, ", which the server (mlvcd ", release,
        ") no longer answers: upgrade mlvc to ", release));
  }
  return absl::OkStatus();
}

}  // namespace mlvc::common
