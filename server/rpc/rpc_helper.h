// The one place where the gRPC edge authenticates a call, runs a handler body, catches
// whatever it throws, logs failures and turns absl::Status into grpc::Status.
// Requires: gRPC, server/core (Authenticator). Used by: every *_service_impl.cc.
#pragma once

#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "server/core/authenticator.h"
#include "server/core/types.h"

namespace mlvc::server::rpc {

// Longest status message sent to a client; longer ones are cut (with "...").
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// Maps codes 1:1 (absl and gRPC codes align) and truncates long messages. An INTERNAL or
// UNKNOWN status never goes out with an empty message, so the parse-error interceptor can
// tell handler errors from the framework's.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Authenticates the call from its "authorization: Bearer TOKEN" metadata (UNAUTHENTICATED
// when missing, malformed or unknown), then runs `body` with the caller. An exception
// escaping `body` becomes INTERNAL "internal error". Failures other than client errors are
// logged to stderr with `method`.
grpc::Status HandleRpc(grpc::ServerContext* context, core::Authenticator& authenticator,
                       std::string_view method,
                       const std::function<absl::Status(const core::Caller&)>& body);

// Logs one line to stderr (thread-safe, whole lines).
void LogLine(std::string_view line);

}  // namespace mlvc::server::rpc
