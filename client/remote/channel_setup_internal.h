// How Remote::Connect sets up its channel: the gRPC credentials chosen by the server's
// address (server_address.h), either plaintext or TLS verifying the server's certificate
// against the system's roots or the CAs of a PEM file and its name against the address's
// HOST; and gRPC's own logging, kept off the user's terminal. Only client/remote includes it.
// Requires: gRPC, OpenSSL. Used by: remote.cc (Remote::Connect).
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/remote/server_address.h"

namespace mlvc::client::remote {

// Credentials for `address`. With TLS, `ca_file` (a PEM bundle; empty: the system's roots)
// holds the CAs to trust; a plaintext address ignores it. INVALID_ARGUMENT, naming the file,
// when `ca_file` cannot be read or holds no PEM certificate.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ServerAddress& address, const std::string& ca_file);

// Stops gRPC from printing its log lines (a failed TLS handshake logs one) on stderr, where
// mlvc promises one sentence per failure: every failure reaches the user through a status.
// Unless GRPC_VERBOSITY is set, which asks for gRPC's log when debugging. Idempotent.
void QuietGrpcLogging();

}  // namespace mlvc::client::remote
