// The credentials file of `mlvc login`: which server is the default and the token for each
// server, in $XDG_CONFIG_HOME/mlvc/credentials.json (default $HOME/.config/mlvc/), mode 0600:
//   {"default_server": "HOST:PORT", "servers": {"HOST:PORT": {"token": "..."}}}
// Servers are keyed exactly as the user wrote them, scheme included ("https://HOST:PORT").
// Also decides which server, token and TLS CA file a command uses (flags and environment
// first, then the file).
// Requires: abseil, nlohmann-json. Used by: client/cli only.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::client::cli {

struct Credentials {
  std::string default_server;
  std::map<std::string, std::string> tokens;  // server -> token
};

// The path of the credentials file. FAILED_PRECONDITION when neither XDG_CONFIG_HOME nor
// HOME is set.
absl::StatusOr<std::string> CredentialsPath();

// Reads the credentials file; an absent file gives empty credentials. DATA_LOSS when the
// file is not valid JSON of the documented shape; INTERNAL when it cannot be read.
absl::StatusOr<Credentials> LoadCredentials();

// Writes the credentials file atomically (temporary file with mode 0600, fsync, rename),
// creating its directory. INTERNAL on an I/O error.
absl::Status SaveCredentials(const Credentials& credentials);

// The server for a command: `flag` when non-empty, else MLVC_SERVER, else `wc_server`
// (the working copy's, may be empty), else the stored default. UNAUTHENTICATED ("not
// logged in to any server") when there is none.
absl::StatusOr<std::string> ResolveServer(const std::string& flag, const std::string& wc_server);

// The token for `server`: MLVC_TOKEN when set, else the stored one. UNAUTHENTICATED with
// the "not logged in" sentence when there is none.
absl::StatusOr<std::string> ResolveToken(const std::string& server);

// Records the global --ca option (main() calls it once, after parsing, before the command).
void SetCaFileOption(const std::string& path);

// The PEM file of CAs trusted for TLS: the --ca option when given, else MLVC_CA, else ""
// (the system's roots).
std::string ResolveCaFile();

}  // namespace mlvc::client::cli
