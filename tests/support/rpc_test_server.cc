#include "tests/support/rpc_test_server.h"

#include <catch2/catch.hpp>

#include "server/core/authenticator.h"
#include "server/store/postgres/migrator.h"
#include "tests/support/test_db.h"

namespace mlvc::testing {

RpcTestServer::RpcTestServer(const std::string& admin_name) {
  const std::string uri = FreshDatabaseUri();
  REQUIRE(server::store::Migrate(uri).ok());
  auto s = server::store::PostgresMetadataStore::Open(uri, 4);
  REQUIRE(s.ok());
  store = *std::move(s);
  auto b = server::store::FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(b.ok());
  blobs = *std::move(b);
  server::core::Authenticator auth(*store);
  auto t = auth.CreateUser(admin_name, true);
  REQUIRE(t.ok());
  admin_token = *t;
  auto srv = server::rpc::MlvcServer::Start("127.0.0.1:0", *store, *blobs);
  REQUIRE(srv.ok());
  server = *std::move(srv);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(server::rpc::kMaxMessageBytes);
  args.SetMaxSendMessageSize(server::rpc::kMaxMessageBytes);
  channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server->port()),
                                      grpc::InsecureChannelCredentials(), args);
}

}  // namespace mlvc::testing
