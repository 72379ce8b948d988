#include "common/net/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>

#include "absl/strings/ascii.h"

namespace mlvc::common {
namespace {

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(std::string(why));
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

absl::StatusOr<HostPort> SplitHostPort(std::string_view address) {
  HostPort out;
  std::string_view rest = address;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Bad("unclosed '[' in host");
    std::string literal(rest.substr(1, close - 1));
    in6_addr ignored;
    if (::inet_pton(AF_INET6, literal.c_str(), &ignored) != 1) {
      return Bad("bad IPv6 address");
    }
    out.host = literal;
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return Bad("missing ':PORT'");
  } else {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return Bad("missing ':PORT'");
    if (rest.find(':', colon + 1) != std::string_view::npos) {
      return Bad("an IPv6 address must be written in brackets, [ADDRESS]:PORT");
    }
    out.host = std::string(rest.substr(0, colon));
    if (!ValidHostName(out.host)) return Bad("bad host");
    rest.remove_prefix(colon);
  }
  rest.remove_prefix(1);  // the ':'
  if (rest.empty() || rest.size() > 5 ||
      rest.find_first_not_of("0123456789") != std::string_view::npos ||
      std::strtol(std::string(rest).c_str(), nullptr, 10) > 65535) {
    return Bad("the port must be a number from 0 to 65535");
  }
  out.port = std::string(rest);
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (absl::AsciiStrToLower(std::string(host)) == "localhost") return true;
  std::string text(host);
  in_addr v4;
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace mlvc::common
