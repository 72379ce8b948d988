// Content is reached through a repository (server/core/content_reach.h), through the real
// gRPC edge, with two users who are not admins: alice writes on repository A only, bob on B
// only. Checked: existence answers do not tell alice what B holds, reads go only through a
// repository that references the content, a content id learnt elsewhere is no key to it,
// and a server admin reaches everything.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <pqxx/pqxx>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/hash/sha256.h"
#include "grpcpp/grpcpp.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "mlvc/v1/history.grpc.pb.h"
#include "mlvc/v1/record.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/repository_service.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

using grpc::StatusCode;

// `size` deterministic pseudo-random bytes: several content-defined chunks when large.
std::string Pseudo(uint32_t seed, size_t size) {
  std::string out;
  out.reserve(size);
  uint32_t x = seed;
  while (out.size() < size) {
    x = x * 1103515245u + 12345u;
    out.push_back(static_cast<char>(x >> 16));
  }
  return out;
}

// Row counts of what stores content, and the blob objects on disk.
struct Stored {
  int64_t packs = 0;
  int64_t chunks = 0;
  int64_t contents = 0;
  int64_t manifest_rows = 0;
  int64_t blob_files = 0;
  bool operator==(const Stored&) const = default;
};

// The server (admin "root"); alice writes on A, carol too, bob writes on B.
struct Env : testing::RpcTestServer {
  pqxx::connection db;
  std::string alice, bob, carol;  // tokens
  std::unique_ptr<v1::ContentService::Stub> content = v1::ContentService::NewStub(channel);
  std::unique_ptr<v1::HistoryService::Stub> history = v1::HistoryService::NewStub(channel);
  std::unique_ptr<v1::RepositoryService::Stub> repos = v1::RepositoryService::NewStub(channel);
  std::unique_ptr<v1::RecordService::Stub> record = v1::RecordService::NewStub(channel);

  Env() : RpcTestServer("root"), db(db_uri) {
    core::Authenticator auth(*store);
    alice = *auth.CreateUser("alice", false);
    bob = *auth.CreateUser("bob", false);
    carol = *auth.CreateUser("carol", false);
    core::Caller root;
    root.user = *auth.Authenticate(admin_token);
    core::RepositoryService repositories(*store);
    REQUIRE(repositories.CreateRepository(root, "A").ok());
    REQUIRE(repositories.CreateRepository(root, "B").ok());
    REQUIRE(core::GrantRoleAsServer(*store, "alice", "A", store::Role::kWriter).ok());
    REQUIRE(core::GrantRoleAsServer(*store, "carol", "A", store::Role::kWriter).ok());
    REQUIRE(core::GrantRoleAsServer(*store, "bob", "B", store::Role::kWriter).ok());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  Stored Count() {
    Stored s;
    pqxx::read_transaction tx(db);
    s.packs = tx.exec1("SELECT count(*) FROM packs")[0].as<int64_t>();
    s.chunks = tx.exec1("SELECT count(*) FROM chunks")[0].as<int64_t>();
    s.contents = tx.exec1("SELECT count(*) FROM contents")[0].as<int64_t>();
    s.manifest_rows = tx.exec1("SELECT count(*) FROM content_chunks")[0].as<int64_t>();
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.Sub("blobs"))) {
      if (e.is_regular_file()) ++s.blob_files;
    }
    return s;
  }

  // Whole-content upload (the server cuts the chunks).
  std::pair<grpc::Status, v1::UploadResponse> Upload(const std::string& token,
                                                     const std::string& repository,
                                                     const std::string& bytes) {
    auto ctx = As(token);
    v1::UploadResponse response;
    auto writer = content->Upload(ctx.get(), &response);
    v1::UploadRequest message;
    message.set_repository(repository);
    message.mutable_header()->set_content_id(common::Sha256Hex(bytes));
    message.mutable_header()->set_size(bytes.size());
    writer->Write(message);
    for (size_t off = 0; off < bytes.size(); off += 1 << 20) {
      v1::UploadRequest data;
      data.set_data(bytes.substr(off, 1 << 20));
      if (!writer->Write(data)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    return {status, response};
  }

  std::pair<grpc::Status, std::vector<std::string>> FindMissing(
      const std::string& token, const std::string& repository,
      const std::vector<std::string>& ids) {
    v1::FindMissingRequest request;
    request.set_repository(repository);
    for (const std::string& id : ids) request.add_content_ids(id);
    v1::FindMissingResponse response;
    grpc::Status status = content->FindMissing(As(token).get(), request, &response);
    return {status, {response.missing().begin(), response.missing().end()}};
  }

  std::pair<grpc::Status, std::vector<std::string>> FindMissingChunks(
      const std::string& token, const std::string& repository,
      const std::vector<std::string>& hashes) {
    v1::FindMissingChunksRequest request;
    request.set_repository(repository);
    for (const std::string& h : hashes) request.add_chunk_hashes(h);
    v1::FindMissingChunksResponse response;
    grpc::Status status = content->FindMissingChunks(As(token).get(), request, &response);
    return {status, {response.missing().begin(), response.missing().end()}};
  }

  // Commits one content as the list `chunks`, in one manifest part.
  grpc::Status Commit(const std::string& token, const std::string& repository,
                      const std::string& id, uint64_t size,
                      const std::vector<std::string>& chunks) {
    auto ctx = As(token);
    v1::CommitContentsResponse response;
    auto writer = content->CommitContents(ctx.get(), &response);
    v1::CommitContentsRequest message;
    message.set_repository(repository);
    v1::ContentManifestPart* part = message.add_parts();
    part->set_content_id(id);
    part->set_size(size);
    for (const std::string& h : chunks) part->add_chunk_hashes(h);
    writer->Write(message);
    writer->WritesDone();
    return writer->Finish();
  }

  std::pair<grpc::Status, std::string> Download(const std::string& token,
                                                const std::string& repository,
                                                const std::string& id) {
    auto ctx = As(token);
    v1::DownloadRequest request;
    request.set_repository(repository);
    request.set_content_id(id);
    auto reader = content->Download(ctx.get(), request);
    v1::DownloadResponse piece;
    std::string bytes;
    while (reader->Read(&piece)) bytes += piece.data();
    grpc::Status status = reader->Finish();
    return {status, bytes};
  }

  // The chunk hashes of `id`'s manifest, in order.
  std::pair<grpc::Status, std::vector<std::string>> Manifest(const std::string& token,
                                                             const std::string& repository,
                                                             const std::string& id) {
    auto ctx = As(token);
    v1::GetManifestsRequest request;
    request.set_repository(repository);
    request.add_content_ids(id);
    auto reader = content->GetManifests(ctx.get(), request);
    v1::GetManifestsResponse piece;
    std::vector<std::string> hashes;
    while (reader->Read(&piece)) {
      for (const v1::ChunkRef& c : piece.chunks()) hashes.push_back(c.hash());
    }
    grpc::Status status = reader->Finish();
    return {status, hashes};
  }

  // The bytes of `hashes`, concatenated in order.
  std::pair<grpc::Status, std::string> ReadChunks(const std::string& token,
                                                  const std::string& repository,
                                                  const std::vector<std::string>& hashes) {
    auto ctx = As(token);
    v1::ReadChunksRequest request;
    request.set_repository(repository);
    for (const std::string& h : hashes) request.add_chunk_hashes(h);
    auto reader = content->ReadChunks(ctx.get(), request);
    v1::ReadChunksResponse piece;
    std::string bytes;
    while (reader->Read(&piece)) {
      for (const v1::ChunkData& c : piece.chunks()) bytes += c.data();
    }
    grpc::Status status = reader->Finish();
    return {status, bytes};
  }

  std::pair<grpc::Status, v1::SubmitResponse> Submit(const std::string& token,
                                                     const std::string& repository,
                                                     const std::string& submit_id,
                                                     const std::string& path,
                                                     const std::string& id) {
    v1::SubmitRequest request;
    request.set_repository(repository);
    request.set_branch("main");
    request.set_submit_id(submit_id);
    request.set_message("add " + path);
    v1::Change* change = request.add_changes();
    change->set_path(path);
    change->set_action(v1::CHANGE_ACTION_ADD);
    change->set_content_id(id);
    change->set_kind(v1::ENTRY_KIND_BINARY);
    v1::SubmitResponse response;
    grpc::Status status = history->Submit(As(token).get(), request, &response);
    return {status, response};
  }

  std::pair<grpc::Status, v1::RecordRunResponse> RecordRunWithEnv(const std::string& token,
                                                                  const std::string& repository,
                                                                  const std::string& env_id) {
    v1::RecordRunRequest request;
    request.set_repository(repository);
    request.set_ref("main");
    request.mutable_run()->set_kind(v1::RUN_KIND_TRAIN);
    request.mutable_run()->mutable_environment()->set_file_name("requirements.txt");
    request.mutable_run()->mutable_environment()->set_file_content_id(env_id);
    v1::RecordRunResponse response;
    grpc::Status status = record->RecordRun(As(token).get(), request, &response);
    return {status, response};
  }

  int64_t Head(const std::string& repository) {
    v1::ResolveRefRequest request;
    request.set_repository(repository);
    request.set_ref("main");
    v1::ResolveRefResponse response;
    REQUIRE(repos->ResolveRef(As(admin_token).get(), request, &response).ok());
    return response.number();
  }

  // bob stores `bytes` in B: uploaded, and referenced by a changeset of B.
  std::vector<std::string> BobStores(const std::string& bytes, const std::string& path) {
    auto [uploaded, response] = Upload(bob, "B", bytes);
    INFO(uploaded.error_message());
    REQUIRE(uploaded.ok());
    CHECK_FALSE(response.already_present());
    const std::string id = common::Sha256Hex(bytes);
    auto [submitted, changeset] = Submit(bob, "B", "bob-" + id.substr(0, 16), path, id);
    INFO(submitted.error_message());
    REQUIRE(submitted.ok());
    // Its chunks, as the server cut them (an admin reads any manifest).
    auto [listed, chunks] = Manifest(admin_token, "B", id);
    REQUIRE(listed.ok());
    REQUIRE_FALSE(chunks.empty());
    return chunks;
  }
};

// The chunk hashes of `bytes` cut at the same lengths as `like`'s chunks (any cut serves:
// these chunks are stored nowhere).
std::vector<std::string> CutLike(const std::string& bytes, const std::string& like_bytes,
                                 const std::vector<std::string>& like_chunks, Env& env) {
  // Lengths of like's chunks: read them back as an admin.
  std::vector<std::string> out;
  size_t off = 0;
  for (const std::string& h : like_chunks) {
    auto [status, chunk] = env.ReadChunks(env.admin_token, "B", {h});
    REQUIRE(status.ok());
    out.push_back(common::Sha256Hex(bytes.substr(off, chunk.size())));
    off += chunk.size();
  }
  REQUIRE(off == like_bytes.size());
  return out;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("existence answers do not reveal another repository's content",
          "[postgres][rpc][access]") {
  Env env;
  const std::string x = Pseudo(1, 300 * 1024);
  const std::string z = Pseudo(2, 300 * 1024);  // stored by nobody, ever
  const std::string x_id = common::Sha256Hex(x);
  const std::string z_id = common::Sha256Hex(z);
  const std::vector<std::string> x_chunks = env.BobStores(x, "x.bin");
  REQUIRE(x_chunks.size() >= 2);
  const std::vector<std::string> z_chunks = CutLike(z, x, x_chunks, env);

  // To alice, through A, bob's X is missing exactly as Z is: every id and every chunk.
  auto [found, missing] = env.FindMissing(env.alice, "A", {x_id, z_id});
  REQUIRE(found.ok());
  CHECK(missing == std::vector<std::string>{x_id, z_id});
  auto [found_chunks, missing_chunks] =
      env.FindMissingChunks(env.alice, "A", Concat(x_chunks, z_chunks));
  REQUIRE(found_chunks.ok());
  CHECK(missing_chunks == Concat(x_chunks, z_chunks));
  // Committing X from chunks she never sent fails as for Z: the first chunk "is not stored".
  for (const auto& [id, chunks] : {std::pair{x_id, x_chunks}, std::pair{z_id, z_chunks}}) {
    grpc::Status committed = env.Commit(env.alice, "A", id, x.size(), chunks);
    CHECK(committed.error_code() == StatusCode::NOT_FOUND);
    CHECK(committed.error_message() ==
          "content " + id + " uses chunk " + chunks[0] + ", which is not stored");
  }

  // alice sends X herself: the upload looks like the first one ever, and nothing is stored
  // twice.
  const Stored before = env.Count();
  auto [uploaded, response] = env.Upload(env.alice, "A", x);
  INFO(uploaded.error_message());
  REQUIRE(uploaded.ok());
  CHECK(response.content_id() == x_id);
  CHECK_FALSE(response.already_present());
  CHECK(env.Count() == before);

  // From now on she reaches X and its chunks (she proved she holds the bytes); Z stays
  // missing.
  std::tie(found, missing) = env.FindMissing(env.alice, "A", {x_id, z_id});
  REQUIRE(found.ok());
  CHECK(missing == std::vector<std::string>{z_id});
  std::tie(found_chunks, missing_chunks) =
      env.FindMissingChunks(env.alice, "A", Concat(x_chunks, z_chunks));
  REQUIRE(found_chunks.ok());
  CHECK(missing_chunks == z_chunks);
  grpc::Status committed = env.Commit(env.alice, "A", x_id, x.size(), x_chunks);
  INFO(committed.error_message());
  CHECK(committed.ok());
  CHECK(env.Count() == before);

  // What alice proved is hers, not A's: carol, a writer on A too, still finds X missing
  // until a changeset of A references it.
  std::tie(found, missing) = env.FindMissing(env.carol, "A", {x_id});
  REQUIRE(found.ok());
  CHECK(missing == std::vector<std::string>{x_id});
  auto [submitted, changeset] = env.Submit(env.alice, "A", "a-1", "x.bin", x_id);
  INFO(submitted.error_message());
  REQUIRE(submitted.ok());
  std::tie(found, missing) = env.FindMissing(env.carol, "A", {x_id});
  REQUIRE(found.ok());
  CHECK(missing.empty());
  std::tie(found_chunks, missing_chunks) = env.FindMissingChunks(env.carol, "A", x_chunks);
  REQUIRE(found_chunks.ok());
  CHECK(missing_chunks.empty());
  CHECK(env.Count() == before);
}

TEST_CASE("content is read only through a repository that references it",
          "[postgres][rpc][access]") {
  Env env;
  const std::string x = Pseudo(3, 200 * 1024);
  const std::string x_id = common::Sha256Hex(x);
  const std::string z_id = common::Sha256Hex("never stored");
  const std::vector<std::string> x_chunks = env.BobStores(x, "x.bin");

  // Through A, X is as unknown as a content nobody stored.
  const auto unknown_through_a = [&](const std::string& when) {
    INFO(when);
    for (const std::string& id : {x_id, z_id}) {
      auto [downloaded, bytes] = env.Download(env.alice, "A", id);
      CHECK(downloaded.error_code() == StatusCode::NOT_FOUND);
      CHECK(downloaded.error_message() == "unknown content " + id);
      CHECK(bytes.empty());
      auto [listed, chunks] = env.Manifest(env.alice, "A", id);
      CHECK(listed.error_code() == StatusCode::NOT_FOUND);
      CHECK(listed.error_message() == "unknown content " + id);
      CHECK(chunks.empty());
    }
    for (const std::string& h : {x_chunks[0], common::Sha256Hex("no such chunk")}) {
      auto [read, bytes] = env.ReadChunks(env.alice, "A", {h});
      CHECK(read.error_code() == StatusCode::NOT_FOUND);
      CHECK(read.error_message() == "no chunk " + h);
      CHECK(bytes.empty());
    }
  };
  unknown_through_a("bob's content, before alice sent it");

  // B cannot even be named: refused exactly like a repository that does not exist.
  const auto b_refused = [&]() {
    for (const std::string& repository : {std::string("B"), std::string("nope")}) {
      INFO(repository);
      auto [downloaded, bytes] = env.Download(env.alice, repository, x_id);
      CHECK(downloaded.error_code() == StatusCode::PERMISSION_DENIED);
      CHECK(downloaded.error_message() == core::NoAccessMessage(repository));
      CHECK(bytes.empty());
      auto [listed, chunks] = env.Manifest(env.alice, repository, x_id);
      CHECK(listed.error_code() == StatusCode::PERMISSION_DENIED);
      CHECK(listed.error_message() == core::NoAccessMessage(repository));
      auto [read, chunk_bytes] = env.ReadChunks(env.alice, repository, x_chunks);
      CHECK(read.error_code() == StatusCode::PERMISSION_DENIED);
      CHECK(read.error_message() == core::NoAccessMessage(repository));
      CHECK(chunk_bytes.empty());
    }
  };
  b_refused();

  // Holding the bytes lets alice reference them, not read them through A.
  auto [uploaded, response] = env.Upload(env.alice, "A", x);
  REQUIRE(uploaded.ok());
  unknown_through_a("alice sent it, no changeset of A references it");

  // Once a changeset of A references X, alice reads it through A, whole and by chunks.
  auto [submitted, changeset] = env.Submit(env.alice, "A", "a-1", "data/x.bin", x_id);
  INFO(submitted.error_message());
  REQUIRE(submitted.ok());
  auto [downloaded, bytes] = env.Download(env.alice, "A", x_id);
  INFO(downloaded.error_message());
  REQUIRE(downloaded.ok());
  CHECK(bytes == x);
  auto [listed, chunks] = env.Manifest(env.alice, "A", x_id);
  REQUIRE(listed.ok());
  CHECK(chunks == x_chunks);
  auto [read, chunk_bytes] = env.ReadChunks(env.alice, "A", x_chunks);
  INFO(read.error_message());
  REQUIRE(read.ok());
  CHECK(chunk_bytes == x);
  // And still not through B.
  b_refused();
}

TEST_CASE("a content id learnt elsewhere is no key to it", "[postgres][rpc][access]") {
  Env env;
  const std::string w = "numpy==1.26.4\ntorch==2.2.0\n";
  const std::string w_id = common::Sha256Hex(w);
  const std::string n_id = common::Sha256Hex("never uploaded by anyone");
  env.BobStores(w, "requirements.txt");

  // A submit naming bob's content is refused as for one nobody uploaded; nothing lands.
  for (const std::string& id : {w_id, n_id}) {
    auto [submitted, changeset] = env.Submit(env.alice, "A", "steal-" + id.substr(0, 8),
                                             "stolen.txt", id);
    CHECK(submitted.error_code() == StatusCode::FAILED_PRECONDITION);
    CHECK(submitted.error_message() ==
          "content " + id + " for 'stolen.txt' has not been uploaded");
  }
  CHECK(env.Head("A") == 0);
  v1::LogRequest log_request;
  log_request.set_repository("A");
  v1::LogResponse log;
  REQUIRE(env.history->Log(env.As(env.alice).get(), log_request, &log).ok());
  CHECK(log.changesets_size() == 1);  // @0 only

  // A run whose environment file is bob's content: the same, and no run is recorded.
  for (const std::string& id : {w_id, n_id}) {
    auto [recorded, run] = env.RecordRunWithEnv(env.alice, "A", id);
    CHECK(recorded.error_code() == StatusCode::NOT_FOUND);
    CHECK(recorded.error_message() ==
          "the environment file's content " + id + " has not been uploaded");
  }
  v1::ListRunsRequest runs_request;
  runs_request.set_repository("A");
  v1::ListRunsResponse runs;
  REQUIRE(env.record->ListRuns(env.As(env.alice).get(), runs_request, &runs).ok());
  CHECK(runs.runs_size() == 0);
  // Nor through the content the run would reference: A still does not read it.
  auto [downloaded, bytes] = env.Download(env.alice, "A", w_id);
  CHECK(downloaded.error_code() == StatusCode::NOT_FOUND);

  // The same requests from a server admin, who reaches every content, succeed: the
  // refusals above are the reach rule's, not the requests'.
  auto [recorded, run] = env.RecordRunWithEnv(env.admin_token, "A", w_id);
  INFO(recorded.error_message());
  CHECK(recorded.ok());
  CHECK(run.run().environment().packages_size() == 2);
  auto [submitted, changeset] = env.Submit(env.admin_token, "A", "root-1", "stolen.txt", w_id);
  INFO(submitted.error_message());
  CHECK(submitted.ok());
}

TEST_CASE("a server admin reaches every stored content", "[postgres][rpc][access]") {
  Env env;
  const std::string w = "numpy==1.26.4\n" + Pseudo(4, 150 * 1024);
  const std::string w_id = common::Sha256Hex(w);
  const std::vector<std::string> w_chunks = env.BobStores(w, "blob.bin");
  const std::string& root = env.admin_token;

  // Through A, which does not reference it: found, readable whole and by chunks.
  auto [found, missing] = env.FindMissing(root, "A", {w_id});
  REQUIRE(found.ok());
  CHECK(missing.empty());
  auto [found_chunks, missing_chunks] = env.FindMissingChunks(root, "A", w_chunks);
  REQUIRE(found_chunks.ok());
  CHECK(missing_chunks.empty());
  auto [downloaded, bytes] = env.Download(root, "A", w_id);
  REQUIRE(downloaded.ok());
  CHECK(bytes == w);
  auto [listed, chunks] = env.Manifest(root, "A", w_id);
  REQUIRE(listed.ok());
  CHECK(chunks == w_chunks);
  auto [read, chunk_bytes] = env.ReadChunks(root, "A", w_chunks);
  REQUIRE(read.ok());
  CHECK(chunk_bytes == w);

  // And may reference it in A; then alice, a writer on A, reads it through A.
  auto [submitted, changeset] = env.Submit(root, "A", "root-1", "blob.bin", w_id);
  INFO(submitted.error_message());
  REQUIRE(submitted.ok());
  CHECK(env.Head("A") == changeset.changeset().number());
  auto [alice_downloaded, alice_bytes] = env.Download(env.alice, "A", w_id);
  INFO(alice_downloaded.error_message());
  REQUIRE(alice_downloaded.ok());
  CHECK(alice_bytes == w);
}

}  // namespace
}  // namespace mlvc::server::rpc
