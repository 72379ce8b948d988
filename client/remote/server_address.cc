#include "client/remote/server_address.h"

#include "absl/strings/ascii.h"
#include "common/net/host_port.h"

namespace mlvc::client::remote {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr std::string_view kHttp = "http://";

absl::Status Bad(std::string_view server, const std::string& why) {
  return absl::InvalidArgumentError("bad server address '" + std::string(server) + "': " + why +
                                    " (expected [https://|http://]HOST:PORT)");
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// gRPC 1.51's messages for a call that could not get a connection all start with this; a
// call cut off later (server shut down, connection lost) says something else.
constexpr std::string_view kConnectFailed = "failed to connect to all addresses";

// What went wrong in a TLS handshake, from the messages of gRPC's TLS layer (which carry
// OpenSSL's reason strings).
std::string TlsReason(std::string_view message, std::string_view host) {
  if (Contains(message, "certificate verify failed")) {
    // OpenSSL says the same for an unknown CA and for an expired certificate.
    return "the server's certificate is not trusted (give its CA with --ca or MLVC_CA; an "
           "expired certificate is refused too)";
  }
  if (Contains(message, "Peer name") && Contains(message, "not in peer certificate")) {
    return "the server's certificate is not valid for the name " + std::string(host) +
           " (connect with a name the certificate carries)";
  }
  if (Contains(message, "wrong version number")) {
    return "the server does not speak TLS on that port (for a plaintext server, write http://)";
  }
  // Another handshake failure: OpenSSL's reason is the text after the last "::".
  size_t reason = message.rfind("::");
  return "the TLS handshake failed (" +
         std::string(reason == std::string_view::npos ? message : message.substr(reason + 2)) +
         ")";
}

}  // namespace

absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view server) {
  std::string_view rest = server;
  std::optional<bool> tls;
  if (rest.substr(0, kHttps.size()) == kHttps) {
    tls = true;
    rest.remove_prefix(kHttps.size());
  } else if (rest.substr(0, kHttp.size()) == kHttp) {
    tls = false;
    rest.remove_prefix(kHttp.size());
  }
  if (Contains(rest, "://")) return Bad(server, "the scheme must be https:// or http://");
  if (Contains(rest, "/")) return Bad(server, "nothing may follow the port");
  absl::StatusOr<common::HostPort> host_port = common::SplitHostPort(rest);
  if (!host_port.ok()) return Bad(server, std::string(host_port.status().message()));
  if (host_port->port.find_first_not_of('0') == std::string::npos) {
    return Bad(server, "the port must be a number from 1 to 65535");
  }
  ServerAddress out;
  out.tls = tls.value_or(!common::IsLoopbackHost(host_port->host));
  out.host = host_port->host;
  out.target = std::string(rest);
  return out;
}

std::optional<std::string> DescribeConnectFailure(std::string_view server,
                                                  std::string_view grpc_message) {
  absl::StatusOr<ServerAddress> address = ParseServerAddress(server);
  if (!address.ok() || !Contains(grpc_message, kConnectFailed)) return std::nullopt;
  if (address->tls) {
    const std::string lower = absl::AsciiStrToLower(std::string(grpc_message));
    if (!Contains(lower, "handshake") && !Contains(lower, "peer name")) return std::nullopt;
    return "cannot make a TLS connection to " + std::string(server) + ": " +
           TlsReason(grpc_message, address->host);
  }
  if (Contains(grpc_message, "Socket closed")) {
    return "server " + std::string(server) +
           " is unreachable: it closed the connection at once (if it serves TLS, write "
           "https://" + address->target + ")";
  }
  return std::nullopt;
}

}  // namespace mlvc::client::remote
