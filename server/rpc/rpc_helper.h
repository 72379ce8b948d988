// The one place where the gRPC edge decides a call: it reads the token and the request's
// facts, asks AccessControl (server/core/access.h) against the authorization table
// (server/core/authorization_table.h), applies the rate and upload limits, runs the handler
// body, catches whatever it throws, writes the audit row of a refused mutation, logs server
// failures and turns absl::Status into grpc::Status.
// Requires: gRPC, protobuf reflection, server/core. Used by: every *_service_impl.cc.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "common/version/protocol.h"
#include "server/core/access.h"
#include "server/core/limits.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::rpc {

// Longest status message sent to a client; longer ones are cut (with "...").
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// Maps codes 1:1 (absl and gRPC codes align) and truncates long messages. An INTERNAL or
// UNKNOWN status never goes out with an empty message, so the parse-error interceptor can
// tell handler errors from the framework's.
grpc::Status ToGrpcStatus(const absl::Status& status);

// What every handler shares. Thread-safe; outlives the server.
struct Edge {
  core::AccessControl& access;
  core::RateLimiter& rate;
  core::UploadSlots& uploads;
  store::MetadataStore& metadata;  // for the audit rows of refused mutations
  common::ServerProtocols protocols;  // the client protocols answered (CheckProtocol)
};

// "mlvc.v1.HistoryService/Submit": the name the authorization table knows a method by.
template <typename Service>
std::string MethodName(std::string_view method) {
  return absl::StrCat(Service::service_full_name(), "/",
                      absl::string_view(method.data(), method.size()));
}

// Decides a unary or server-streaming call of `method` on `request`, then runs `body` with
// the caller (whose repo_id is the repository the call was authorized on). An exception
// escaping `body` becomes INTERNAL "internal error".
grpc::Status HandleRpc(grpc::ServerContext* context, Edge& edge, const std::string& method,
                       const google::protobuf::Message& request,
                       const std::function<absl::Status(const core::Caller&)>& body);

// The same for a client stream: reads the first message (INVALID_ARGUMENT when there is
// none), decides on it, takes an upload slot when the method carries uploads, sends the
// response headers (so a client may wait for admission before it sends data), then runs
// `body` with the caller and that first message.
template <typename Request>
grpc::Status HandleClientStream(
    grpc::ServerContext* context, Edge& edge, const std::string& method,
    grpc::ServerReader<Request>* reader,
    const std::function<absl::Status(const core::Caller&, Request& first)>& body);

// Logs one line to stderr with a single write, so lines never interleave or arrive in parts.
void LogLine(std::string_view line);

namespace internal {

// The client-stream part of HandleRpc: `read_first` reads the first message into `first`
// (false: none came), `admitted` sends the headers.
grpc::Status HandleStream(grpc::ServerContext* context, Edge& edge, const std::string& method,
                          google::protobuf::Message& first,
                          const std::function<bool()>& read_first,
                          const std::function<void()>& admitted,
                          const std::function<absl::Status(const core::Caller&)>& body);

}  // namespace internal

template <typename Request>
grpc::Status HandleClientStream(
    grpc::ServerContext* context, Edge& edge, const std::string& method,
    grpc::ServerReader<Request>* reader,
    const std::function<absl::Status(const core::Caller&, Request& first)>& body) {
  Request first;
  return internal::HandleStream(
      context, edge, method, first, [&] { return reader->Read(&first); },
      [&] { reader->SendInitialMetadata(); },
      [&](const core::Caller& caller) { return body(caller, first); });
}

}  // namespace mlvc::server::rpc
