#include "tests/support/rpc_test_server.h"

#include <catch2/catch.hpp>

#include "grpcpp/generic/generic_stub.h"

#include "server/core/authenticator.h"
#include "server/store/postgres/migrator.h"
#include "tests/support/test_db.h"

namespace mlvc::testing {

RpcTestServer::RpcTestServer(const std::string& admin_name)
    : RpcTestServer(admin_name, server::rpc::ServerOptions()) {}

RpcTestServer::RpcTestServer(const std::string& admin_name, server::rpc::ServerOptions options) {
  db_uri = FreshDatabaseUri();
  REQUIRE(server::store::Migrate(db_uri).ok());
  auto s = server::store::PostgresMetadataStore::Open(db_uri, 4);
  REQUIRE(s.ok());
  store = *std::move(s);
  auto b = server::store::FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(b.ok());
  blobs = *std::move(b);
  server::core::Authenticator auth(*store);
  auto t = auth.CreateUser(admin_name, true);
  REQUIRE(t.ok());
  admin_token = *t;
  auto srv = server::rpc::MlvcServer::Start("127.0.0.1:0", *store, *blobs, options);
  REQUIRE(srv.ok());
  server = *std::move(srv);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(server::rpc::kMaxMessageBytes);
  args.SetMaxSendMessageSize(server::rpc::kMaxMessageBytes);
  channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server->port()),
                                      grpc::InsecureChannelCredentials(), args);
}

grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& ctx,
                     const std::string& method, const std::vector<std::string>& messages) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  // One operation in flight at a time, so each Next answers the operation just started.
  auto call = stub.PrepareCall(&ctx, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  REQUIRE(cq.Next(&tag, &ok));
  for (const std::string& m : messages) {
    grpc::Slice slice(m);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    REQUIRE(cq.Next(&tag, &ok));
    if (!ok) break;  // the server ended the call: its status says why
  }
  call->WritesDone(reinterpret_cast<void*>(3));
  REQUIRE(cq.Next(&tag, &ok));
  grpc::ByteBuffer reply;
  do {
    call->Read(&reply, reinterpret_cast<void*>(4));
    REQUIRE(cq.Next(&tag, &ok));
  } while (ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  REQUIRE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace mlvc::testing
