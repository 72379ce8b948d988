// Network addresses as people write them, "HOST:PORT" ("[IPv6]:PORT" too), and whether a
// host is this machine's loopback. The same rule decides, on the server, whether mlvcd may
// listen without TLS and, on the client, whether a bare address means plaintext, so both
// sides agree on what "local" means.
// Requires: abseil. Used by: server/main.cc (--listen), client/remote (server addresses).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlvc::common {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  std::string port;  // digits, as written (may be "0")
};

// Splits "HOST:PORT" or "[IPv6]:PORT". HOST is a name ([A-Za-z0-9._-]), an IPv4 address or a
// bracketed IPv6 address; PORT is 0-65535. Otherwise INVALID_ARGUMENT whose message says
// what is wrong, without the address (callers name it in their own words), e.g. "missing
// ':PORT'"; an unbracketed IPv6 address is refused (its last ':' would be read as the port's).
absl::StatusOr<HostPort> SplitHostPort(std::string_view address);

// True for "localhost" (any case), an IPv4 address in 127.0.0.0/8 and the IPv6 loopback
// (::1, in any spelling). `host` is without brackets. Names other than "localhost" are never
// resolved: "loopback" must not depend on what DNS says today.
bool IsLoopbackHost(std::string_view host);

}  // namespace mlvc::common
