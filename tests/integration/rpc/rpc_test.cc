// The gRPC edge, in process on 127.0.0.1 with a free port, on a real Postgres.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/remote/remote.h"
#include "common/hash/sha256.h"
#include "common/version/version.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "mlvc/v1/history.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

// The server, with admin "alice" (admin_token).
struct Env : testing::RpcTestServer {
  Env() : RpcTestServer("alice") {}

  std::unique_ptr<grpc::ClientContext> Context(const std::string& bearer) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!bearer.empty()) ctx->AddMetadata("authorization", bearer);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }
  std::unique_ptr<grpc::ClientContext> Authed() { return Context("Bearer " + admin_token); }

  // Sends raw `messages` to `method` as a stream, half-closes, drains replies, returns the
  // status.
  grpc::Status RawCall(const std::string& method, const std::vector<std::string>& messages) {
    return testing::RawCall(channel, *Authed(), method, messages);
  }

  bool StillServing() {
    auto stub = v1::RepositoryService::NewStub(channel);
    v1::ListRepositoriesResponse response;
    return stub->ListRepositories(Authed().get(), {}, &response).ok();
  }
};

bool ServerSideCode(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNKNOWN || code == grpc::StatusCode::INTERNAL;
}

TEST_CASE("a call in a protocol the server does not answer is refused in one sentence",
          "[postgres][rpc]") {
  Env env;
  auto repos = v1::RepositoryService::NewStub(env.channel);
  auto content = v1::ContentService::NewStub(env.channel);
  // `protocol` in the call's metadata (none when empty); the ListRepositories status.
  auto list = [&](const std::string& bearer, const std::string& protocol) {
    auto ctx = env.Context(bearer);
    if (!protocol.empty()) ctx->AddMetadata(kProtocolMetadataKey, protocol);
    v1::ListRepositoriesResponse response;
    return repos->ListRepositories(ctx.get(), {}, &response);
  };
  const std::string bearer = "Bearer " + env.admin_token;
  CHECK(list(bearer, std::to_string(kProtocolVersion)).ok());
  CHECK(list(bearer, "").ok());  // a script's call, naming no protocol

  grpc::Status newer = list(bearer, std::to_string(kProtocolVersion + 1));
  CHECK(newer.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(newer.error_message(), Catch::Matchers::Contains("upgrade the server"));
  CHECK_THAT(newer.error_message(), Catch::Matchers::Contains(std::string("mlvcd ") + kVersion));
  // Answered before the token is looked at, and on streams before their first message.
  CHECK(list("", std::to_string(kProtocolVersion + 1)).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  auto ctx = env.Context(bearer);
  ctx->AddMetadata(kProtocolMetadataKey, std::to_string(kProtocolVersion + 1));
  v1::UploadResponse uploaded;
  auto writer = content->Upload(ctx.get(), &uploaded);
  writer->WritesDone();
  CHECK(writer->Finish().error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  CHECK(list(bearer, "one").error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(env.StillServing());
}

TEST_CASE("mlvc's own calls name its protocol: a server of another one refuses them",
          "[postgres][rpc]") {
  using Catch::Matchers::Contains;
  // A server that answers only a protocol newer, then only one older, than this client's.
  const int newer = kProtocolVersion + 1;
  const int older = kProtocolVersion - 1;
  for (const common::ServerProtocols& protocols :
       {common::ServerProtocols{.release = "9.9.9", .oldest = newer, .newest = newer},
        common::ServerProtocols{.release = "0.0.1", .oldest = older, .newest = older}}) {
    ServerOptions options;
    options.protocols = protocols;
    testing::RpcTestServer env("alice", options);
    auto remote = client::remote::Remote::Connect(
        "127.0.0.1:" + std::to_string(env.server->port()), env.admin_token);
    REQUIRE(remote.ok());
    auto listed = (*remote)->ListRepositories();
    INFO(listed.status().ToString());
    CHECK(absl::IsFailedPrecondition(listed.status()));
    const std::string message(listed.status().message());
    CHECK_THAT(message, Contains("this mlvc speaks protocol " + std::to_string(kProtocolVersion)));
    CHECK_THAT(message, Contains(protocols.newest > kProtocolVersion
                                     ? "no longer answers: upgrade mlvc to 9.9.9"
                                     : "upgrade the server, or use mlvc 0.0.1"));
  }
}

TEST_CASE("every service needs a valid token", "[postgres][rpc]") {
  Env env;
  auto repos = v1::RepositoryService::NewStub(env.channel);
  auto history = v1::HistoryService::NewStub(env.channel);
  auto content = v1::ContentService::NewStub(env.channel);
  for (const std::string& bearer : {std::string(), std::string("Bearer mlvc_nope"),
                                    std::string("Basic abc"), "Bearer " + env.admin_token + "x"}) {
    INFO(bearer);
    v1::ListRepositoriesResponse lr;
    CHECK(repos->ListRepositories(env.Context(bearer).get(), {}, &lr).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
    v1::LogRequest log_request;
    log_request.set_repository("r");
    v1::LogResponse log;
    CHECK(history->Log(env.Context(bearer).get(), log_request, &log).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
    v1::FindMissingResponse fm;
    CHECK(content->FindMissing(env.Context(bearer).get(), {}, &fm).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
    auto ctx = env.Context(bearer);
    v1::UploadResponse ur;
    auto writer = content->Upload(ctx.get(), &ur);
    writer->WritesDone();
    CHECK(writer->Finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
    auto dctx = env.Context(bearer);
    auto reader = content->Download(dctx.get(), {});
    v1::DownloadResponse dr;
    while (reader->Read(&dr)) {
    }
    CHECK(reader->Finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  CHECK(env.StillServing());
}

TEST_CASE("health answers without a token", "[postgres][rpc]") {
  Env env;
  grpc::GenericStub stub(env.channel);
  auto ctx = env.Context("");
  grpc::ByteBuffer request, response;
  std::string empty;
  grpc::Slice slice(empty);
  request = grpc::ByteBuffer(&slice, 1);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(ctx.get(), "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  REQUIRE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  REQUIRE(status.ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  CHECK(bytes == std::string("\x08\x01", 2));  // status: SERVING
}

TEST_CASE("garbage and wrong stream shapes are client errors", "[postgres][rpc]") {
  Env env;
  const std::string garbage("\xff\xff\xff\xff\x0f\x01\x02garbage", 14);
  // `expected` OK means "anything but UNKNOWN/INTERNAL" (gRPC takes the first message of a
  // unary call and ignores the rest).
  struct Case {
    std::string method;
    std::vector<std::string> messages;
    grpc::StatusCode expected = grpc::StatusCode::INVALID_ARGUMENT;
  };
  auto repos = v1::RepositoryService::NewStub(env.channel);
  v1::CreateRepositoryRequest create;
  create.set_name("r");
  v1::CreateRepositoryResponse created;
  REQUIRE(repos->CreateRepository(env.Authed().get(), create, &created).ok());
  v1::UploadRequest data_first;
  data_first.set_repository("r");
  data_first.set_data("abc");
  v1::UploadRequest header;
  header.set_repository("r");
  header.mutable_header()->set_content_id(common::Sha256Hex("abc"));
  header.mutable_header()->set_size(3);
  const std::vector<Case> cases = {
      {"/mlvc.v1.RepositoryService/ListBranches", {garbage}},
      {"/mlvc.v1.RepositoryService/CreateRepository", {garbage}},
      {"/mlvc.v1.HistoryService/Submit", {garbage}},
      {"/mlvc.v1.RepositoryService/ListRepositories", {"", ""}, grpc::StatusCode::OK},
      {"/mlvc.v1.RepositoryService/ListRepositories", {}},
      {"/mlvc.v1.HistoryService/Submit", {}},
      {"/mlvc.v1.ContentService/Upload", {garbage}},
      // The sync API ends the stream at the bad message: the content is then short.
      {"/mlvc.v1.ContentService/Upload",
       {header.SerializeAsString(), garbage},
       grpc::StatusCode::DATA_LOSS},
      {"/mlvc.v1.ContentService/Upload", {data_first.SerializeAsString()}},
      {"/mlvc.v1.ContentService/Upload", {header.SerializeAsString(), header.SerializeAsString()}},
      {"/mlvc.v1.ContentService/Upload", {}},
      {"/mlvc.v1.ContentService/Download", {garbage}},
      {"/mlvc.v1.ContentService/Download", {"", ""}, grpc::StatusCode::OK},
      {"/mlvc.v1.HistoryService/GetTree", {garbage}},
  };
  for (const Case& c : cases) {
    grpc::Status status = env.RawCall(c.method, c.messages);
    INFO(c.method << " with " << c.messages.size() << " messages: " << status.error_code() << " "
                  << status.error_message());
    CHECK_FALSE(ServerSideCode(status.error_code()));
    if (c.expected != grpc::StatusCode::OK) CHECK(status.error_code() == c.expected);
    CHECK(env.StillServing());
  }
  // Empty and malformed fields.
  CHECK(repos->CreateRepository(env.Authed().get(), {}, &created).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  auto history = v1::HistoryService::NewStub(env.channel);
  v1::SubmitResponse submitted;
  CHECK(history->Submit(env.Authed().get(), {}, &submitted).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetTreeRequest tree_request;
  tree_request.set_repository("r");
  tree_request.add_paths("../x");
  auto ctx = env.Authed();
  auto reader = history->GetTree(ctx.get(), tree_request);
  v1::GetTreeResponse tree;
  while (reader->Read(&tree)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("a few MiB upload and download round trip - then submit and tree", "[postgres][rpc]") {
  Env env;
  std::string bytes;
  bytes.reserve(3 * 1024 * 1024 + 12345);
  uint32_t x = 12345;
  while (bytes.size() < 3 * 1024 * 1024 + 12345) {
    x = x * 1103515245u + 12345u;
    bytes.push_back(static_cast<char>(x >> 16));
  }
  const std::string id = common::Sha256Hex(bytes);
  auto content = v1::ContentService::NewStub(env.channel);
  auto repos = v1::RepositoryService::NewStub(env.channel);
  v1::CreateRepositoryRequest create;
  create.set_name("models");
  v1::CreateRepositoryResponse created;
  REQUIRE(repos->CreateRepository(env.Authed().get(), create, &created).ok());
  CHECK(created.repository().created_by() == "alice");

  v1::FindMissingRequest fm_request;
  fm_request.set_repository("models");
  fm_request.add_content_ids(id);
  v1::FindMissingResponse fm;
  REQUIRE(content->FindMissing(env.Authed().get(), fm_request, &fm).ok());
  CHECK(fm.missing_size() == 1);

  {
    auto ctx = env.Authed();
    v1::UploadResponse response;
    auto writer = content->Upload(ctx.get(), &response);
    v1::UploadRequest message;
    message.set_repository("models");
    message.mutable_header()->set_content_id(id);
    message.mutable_header()->set_size(bytes.size());
    REQUIRE(writer->Write(message));
    for (size_t off = 0; off < bytes.size(); off += 1 << 20) {
      message.set_data(bytes.substr(off, 1 << 20));
      REQUIRE(writer->Write(message));
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    INFO(status.error_message());
    REQUIRE(status.ok());
    CHECK(response.content_id() == id);
    CHECK_FALSE(response.already_present());
  }
  {
    auto ctx = env.Authed();
    v1::DownloadRequest request;
    request.set_repository("models");
    request.set_content_id(id);
    auto reader = content->Download(ctx.get(), request);
    v1::DownloadResponse piece;
    std::string got;
    uint64_t total = 0;
    bool first = true;
    while (reader->Read(&piece)) {
      if (first) total = piece.total_size();
      first = false;
      CHECK(piece.data().size() <= (1u << 20));
      got += piece.data();
    }
    REQUIRE(reader->Finish().ok());
    CHECK(total == bytes.size());
    CHECK(got == bytes);
  }

  auto history = v1::HistoryService::NewStub(env.channel);
  v1::SubmitRequest submit;
  submit.set_repository("models");
  submit.set_branch("main");
  submit.set_submit_id("abc-123");
  submit.set_message("add model");
  v1::Change* change = submit.add_changes();
  change->set_path("weights/model.bin");
  change->set_action(v1::CHANGE_ACTION_ADD);
  change->set_content_id(id);
  change->set_kind(v1::ENTRY_KIND_BINARY);
  v1::SubmitResponse submitted;
  grpc::Status status = history->Submit(env.Authed().get(), submit, &submitted);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(submitted.changeset().number() == 1);
  CHECK(submitted.changeset().author() == "alice");

  v1::GetTreeRequest tree_request;
  tree_request.set_repository("models");
  tree_request.set_number(1);
  auto ctx = env.Authed();
  auto reader = history->GetTree(ctx.get(), tree_request);
  v1::GetTreeResponse tree;
  std::vector<v1::FileEntry> entries;
  while (reader->Read(&tree)) {
    for (const auto& e : tree.entries()) entries.push_back(e);
  }
  REQUIRE(reader->Finish().ok());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].path() == "weights/model.bin");
  CHECK(entries[0].size() == bytes.size());
  CHECK(entries[0].kind() == v1::ENTRY_KIND_BINARY);
}

TEST_CASE("the merge rpc checks its request and maps core errors", "[postgres][rpc][merge]") {
  Env env;
  auto repos = v1::RepositoryService::NewStub(env.channel);
  auto history = v1::HistoryService::NewStub(env.channel);
  v1::CreateRepositoryRequest create;
  create.set_name("m");
  v1::CreateRepositoryResponse created;
  REQUIRE(repos->CreateRepository(env.Authed().get(), create, &created).ok());

  v1::MergeRequest request;
  request.set_repository("m");
  request.set_source("main");
  request.set_target_branch("main");
  v1::MergeResponse response;
  CHECK(history->Merge(env.Context("").get(), request, &response).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status ok = history->Merge(env.Authed().get(), request, &response);
  REQUIRE(ok.ok());
  CHECK(response.up_to_date());
  CHECK_FALSE(response.has_changeset());

  request.set_binary_strategy(static_cast<v1::MergeStrategy>(7));
  CHECK(history->Merge(env.Authed().get(), request, &response).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  request.set_binary_strategy(v1::MERGE_STRATEGY_THEIRS);
  request.set_source("nope");
  CHECK(history->Merge(env.Authed().get(), request, &response).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  request.set_repository("nope");
  CHECK(history->Merge(env.Authed().get(), request, &response).error_code() ==
        grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace mlvc::server::rpc
