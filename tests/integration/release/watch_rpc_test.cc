// ReleaseService.Watch through gRPC against an in-process MlvcServer: the handler ends when
// the client cancels, and the server's shutdown ends it without waiting for gRPC's deadline.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "mlvc/v1/release.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"
#include "server/rpc/server.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

using Clock = std::chrono::steady_clock;

// The server, with admin "alice" (admin_token), and repository "repo".
struct Env : testing::RpcTestServer {
  std::unique_ptr<v1::ReleaseService::Stub> releases;
  std::unique_ptr<v1::RepositoryService::Stub> repos;

  Env() : RpcTestServer("alice") {
    releases = v1::ReleaseService::NewStub(channel);
    repos = v1::RepositoryService::NewStub(channel);
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::CreateRepositoryRequest req;
    req.set_name("repo");
    v1::CreateRepositoryResponse resp;
    REQUIRE(repos->CreateRepository(&ctx, req, &resp).ok());
  }

  void Auth(grpc::ClientContext& ctx) { ctx.AddMetadata("authorization", "Bearer " + admin_token); }

  void Release(const std::string& version) {
    grpc::ClientContext ctx;
    Auth(ctx);
    v1::CreateReleaseRequest req;
    req.set_repository("repo");
    req.set_version(version);
    req.set_ref("@0");
    req.set_branch("main");
    v1::CreateReleaseResponse resp;
    grpc::Status s = releases->CreateRelease(&ctx, req, &resp);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }

  // Waits (bounded) until the server counts `n` running Watch handlers.
  void AwaitWatchers(int n) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (server->events().active_watchers() != n && Clock::now() < deadline) {
      std::this_thread::yield();
    }
    REQUIRE(server->events().active_watchers() == n);
  }
};

TEST_CASE("a cancelled Watch ends its handler", "[postgres][rpc][watch]") {
  Env env;
  env.Release("v1");
  grpc::ClientContext ctx;
  env.Auth(ctx);
  v1::WatchRequest req;
  req.set_repository("repo");
  req.set_from_start(true);
  auto reader = env.releases->Watch(&ctx, req);
  v1::Event event;
  REQUIRE(reader->Read(&event));
  CHECK(event.kind() == "release.created");
  CHECK(event.repository() == "repo");
  CHECK(event.user() == "alice");
  env.AwaitWatchers(1);
  env.Release("v2");
  REQUIRE(reader->Read(&event));
  CHECK(event.payload_json().find("v2") != std::string::npos);

  // No event comes after the cancel, so the handler can only end by noticing it: ending at
  // all (AwaitWatchers' bound is a hang guard, not a measure) is the check, and it does
  // not depend on how fast a loaded machine runs.
  ctx.TryCancel();
  while (reader->Read(&event)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  env.AwaitWatchers(0);
}

TEST_CASE("Watch needs a token and a known repository", "[postgres][rpc][watch]") {
  Env env;
  {
    grpc::ClientContext ctx;
    v1::WatchRequest req;
    req.set_repository("repo");
    auto reader = env.releases->Watch(&ctx, req);
    v1::Event event;
    CHECK_FALSE(reader->Read(&event));
    CHECK(reader->Finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    env.Auth(ctx);
    v1::WatchRequest req;
    req.set_repository("nope");
    auto reader = env.releases->Watch(&ctx, req);
    v1::Event event;
    CHECK_FALSE(reader->Read(&event));
    CHECK(reader->Finish().error_code() == grpc::StatusCode::NOT_FOUND);
  }
}

TEST_CASE("server shutdown ends running Watch streams at once", "[postgres][rpc][watch]") {
  Env env;
  grpc::ClientContext ctx;
  env.Auth(ctx);
  v1::WatchRequest req;
  req.set_repository("repo");
  auto reader = env.releases->Watch(&ctx, req);
  env.AwaitWatchers(1);
  env.server->Shutdown();
  env.server->Wait();
  // gRPC's own shutdown would wait out its 5 s deadline for a handler that never returns,
  // then cancel it. The status says which happened, whatever the machine's speed: the
  // event hub's "shutting down" means the hub ended the handler before gRPC waited.
  v1::Event event;
  CHECK_FALSE(reader->Read(&event));
  const grpc::Status finished = reader->Finish();
  CHECK(finished.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(finished.error_message().find("shutting down") != std::string::npos);
}

}  // namespace
}  // namespace mlvc::server::rpc
