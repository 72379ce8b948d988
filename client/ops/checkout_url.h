// The checkout URL "[https://|http://]HOST:PORT/REPO[@REF]".
// Requires: common/. Used by: client/cli (mlvc checkout).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mlvc::client::ops {

struct CheckoutUrl {
  std::string server;      // "HOST:PORT", after the URL's scheme when it has one
  std::string repository;  // validated with common::ValidateRepositoryName
  std::string ref;         // "" when absent (meaning "main"); else a branch or a number
};

// Parses "[https://|http://]HOST:PORT/REPO[@REF]". The scheme, when given, stays part of
// `server` (it says TLS or plaintext; see client/remote/server_address.h); any other scheme
// is refused. HOST is a name, an IPv4 address or "[IPv6]"; PORT is
// 1-65535; REF (after the last '@' following REPO) is a branch name or a changeset number,
// with an optional leading '@' ("repo@@5" is not accepted; "repo@5" is). A trailing '/' after
// REPO is tolerated. INVALID_ARGUMENT, saying what is wrong, for anything else.
absl::StatusOr<CheckoutUrl> ParseCheckoutUrl(std::string_view url);

}  // namespace mlvc::client::ops
