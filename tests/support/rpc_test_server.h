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

#include "grpcpp/grpcpp.h"
#include "server/rpc/server.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {

struct RpcTestServer {
  // Creates the admin user `admin_name`, whose token is `admin_token`.
  explicit RpcTestServer(const std::string& admin_name);

  // Members die in reverse order: the channel first, then the server, then the stores it
  // serves.
  TempDir dir;
  std::unique_ptr<server::store::PostgresMetadataStore> store;
  std::unique_ptr<server::store::FsBlobStore> blobs;
  std::string admin_token;
  std::unique_ptr<server::rpc::MlvcServer> server;
  std::shared_ptr<grpc::Channel> channel;
};

}  // namespace mlvc::testing
