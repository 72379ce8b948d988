#include "client/ops/checkout_url.h"

#include <string>

#include "absl/strings/ascii.h"
#include "common/path/names.h"

namespace mlvc::client::ops {
namespace {

absl::Status Bad(std::string_view url, const std::string& why) {
  return absl::InvalidArgumentError("bad checkout URL '" + std::string(url) + "': " + why +
                                    " (expected HOST:PORT/REPO[@REF])");
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ValidHostName(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<CheckoutUrl> ParseCheckoutUrl(std::string_view url) {
  if (url.find("://") != std::string_view::npos) {
    return Bad(url, "no scheme is used");
  }
  std::string_view rest = url;
  std::string host;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return Bad(url, "unclosed '[' in host");
    for (char c : rest.substr(1, close - 1)) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Bad(url, "bad IPv6 address");
      }
    }
    host = std::string(rest.substr(0, close + 1));
    rest.remove_prefix(close + 1);
  } else {
    size_t colon = rest.find(':');
    size_t slash = rest.find('/');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
      return Bad(url, "missing ':PORT'");
    }
    host = std::string(rest.substr(0, colon));
    if (!ValidHostName(host)) return Bad(url, "bad host");
    rest.remove_prefix(colon);
  }
  if (rest.empty() || rest.front() != ':') return Bad(url, "missing ':PORT'");
  rest.remove_prefix(1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Bad(url, "missing '/REPO'");
  std::string_view port = rest.substr(0, slash);
  if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
      std::stoi(std::string(port)) > 65535) {
    return Bad(url, "the port must be a number from 1 to 65535");
  }
  rest.remove_prefix(slash + 1);

  CheckoutUrl out;
  out.server = host + ":" + std::string(port);
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
