// Limits through the real gRPC edge: the request
// rate per token, the concurrent uploads per user, and the retry hint, which the client's
// own channel (client/remote) honours. Determinism comes from the bucket sizes (a rate so
// low that nothing refills during the test) and from holding upload streams open; the one
// inherent wait, the pushback, is judged by outcomes only.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "client/remote/remote.h"
#include "common/hash/sha256.h"
#include "grpcpp/grpcpp.h"
#include "mlvc/v1/admin.grpc.pb.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/repository_service.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

using grpc::StatusCode;

ServerOptions Limits(double per_second, double burst, int uploads_per_user) {
  ServerOptions options;
  options.limits.requests_per_second = per_second;
  options.limits.burst = burst;
  options.limits.uploads_per_user = uploads_per_user;
  return options;
}

std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return ctx;
}

// The wait a finished call's trailing metadata asks for ("grpc-retry-pushback-ms").
std::optional<int64_t> Pushback(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("grpc-retry-pushback-ms");
  if (it == trailers.end()) return std::nullopt;
  return std::stoll(std::string(it->second.data(), it->second.size()));
}

// A WhoAmI call (a cheap read every signed-in user may make) on a channel without retries.
struct Answer {
  grpc::Status status;
  std::optional<int64_t> pushback;
};
Answer WhoAmI(v1::AdminService::Stub& stub, const std::string& token) {
  auto ctx = As(token);
  v1::WhoAmIResponse response;
  grpc::Status status = stub.WhoAmI(ctx.get(), {}, &response);
  return {status, Pushback(*ctx)};
}

void CheckRateRefused(const Answer& answer) {
  INFO(answer.status.error_code() << " " << answer.status.error_message());
  CHECK(answer.status.error_code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(answer.status.error_message().find("too many requests") != std::string::npos);
  REQUIRE(answer.pushback.has_value());
  CHECK(*answer.pushback > 0);
}

TEST_CASE("the request rate is limited per token with a retry pushback",
          "[postgres][rpc][limits]") {
  // Three calls at once, then one per 1,000 s: nothing refills while the test runs.
  testing::RpcTestServer env("root", Limits(0.001, 3, 16));
  core::Authenticator auth(*env.store);
  auto second = auth.CreateToken("root", "second", std::nullopt);  // same user, other token
  REQUIRE(second.ok());
  auto bob = auth.CreateUser("bob", false);
  REQUIRE(bob.ok());
  auto admin = v1::AdminService::NewStub(env.channel);

  for (int i = 0; i < 3; ++i) {
    Answer answer = WhoAmI(*admin, env.admin_token);
    INFO("call " << i + 1 << ": " << answer.status.error_message());
    CHECK(answer.status.ok());
    CHECK_FALSE(answer.pushback.has_value());
  }
  CheckRateRefused(WhoAmI(*admin, env.admin_token));
  // Another token, of the same user or of another, has a bucket of its own.
  for (const std::string& token : {second->secret, *bob}) {
    for (int i = 0; i < 3; ++i) {
      Answer answer = WhoAmI(*admin, token);
      INFO("call " << i + 1 << ": " << answer.status.error_message());
      CHECK(answer.status.ok());
    }
    CheckRateRefused(WhoAmI(*admin, token));
  }
  // A refusal does not refill or reset the first bucket.
  CheckRateRefused(WhoAmI(*admin, env.admin_token));
}

// An UploadChunks stream whose first message (no chunks) has been sent.
struct OpenUpload {
  std::unique_ptr<grpc::ClientContext> ctx;
  v1::UploadChunksResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::UploadChunksRequest>> writer;

  OpenUpload(v1::ContentService::Stub& stub, const std::string& token,
             const std::string& repository)
      : ctx(As(token)) {
    writer = stub.UploadChunks(ctx.get(), &response);
    v1::UploadChunksRequest first;
    first.set_repository(repository);
    writer->Write(first);
  }
  // Blocks until the server admitted the stream (it sends its headers then) or refused it.
  void WaitForAdmission() { writer->WaitForInitialMetadata(); }
  // Sends one chunk of `bytes`, ends the stream and returns the server's answer.
  grpc::Status Finish(const std::string& bytes) {
    if (!bytes.empty()) {
      v1::UploadChunksRequest message;
      v1::ChunkData* chunk = message.add_chunks();
      chunk->set_hash(common::Sha256Hex(bytes));
      chunk->set_data(bytes);
      writer->Write(message);
    }
    writer->WritesDone();
    return writer->Finish();
  }
};

void CheckUploadRefused(const grpc::Status& status, const grpc::ClientContext& ctx) {
  INFO(status.error_code() << " " << status.error_message());
  CHECK(status.error_code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(status.error_message().find("uploads of yours are in progress") != std::string::npos);
  std::optional<int64_t> pushback = Pushback(ctx);
  REQUIRE(pushback.has_value());
  CHECK(*pushback > 0);
}

TEST_CASE("concurrent uploads are limited per user while a stream is open",
          "[postgres][rpc][limits]") {
  testing::RpcTestServer env("root", Limits(1000, 2000, 1));
  core::Authenticator auth(*env.store);
  const std::string alice = *auth.CreateUser("alice", false);
  const std::string bob = *auth.CreateUser("bob", false);
  core::Caller root;
  root.user = *auth.Authenticate(env.admin_token);
  REQUIRE(core::RepositoryService(*env.store).CreateRepository(root, "r").ok());
  REQUIRE(core::GrantRoleAsServer(*env.store, "alice", "r", store::Role::kWriter).ok());
  REQUIRE(core::GrantRoleAsServer(*env.store, "bob", "r", store::Role::kWriter).ok());
  auto content = v1::ContentService::NewStub(env.channel);

  // alice's first upload is admitted and held open.
  OpenUpload held(*content, alice, "r");
  held.WaitForAdmission();

  // A second one of hers is refused while it is open, whichever upload method it uses.
  {
    OpenUpload second(*content, alice, "r");
    grpc::Status status = second.Finish("");
    CheckUploadRefused(status, *second.ctx);
  }
  {
    auto ctx = As(alice);
    v1::UploadResponse response;
    auto writer = content->Upload(ctx.get(), &response);
    v1::UploadRequest header;
    header.set_repository("r");
    header.mutable_header()->set_content_id(common::Sha256Hex("whole"));
    header.mutable_header()->set_size(5);
    writer->Write(header);
    writer->WritesDone();
    CheckUploadRefused(writer->Finish(), *ctx);
  }
  // Calls that carry no data are not uploads.
  {
    v1::FindMissingChunksRequest request;
    request.set_repository("r");
    request.add_chunk_hashes(common::Sha256Hex("bob's"));
    v1::FindMissingChunksResponse response;
    grpc::Status status = content->FindMissingChunks(As(alice).get(), request, &response);
    INFO(status.error_message());
    CHECK(status.ok());
  }
  // Another user's upload is admitted meanwhile.
  {
    OpenUpload other(*content, bob, "r");
    other.WaitForAdmission();
    grpc::Status status = other.Finish("bob's");
    INFO(status.error_message());
    CHECK(status.ok());
    CHECK(other.response.chunks_stored() == 1);
  }

  // The held stream still works; once it ended, alice's next upload is admitted.
  grpc::Status finished = held.Finish("alice's first");
  INFO(finished.error_message());
  REQUIRE(finished.ok());
  CHECK(held.response.chunks_stored() == 1);
  OpenUpload next(*content, alice, "r");
  next.WaitForAdmission();
  grpc::Status status = next.Finish("alice's second");
  INFO(status.error_message());
  CHECK(status.ok());
  CHECK(next.response.chunks_stored() == 1);
}

TEST_CASE("the client's own channel retries a rate-limited call after the pushback",
          "[postgres][rpc][limits]") {
  // One call at once, then one every 2 s: a refusal asks to wait up to 2 s.
  testing::RpcTestServer env("root", Limits(0.5, 1, 16));
  core::Caller root;
  root.user = *core::Authenticator(*env.store).Authenticate(env.admin_token);
  REQUIRE(core::RepositoryService(*env.store).CreateRepository(root, "r").ok());
  auto admin = v1::AdminService::NewStub(env.channel);

  // The bucket is empty: a channel without a retry policy is refused.
  Answer first = WhoAmI(*admin, env.admin_token);
  INFO(first.status.error_message());
  REQUIRE(first.status.ok());
  CheckRateRefused(WhoAmI(*admin, env.admin_token));

  // The channel mlvc itself makes retries after the wait the server asked for.
  auto remote = client::remote::Remote::Connect("127.0.0.1:" + std::to_string(env.server->port()),
                                                env.admin_token);
  REQUIRE(remote.ok());
  auto listed = (*remote)->ListRepositories();
  INFO(listed.status().ToString());
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == "r");

  // It went through the limiter, not around it: the token it took leaves the bucket empty.
  CheckRateRefused(WhoAmI(*admin, env.admin_token));
}

}  // namespace
}  // namespace mlvc::server::rpc
