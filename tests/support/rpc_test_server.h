// An in-process mlvcd for the gRPC integration tests: a fresh migrated database, a
// PostgresMetadataStore, an FsBlobStore in a temporary folder, one admin user, MlvcServer on
// 127.0.0.1 with a free port, and a channel to it with the server's 16 MiB message limits.
// Tests derive from it (or hold one) and make their own stubs from `channel`. Setup failures
// fail the test (Catch REQUIRE).
// Requires: the "postgres" CTest fixture (MLVC_TEST_DB). Used by: tests/integration rpc,
// release (Watch) and record gRPC tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "server/rpc/server.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {

struct RpcTestServer {
  // Creates the admin user `admin_name`, whose token is `admin_token`.
  explicit RpcTestServer(const std::string& admin_name);
  // The same, with a server that enforces `options` (limits) instead of the defaults.
  RpcTestServer(const std::string& admin_name, server::rpc::ServerOptions options);

  // Members die in reverse order: the channel first, then the server, then the stores it
  // serves.
  TempDir dir;
  // The server's database, for tests that check rows directly (test code may use libpqxx).
  std::string db_uri;
  std::unique_ptr<server::store::PostgresMetadataStore> store;
  std::unique_ptr<server::store::FsBlobStore> blobs;
  std::string admin_token;
  std::unique_ptr<server::rpc::MlvcServer> server;
  std::shared_ptr<grpc::Channel> channel;
};

// Calls `method` ("/package.Service/Method") on `channel` as a stream of any shape: sends
// the serialized `messages`, half-closes, drains the replies; the call's status. For the
// requests a typed stub cannot send (malformed bytes, a client stream cut short) and for
// calling every method of a table by name.
grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& ctx,
                     const std::string& method, const std::vector<std::string>& messages);

}  // namespace mlvc::testing
