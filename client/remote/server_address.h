// What a server address says about the connection: "https://HOST:PORT" is TLS,
// "http://HOST:PORT" plaintext, and a bare "HOST:PORT" plaintext when HOST is this machine's
// loopback (localhost, 127.0.0.0/8, ::1) and TLS otherwise, so that a token never crosses a
// network in the clear unless the user wrote http:// on purpose. The address string itself,
// scheme included, stays the user's name for the server everywhere else (credentials,
// working copies, messages). Also: what a failed connection's gRPC message means, in words.
// Requires: common/net. Used by: remote.cc (Remote::Connect, FromGrpc), its unit test.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlvc::client::remote {

struct ServerAddress {
  bool tls = false;
  std::string host;    // without brackets: the name the server's certificate must carry
  std::string target;  // "HOST:PORT" ("[IPv6]:PORT"), the channel's target
};

// Parses [https://|http://]HOST:PORT. INVALID_ARGUMENT, saying what is wrong, for another
// scheme, anything after the port, a bad host or a port outside 1-65535.
absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view server);

// The sentence for an UNAVAILABLE status whose gRPC message is `grpc_message`, on a
// connection to `server` (as the user wrote it), when the message says more than "cannot
// connect": on TLS, a failed handshake, "cannot make a TLS connection to SERVER: WHY" (the
// certificate not trusted, not valid for HOST, or no TLS on the port); on plaintext, a
// connection the server closed at once, which is what a TLS-only server does. nullopt
// otherwise (refused, unreachable, the server going away during a call).
std::optional<std::string> DescribeConnectFailure(std::string_view server,
                                                  std::string_view grpc_message);

}  // namespace mlvc::client::remote
