#include "client/ops/checkout_url.h"

#include <string>

#include "common/net/host_port.h"
#include "common/path/names.h"

namespace mlvc::client::ops {
namespace {

absl::Status Bad(std::string_view url, const std::string& why) {
  return absl::InvalidArgumentError("bad checkout URL '" + std::string(url) + "': " + why +
                                    " (expected [https://]HOST:PORT/REPO[@REF])");
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<CheckoutUrl> ParseCheckoutUrl(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  for (std::string_view known : {"https://", "http://"}) {
    if (rest.substr(0, known.size()) == known) {
      scheme = std::string(known);
      rest.remove_prefix(known.size());
      break;
    }
  }
  if (rest.find("://") != std::string_view::npos) {
    return Bad(url, "the only schemes are https:// and http://");
  }
  const size_t slash = rest.find('/');
  absl::StatusOr<common::HostPort> host_port = common::SplitHostPort(rest.substr(0, slash));
  if (!host_port.ok()) return Bad(url, std::string(host_port.status().message()));
  if (host_port->port.find_first_not_of('0') == std::string::npos) {
    return Bad(url, "the port must be a number from 1 to 65535");
  }
  if (slash == std::string_view::npos) return Bad(url, "missing '/REPO'");
  CheckoutUrl out;
  out.server = scheme + std::string(rest.substr(0, slash));
  rest.remove_prefix(slash + 1);
  size_t at = rest.find('@');
  std::string_view repo = rest.substr(0, at);
  std::string_view ref;
  if (at != std::string_view::npos) {
    ref = rest.substr(at + 1);
    if (ref.empty()) return Bad(url, "empty REF after '@'");
  } else if (!repo.empty() && repo.back() == '/') {
    repo.remove_suffix(1);
  }
  if (repo.empty()) return Bad(url, "missing REPO");
  absl::Status name_ok = common::ValidateRepositoryName(repo);
  if (!name_ok.ok()) return Bad(url, std::string(name_ok.message()));
  if (!ref.empty() && !AllDigits(ref)) {
    absl::Status branch_ok = common::ValidateBranchName(ref);
    if (!branch_ok.ok()) return Bad(url, std::string(branch_ok.message()));
  }
  out.repository = std::string(repo);
  out.ref = std::string(ref);
  return out;
}

}  // namespace mlvc::client::ops
