// Turns gRPC's own request-parsing failures into INVALID_ARGUMENT. gRPC 1.51's sync server
// answers INTERNAL when a request message does not parse (or a unary call carries no
// message), which would tell clients the server is broken when the client is.
// Requires: gRPC. Used by: server.cc.
#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace mlvc::server::rpc {

// Recognizes exactly the framework's statuses: INTERNAL with an empty message (a proto3
// parse failure), "No payload", "Unable to parse request" or "Couldn't initialize byte
// buffer reader" (a unary call that sent no message). Handlers never produce these
// (ToGrpcStatus never sends INTERNAL with an empty message).
class ParseErrorInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace mlvc::server::rpc
