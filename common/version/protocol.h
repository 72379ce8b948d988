// Which client protocols a server answers: the rule behind the one-sentence refusal a
// client of another protocol gets (server/rpc applies it to every call, with the numbers of
// common/version/version.h).
// Requires: abseil. Used by: server/rpc.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace mlvc::common {

// A server's release and the protocols it answers, oldest to newest.
struct ServerProtocols {
  std::string_view release;  // "0.5.0"
  int oldest = 1;
  int newest = 1;
};

// OK when `announced` (the client's kProtocolMetadataKey value) is a protocol `server`
// answers. INVALID_ARGUMENT when it is not a positive number; FAILED_PRECONDITION, with a
// sentence saying which side to upgrade, when it is newer or older than `server` answers.
absl::Status CheckClientProtocol(std::string_view announced, const ServerProtocols& server);

}  // namespace mlvc::common
