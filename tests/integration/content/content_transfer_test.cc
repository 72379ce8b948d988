// The chunked transfer, server side, through the gRPC layer (and server/core where
// a broken stream must be simulated exactly): FindMissingChunks, UploadChunks, CommitContents,
// GetManifests, ReadChunks, and the whole-content Upload/Download over packs. Runs on the
// filesystem blob store and, registered again with MLVC_TEST_BLOBS=s3, on s3rver.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "common/chunk/fastcdc.h"
#include "common/hash/sha256.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "server/core/authenticator.h"
#include "server/core/content_io.h"
#include "server/core/content_service.h"
#include "server/core/repository_service.h"
#include "server/rpc/server.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_blobs.h"
#include "tests/support/test_db.h"

namespace mlvc::server {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&out[i], &v, 8);
  }
  for (; i < n; ++i) out[i] = static_cast<char>(rng());
  return out;
}

// A content cut by the client's chunker.
struct Content {
  std::string bytes;
  std::string id;
  std::vector<std::string> hashes;
  std::vector<std::string_view> chunks;

  explicit Content(std::string b) : bytes(std::move(b)), id(common::Sha256Hex(bytes)) {
    for (const common::ChunkRef& r : common::ChunkBuffer(bytes)) {
      chunks.push_back(std::string_view(bytes).substr(r.offset, r.length));
      hashes.push_back(common::Sha256Hex(chunks.back()));
    }
  }
  uint64_t BytesOf(const std::vector<std::string>& some) const {
    uint64_t n = 0;
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (std::find(some.begin(), some.end(), hashes[i]) != some.end()) n += chunks[i].size();
    }
    return n;
  }
};

int64_t Count(const std::string& uri, const std::string& sql) {
  pqxx::connection conn(uri);
  pqxx::nontransaction tx(conn);
  return tx.exec(sql)[0][0].as<int64_t>();
}

// The repository every content call of these tests goes through.
constexpr char kRepo[] = "repo";

struct Env {
  mlvc::testing::TempDir dir;
  std::string uri;
  std::unique_ptr<store::PostgresMetadataStore> store;
  std::unique_ptr<store::BlobStore> blobs;
  std::unique_ptr<rpc::MlvcServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ContentService::Stub> stub;
  std::string token;
  core::Caller alice;  // the admin the token is for

  Env() : uri(mlvc::testing::FreshDatabaseUri()) {
    REQUIRE(store::Migrate(uri).ok());
    auto s = store::PostgresMetadataStore::Open(uri, 8);
    REQUIRE(s.ok());
    store = *std::move(s);
    auto b = mlvc::testing::OpenTestBlobStore(dir.Sub("blobs"));
    INFO(b.status().ToString());
    REQUIRE(b.ok());
    blobs = *std::move(b);
    core::Authenticator auth(*store);
    auto t = auth.CreateUser("alice", true);
    REQUIRE(t.ok());
    token = *t;
    // Content calls go through a repository; alice is an admin, who reaches every content.
    auto user = auth.Authenticate(token);
    REQUIRE(user.ok());
    alice = core::Caller{*user, ""};
    REQUIRE(core::RepositoryService(*store).CreateRepository(alice, kRepo).ok());
    auto srv = rpc::MlvcServer::Start("127.0.0.1:0", *store, *blobs);
    REQUIRE(srv.ok());
    server = *std::move(srv);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(rpc::kMaxMessageBytes);
    args.SetMaxSendMessageSize(rpc::kMaxMessageBytes);
    channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server->port()),
                                        grpc::InsecureChannelCredentials(), args);
    stub = v1::ContentService::NewStub(channel);
  }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    return ctx;
  }

  grpc::Status FindMissingChunks(const std::vector<std::string>& hashes,
                                 std::vector<std::string>* missing) {
    v1::FindMissingChunksRequest request;
    request.set_repository(kRepo);
    for (const std::string& h : hashes) request.add_chunk_hashes(h);
    v1::FindMissingChunksResponse response;
    grpc::Status s = stub->FindMissingChunks(Ctx().get(), request, &response);
    missing->assign(response.missing().begin(), response.missing().end());
    return s;
  }
  std::vector<std::string> Missing(const std::vector<std::string>& hashes) {
    std::vector<std::string> missing;
    for (size_t i = 0; i < hashes.size(); i += 10000) {
      std::vector<std::string> page(hashes.begin() + i,
                                    hashes.begin() + std::min(hashes.size(), i + 10000));
      std::vector<std::string> m;
      grpc::Status s = FindMissingChunks(page, &m);
      INFO(s.error_message());
      REQUIRE(s.ok());
      missing.insert(missing.end(), m.begin(), m.end());
    }
    return missing;
  }

  // Sends the chunks `which` of `c` (all when empty) in ~1 MiB messages; `extra` is sent
  // as one more message after them.
  grpc::Status UploadChunks(const Content& c, v1::UploadChunksResponse* response,
                            const std::vector<size_t>& which = {},
                            const v1::UploadChunksRequest* extra = nullptr,
                            const v1::ContentStart* starts = nullptr) {
    auto ctx = Ctx();
    auto writer = stub->UploadChunks(ctx.get(), response);
    v1::UploadChunksRequest message;
    message.set_repository(kRepo);  // the first message names it
    size_t bytes = 0;
    std::vector<size_t> indexes = which;
    if (indexes.empty()) {
      for (size_t i = 0; i < c.chunks.size(); ++i) indexes.push_back(i);
    }
    for (size_t i : indexes) {
      v1::ChunkData* d = message.add_chunks();
      d->set_hash(c.hashes[i]);
      d->set_data(std::string(c.chunks[i]));
      if (starts != nullptr && i == indexes.front()) *d->mutable_starts_content() = *starts;
      bytes += c.chunks[i].size();
      if (bytes >= (1 << 20)) {
        if (!writer->Write(message)) break;
        message.Clear();
        bytes = 0;
      }
    }
    if (message.chunks_size() > 0) writer->Write(message);
    if (extra != nullptr) writer->Write(*extra);
    writer->WritesDone();
    return writer->Finish();
  }

  // Commits contents, `per_part` hashes per manifest part.
  grpc::Status Commit(const std::vector<const Content*>& contents, size_t per_part,
                      std::vector<std::string>* ids = nullptr) {
    auto ctx = Ctx();
    v1::CommitContentsResponse response;
    auto writer = stub->CommitContents(ctx.get(), &response);
    v1::CommitContentsRequest message;
    message.set_repository(kRepo);
    for (const Content* c : contents) {
      size_t i = 0;
      do {
        v1::ContentManifestPart* part = message.add_parts();
        part->set_content_id(c->id);
        part->set_size(c->bytes.size());
        const size_t end = std::min(c->hashes.size(), i + per_part);
        for (; i < end; ++i) part->add_chunk_hashes(c->hashes[i]);
        part->set_more(i < c->hashes.size());
        if (message.parts_size() >= 1000) {
          writer->Write(message);
          message.Clear();
        }
      } while (i < c->hashes.size());
    }
    if (message.parts_size() > 0) writer->Write(message);
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (ids != nullptr) ids->assign(response.content_ids().begin(), response.content_ids().end());
    return s;
  }

  grpc::Status Download(const std::string& id, uint64_t offset, std::string* out) {
    auto ctx = Ctx();
    v1::DownloadRequest request;
    request.set_repository(kRepo);
    request.set_content_id(id);
    request.set_offset(offset);
    auto reader = stub->Download(ctx.get(), request);
    v1::DownloadResponse response;
    out->clear();
    while (reader->Read(&response)) out->append(response.data());
    return reader->Finish();
  }

  grpc::Status ReadChunks(const std::vector<std::string>& hashes, std::string* out,
                          size_t* messages = nullptr) {
    auto ctx = Ctx();
    v1::ReadChunksRequest request;
    request.set_repository(kRepo);
    for (const std::string& h : hashes) request.add_chunk_hashes(h);
    auto reader = stub->ReadChunks(ctx.get(), request);
    v1::ReadChunksResponse response;
    out->clear();
    size_t n = 0;
    std::vector<std::string> got;
    while (reader->Read(&response)) {
      ++n;
      for (const v1::ChunkData& c : response.chunks()) {
        got.push_back(c.hash());
        out->append(c.data());
      }
    }
    if (messages != nullptr) *messages = n;
    grpc::Status s = reader->Finish();
    if (s.ok()) CHECK(got == hashes);
    return s;
  }

  grpc::Status GetManifests(const std::vector<std::string>& ids,
                            std::vector<v1::GetManifestsResponse>* out) {
    auto ctx = Ctx();
    v1::GetManifestsRequest request;
    request.set_repository(kRepo);
    for (const std::string& id : ids) request.add_content_ids(id);
    auto reader = stub->GetManifests(ctx.get(), request);
    v1::GetManifestsResponse response;
    out->clear();
    while (reader->Read(&response)) out->push_back(response);
    return reader->Finish();
  }

  grpc::Status UploadWhole(const std::string& bytes, const std::string& id) {
    auto ctx = Ctx();
    v1::UploadResponse response;
    auto writer = stub->Upload(ctx.get(), &response);
    v1::UploadRequest message;
    message.set_repository(kRepo);
    message.mutable_header()->set_content_id(id);
    message.mutable_header()->set_size(bytes.size());
    writer->Write(message);
    for (size_t i = 0; i < bytes.size(); i += 1 << 20) {
      message.set_data(bytes.substr(i, 1 << 20));
      writer->Write(message);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Replaces the stored object holding chunk `hash` with a copy whose chunk bytes have one
  // byte changed (works on every blob store: delete, then write the corrupt copy).
  void CorruptChunk(const std::string& hash) {
    pqxx::connection conn(uri);
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec(
        "SELECT p.object_key, c.pack_offset FROM chunks c JOIN packs p ON p.id = c.pack_id"
        " WHERE c.hash = " + tx.quote(hash));
    REQUIRE(r.size() == 1);
    const std::string key = r[0][0].as<std::string>();
    const auto offset = r[0][1].as<size_t>();
    auto reader = blobs->Open(key, 0);
    REQUIRE(reader.ok());
    std::string whole, piece;
    do {
      REQUIRE((*reader)->Read(1 << 20, &piece).ok());
      whole += piece;
    } while (!piece.empty());
    reader->reset();
    whole[offset + 10] ^= 0x5a;
    REQUIRE(blobs->Delete(key).ok());
    auto writer = blobs->NewWriter(key);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append(whole).ok());
    REQUIRE((*writer)->Commit().ok());
  }
};

std::string MixedBytes(size_t n, uint64_t seed) {
  // Half random, half text-like (compressible), so both codecs are exercised.
  std::string out = RandomBytes(n / 2, seed);
  while (out.size() < n) out += "the quick brown fox " + std::to_string(out.size()) + "\n";
  out.resize(n);
  return out;
}

TEST_CASE("chunked round trip - upload commit manifests chunks and download", "[content][postgres]") {
  Env env;
  Content c(MixedBytes(3 << 20, 1));
  REQUIRE(c.hashes.size() > 20);
  CHECK(env.Missing(c.hashes).size() == std::set<std::string>(c.hashes.begin(), c.hashes.end()).size());

  v1::UploadChunksResponse up;
  grpc::Status s = env.UploadChunks(c, &up);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(up.bytes_stored() > 0);
  CHECK(env.Missing(c.hashes).empty());
  // Not a content yet: nothing was committed.
  std::string bytes;
  CHECK(env.Download(c.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);

  // A manifest in parts of 10 hashes (the paged path), then committing again is cheap.
  std::vector<std::string> ids;
  s = env.Commit({&c}, 10, &ids);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(ids == std::vector<std::string>{c.id});
  REQUIRE(env.Commit({&c}, 10, &ids).ok());
  CHECK(Count(env.uri, "SELECT count(*) FROM content_chunks") ==
        static_cast<int64_t>(c.hashes.size()));

  std::vector<v1::GetManifestsResponse> manifests;
  REQUIRE(env.GetManifests({c.id}, &manifests).ok());
  std::vector<std::string> listed;
  uint64_t total = 0;
  for (size_t i = 0; i < manifests.size(); ++i) {
    CHECK(manifests[i].content_id() == c.id);
    CHECK(manifests[i].chunked());
    CHECK(manifests[i].size() == c.bytes.size());
    CHECK(manifests[i].more() == (i + 1 < manifests.size()));
    for (const v1::ChunkRef& r : manifests[i].chunks()) {
      listed.push_back(r.hash());
      total += r.length();
    }
  }
  CHECK(listed == c.hashes);
  CHECK(total == c.bytes.size());

  size_t messages = 0;
  REQUIRE(env.ReadChunks(c.hashes, &bytes, &messages).ok());
  CHECK(bytes == c.bytes);
  CHECK(messages >= 3);  // about 1 MiB per message, never one chunk per message
  CHECK(messages <= 5);

  REQUIRE(env.Download(c.id, 0, &bytes).ok());
  CHECK(bytes == c.bytes);
  REQUIRE(env.Download(c.id, 1234567, &bytes).ok());
  CHECK(bytes == c.bytes.substr(1234567));
  REQUIRE(env.Download(c.id, c.bytes.size(), &bytes).ok());
  CHECK(bytes.empty());
  CHECK(env.Download(c.id, c.bytes.size() + 1, &bytes).error_code() ==
        grpc::StatusCode::OUT_OF_RANGE);

  // The empty content: no chunks.
  Content empty("");
  REQUIRE(env.Commit({&empty}, 100, &ids).ok());
  REQUIRE(env.Download(empty.id, 0, &bytes).ok());
  CHECK(bytes.empty());
  REQUIRE(env.GetManifests({empty.id, c.id, empty.id}, &manifests).ok());
  CHECK(manifests.front().chunked());
  CHECK(manifests.front().chunks_size() == 0);
  CHECK(manifests.back().content_id() == empty.id);
}

TEST_CASE("the whole-content Upload stores into packs - reads and merges see it", "[content][postgres]") {
  Env env;
  const std::string data = MixedBytes(5 << 20, 2);
  const std::string id = common::Sha256Hex(data);
  grpc::Status s = env.UploadWhole(data, id);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK_FALSE(*env.blobs->Exists(id));  // no whole blob: chunks in packs
  CHECK(Count(env.uri, "SELECT count(*) FROM contents WHERE chunk_count > 20") == 1);
  CHECK(Count(env.uri, "SELECT count(*) FROM packs") >= 1);
  // The server cut with the client's chunker: a chunked push of the same bytes has nothing
  // left to send.
  Content c(data);
  CHECK(env.Missing(c.hashes).empty());
  std::string bytes;
  REQUIRE(env.Download(id, 777, &bytes).ok());
  CHECK(bytes == data.substr(777));
  // Merges read contents whole through content_io.
  auto read = core::ReadContent(*env.store, *env.blobs, id, 16 << 20);
  REQUIRE(read.ok());
  CHECK(*read == data);
  CHECK(absl::IsOutOfRange(core::ReadContent(*env.store, *env.blobs, id, 1000).status()));
  // A wrong hash stores nothing visible.
  const std::string other = common::Sha256Hex("other");
  CHECK(env.UploadWhole(data, other).error_code() == grpc::StatusCode::DATA_LOSS);
  CHECK(env.Download(other, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("ReadChunks answers in request order whatever the order in the packs", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(20 << 20, 25));  // more than one read window
  REQUIRE(c.hashes.size() > 100);
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(c, &up).ok());
  // Reversed and interleaved: every chunk lies out of pack order.
  std::vector<std::string> asked;
  std::string expected;
  for (size_t k = 0; k < c.hashes.size(); ++k) {
    const size_t i = (k % 2 == 0) ? c.hashes.size() - 1 - k / 2 : k / 2;
    asked.push_back(c.hashes[i]);
    expected.append(c.chunks[i]);
  }
  std::string bytes;
  REQUIRE(env.ReadChunks(asked, &bytes).ok());  // checks the hashes come in asked order
  CHECK(bytes == expected);
}

TEST_CASE("a content announced in the upload stream is recorded without a read-back", "[content][postgres]") {
  Env env;
  Content c(MixedBytes(5 << 20, 21));
  REQUIRE(c.hashes.size() > 20);
  v1::ContentStart starts;
  starts.set_content_id(c.id);
  starts.set_size(c.bytes.size());
  v1::UploadChunksResponse up;
  grpc::Status s = env.UploadChunks(c, &up, {}, nullptr, &starts);
  INFO(s.error_message());
  REQUIRE(s.ok());
  // Recorded when the stream ended: readable before any CommitContents.
  std::string bytes;
  REQUIRE(env.Download(c.id, 0, &bytes).ok());
  CHECK(bytes == c.bytes);
  CHECK(Count(env.uri, "SELECT count(*) FROM content_chunks") ==
        static_cast<int64_t>(c.hashes.size()));
  // The commit that follows finds it held.
  std::vector<std::string> ids;
  REQUIRE(env.Commit({&c}, 10000, &ids).ok());
  CHECK(ids == std::vector<std::string>{c.id});
  CHECK(Count(env.uri, "SELECT count(*) FROM content_chunks") ==
        static_cast<int64_t>(c.hashes.size()));
}

TEST_CASE("a wrong content announcement records nothing and the commit still verifies", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(3 << 20, 22));
  std::string bytes;
  SECTION("an id the chunks do not hash to") {
    v1::ContentStart starts;
    starts.set_content_id(common::Sha256Hex("something else"));
    starts.set_size(c.bytes.size());
    v1::UploadChunksResponse up;
    REQUIRE(env.UploadChunks(c, &up, {}, nullptr, &starts).ok());
    CHECK(Count(env.uri, "SELECT count(*) FROM contents WHERE chunk_count IS NOT NULL") == 0);
    CHECK(env.Download(starts.content_id(), 0, &bytes).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
  SECTION("a size the chunks do not add up to") {
    v1::ContentStart starts;
    starts.set_content_id(c.id);
    starts.set_size(c.bytes.size() - 1);
    v1::UploadChunksResponse up;
    REQUIRE(env.UploadChunks(c, &up, {}, nullptr, &starts).ok());
    CHECK(env.Download(c.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  SECTION("a chunk left out of the stream") {
    std::vector<size_t> which;
    for (size_t i = 0; i < c.hashes.size(); ++i) {
      if (i != 1) which.push_back(i);
    }
    v1::ContentStart starts;
    starts.set_content_id(c.id);
    starts.set_size(c.bytes.size());
    v1::UploadChunksResponse up;
    REQUIRE(env.UploadChunks(c, &up, which, nullptr, &starts).ok());
    CHECK(env.Download(c.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
    REQUIRE(env.UploadChunks(c, &up, {1}).ok());
  }
  // Whatever happened, the commit reads the chunks back and records the content.
  REQUIRE(env.Commit({&c}, 10000).ok());
  REQUIRE(env.Download(c.id, 0, &bytes).ok());
  CHECK(bytes == c.bytes);
}

TEST_CASE("a malformed content announcement is INVALID_ARGUMENT", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(1 << 20, 23));
  v1::ContentStart starts;
  starts.set_content_id("not-a-content-id");
  starts.set_size(c.bytes.size());
  v1::UploadChunksResponse up;
  grpc::Status s = env.UploadChunks(c, &up, {}, nullptr, &starts);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("content id") != std::string::npos);
}

TEST_CASE("an upload stream fills packs across its batches", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(6 << 20, 24));
  core::ContentOptions options;
  options.upload_batch_bytes = 1 << 20;
  core::ContentService content(*env.store, *env.blobs, options);
  auto upload = content.BeginChunkUpload(env.alice);
  for (size_t i = 0; i < c.hashes.size(); ++i) {
    std::vector<core::ReceivedChunk> message{{c.hashes[i], std::string(c.chunks[i])}};
    REQUIRE(upload->AddMessage(message).ok());
  }
  auto stored = upload->Finish();
  REQUIRE(stored.ok());
  CHECK(stored->chunks_stored == static_cast<int64_t>(c.hashes.size()));
  // Six batches of 1 MiB, one pack (the target is 64 MiB).
  CHECK(Count(env.uri, "SELECT count(*) FROM packs") == 1);
  CHECK(env.Missing(c.hashes).empty());
}

TEST_CASE("a broken chunk upload keeps the chunks received - the resume sends the rest", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(6 << 20, 3));
  const size_t n = c.hashes.size();
  const size_t half = n / 2;

  SECTION("core: the stream ends after half the messages") {
    core::ContentOptions options;
    options.upload_batch_bytes = 1 << 20;  // flushes during the stream too
    core::ContentService content(*env.store, *env.blobs, options);
    auto upload = content.BeginChunkUpload(env.alice);
    for (size_t i = 0; i < half; ++i) {
      std::vector<core::ReceivedChunk> message{{c.hashes[i], std::string(c.chunks[i])}};
      REQUIRE(upload->AddMessage(message).ok());
    }
    // What the UploadChunks handler does when Read() fails mid-stream.
    auto stored = upload->Finish();
    REQUIRE(stored.ok());
    CHECK(stored->chunks_stored == static_cast<int64_t>(half));
  }
  SECTION("rpc: a corrupt message halfway is refused - the messages before it are stored") {
    std::vector<size_t> first;
    for (size_t i = 0; i < half; ++i) first.push_back(i);
    v1::UploadChunksRequest bad;
    v1::ChunkData* d = bad.add_chunks();
    d->set_hash(c.hashes[half]);
    d->set_data(std::string(c.chunks[half + 1]));
    v1::UploadChunksResponse up;
    grpc::Status s = env.UploadChunks(c, &up, first, &bad);
    CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(s.error_message().find(c.hashes[half]) != std::string::npos);
  }
  // Only the second half is missing, by count and by bytes.
  const std::vector<std::string> missing = env.Missing(c.hashes);
  const std::vector<std::string> rest(c.hashes.begin() + static_cast<std::ptrdiff_t>(half),
                                      c.hashes.end());
  CHECK(missing == rest);
  CHECK(c.BytesOf(missing) == c.bytes.size() - c.BytesOf({c.hashes.begin(),
                                                          c.hashes.begin() + half}));
  // The resume sends only those.
  std::vector<size_t> resend;
  for (size_t i = half; i < n; ++i) resend.push_back(i);
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(c, &up, resend).ok());
  CHECK(up.chunks_stored() == static_cast<int64_t>(n - half));
  CHECK(up.chunks_skipped() == 0);
  CHECK(up.bytes_stored() == c.BytesOf(rest));
  REQUIRE(env.Commit({&c}, 10000).ok());
  std::string bytes;
  REQUIRE(env.Download(c.id, 0, &bytes).ok());
  CHECK(bytes == c.bytes);
}

TEST_CASE("a corrupted chunk on disk is DATA_LOSS on ReadChunks and Download", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(1 << 20, 4));
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(c, &up).ok());
  REQUIRE(env.Commit({&c}, 10000).ok());
  const size_t k = c.hashes.size() / 2;
  env.CorruptChunk(c.hashes[k]);
  std::string bytes;
  grpc::Status s = env.ReadChunks({c.hashes[k]}, &bytes);
  CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
  CHECK(bytes.empty());
  s = env.Download(c.id, 0, &bytes);
  CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
  CHECK(bytes.size() < c.bytes.size());
  CHECK(c.bytes.compare(0, bytes.size(), bytes) == 0);  // what was served is right
  // A commit reading the corrupt chunk back fails too, and records nothing.
  Content d(c.bytes + "tail");
  REQUIRE(env.UploadChunks(d, &up).ok());
  CHECK(env.Commit({&d}, 10000).error_code() == grpc::StatusCode::DATA_LOSS);
  CHECK(env.Download(d.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("commits refuse missing chunks and wrong hashes or sizes - nothing visible", "[content][postgres]") {
  Env env;
  Content good(RandomBytes(200000, 5));
  Content other(RandomBytes(200000, 6));
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(good, &up).ok());
  std::string bytes;
  for (size_t per_part : {size_t{10000}, size_t{3}}) {  // one part, and the paged path
    INFO("hashes per part: " << per_part);
    // Missing chunk: NOT_FOUND naming it; the content before it in the stream is committed.
    Content small_ok(RandomBytes(3000, 7 + per_part));
    REQUIRE(env.UploadChunks(small_ok, &up).ok());
    grpc::Status s = env.Commit({&small_ok, &other}, per_part);
    CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(s.error_message().find(other.hashes[0]) != std::string::npos);
    CHECK(env.Download(other.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
    REQUIRE(env.Download(small_ok.id, 0, &bytes).ok());
    CHECK(bytes == small_ok.bytes);

    // Wrong id: the chunks do not hash to it.
    Content wrong_id = good;
    wrong_id.id = common::Sha256Hex("not these bytes" + std::to_string(per_part));
    s = env.Commit({&wrong_id}, per_part);
    CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(env.Download(wrong_id.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);

    // Wrong size.
    Content wrong_size = good;
    wrong_size.bytes += "x";
    s = env.Commit({&wrong_size}, per_part);
    CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(env.Download(good.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);

    // Chunks in the wrong order: same size, wrong hash.
    Content swapped = good;
    std::swap(swapped.hashes[0], swapped.hashes[1]);
    CHECK(env.Commit({&swapped}, per_part).error_code() == grpc::StatusCode::DATA_LOSS);
  }
  CHECK(Count(env.uri, "SELECT count(*) FROM contents") == 2);  // the two small_ok
  REQUIRE(env.Commit({&good}, 10000).ok());
  REQUIRE(env.Download(good.id, 0, &bytes).ok());
  CHECK(bytes == good.bytes);
}

TEST_CASE("concurrent uploads and commits of one content store it once", "[content][postgres]") {
  Env env;
  Content c(MixedBytes(4 << 20, 8));
  std::vector<std::thread> threads;
  std::vector<grpc::Status> statuses(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      v1::UploadChunksResponse up;
      statuses[t] = env.UploadChunks(c, &up);
      if (statuses[t].ok()) statuses[t] = env.Commit({&c}, 500);
    });
  }
  for (auto& t : threads) t.join();
  for (const grpc::Status& s : statuses) {
    INFO(s.error_message());
    CHECK(s.ok());
  }
  const std::set<std::string> unique(c.hashes.begin(), c.hashes.end());
  CHECK(Count(env.uri, "SELECT count(*) FROM chunks") == static_cast<int64_t>(unique.size()));
  CHECK(Count(env.uri, "SELECT count(*) FROM contents") == 1);
  CHECK(Count(env.uri, "SELECT count(*) FROM content_chunks") ==
        static_cast<int64_t>(c.hashes.size()));
  std::string bytes;
  REQUIRE(env.Download(c.id, 0, &bytes).ok());
  CHECK(bytes == c.bytes);
}

TEST_CASE("malformed and over-limit chunk requests are INVALID_ARGUMENT", "[content][postgres]") {
  Env env;
  Content c(RandomBytes(100000, 9));
  const auto invalid = grpc::StatusCode::INVALID_ARGUMENT;
  std::vector<std::string> missing;
  CHECK(env.FindMissingChunks({"nothex"}, &missing).error_code() == invalid);
  CHECK(env.FindMissingChunks({std::string(64, 'A')}, &missing).error_code() == invalid);
  CHECK(env.FindMissingChunks(std::vector<std::string>(10001, c.hashes[0]), &missing)
            .error_code() == invalid);
  REQUIRE(env.FindMissingChunks(std::vector<std::string>(10000, c.hashes[0]), &missing).ok());
  CHECK(missing.size() == 1);  // repeats answered once

  v1::UploadChunksResponse up;
  v1::UploadChunksRequest bad_hash;
  bad_hash.add_chunks()->set_hash("xyz");
  CHECK(env.UploadChunks(c, &up, {0}, &bad_hash).error_code() == invalid);
  v1::UploadChunksRequest too_big;
  const std::string big((1 << 20) + 1, 'b');
  v1::ChunkData* d = too_big.add_chunks();
  d->set_hash(common::Sha256Hex(big));
  d->set_data(big);
  CHECK(env.UploadChunks(c, &up, {0}, &too_big).error_code() == invalid);
  v1::UploadChunksRequest too_many_bytes;
  for (int i = 0; i < 3; ++i) {
    const std::string mib(1 << 20, static_cast<char>('c' + i));
    d = too_many_bytes.add_chunks();
    d->set_hash(common::Sha256Hex(mib));
    d->set_data(mib);
  }
  CHECK(env.UploadChunks(c, &up, {0}, &too_many_bytes).error_code() == invalid);
  // The good chunk sent before each refused message was stored all the same.
  REQUIRE(env.FindMissingChunks({c.hashes[0]}, &missing).ok());
  CHECK(missing.empty());

  REQUIRE(env.UploadChunks(c, &up).ok());
  Content bad_id = c;
  bad_id.id = "not-an-id";
  CHECK(env.Commit({&bad_id}, 10000).error_code() == invalid);
  Content bad_chunk = c;
  bad_chunk.hashes[1] = "zz";
  CHECK(env.Commit({&bad_chunk}, 10000).error_code() == invalid);
  {  // parts of two contents interleaved; a last part announcing more; too many hashes
    Content c2(RandomBytes(50000, 10));
    REQUIRE(env.UploadChunks(c2, &up).ok());
    for (int shape = 0; shape < 3; ++shape) {
      auto ctx = env.Ctx();
      v1::CommitContentsResponse response;
      auto writer = env.stub->CommitContents(ctx.get(), &response);
      v1::CommitContentsRequest message;
      message.set_repository(kRepo);
      v1::ContentManifestPart* p = message.add_parts();
      p->set_content_id(c.id);
      p->set_size(c.bytes.size());
      p->add_chunk_hashes(c.hashes[0]);
      p->set_more(true);
      if (shape == 0) {
        p = message.add_parts();
        p->set_content_id(c2.id);
        p->set_size(c2.bytes.size());
        for (const std::string& h : c2.hashes) p->add_chunk_hashes(h);
      } else if (shape == 2) {
        for (int i = 0; i < 10001; ++i) message.mutable_parts(0)->add_chunk_hashes(c.hashes[1]);
      }
      writer->Write(message);
      writer->WritesDone();
      INFO("shape " << shape);
      CHECK(writer->Finish().error_code() == invalid);
    }
    std::string bytes;
    CHECK(env.Download(c.id, 0, &bytes).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  std::vector<v1::GetManifestsResponse> manifests;
  CHECK(env.GetManifests({"bad"}, &manifests).error_code() == invalid);
  CHECK(env.GetManifests(std::vector<std::string>(10001, c.id), &manifests).error_code() ==
        invalid);
  CHECK(env.GetManifests({c.id}, &manifests).error_code() == grpc::StatusCode::NOT_FOUND);
  std::string bytes;
  CHECK(env.ReadChunks({"bad"}, &bytes).error_code() == invalid);
  CHECK(env.ReadChunks(std::vector<std::string>(10001, c.hashes[0]), &bytes).error_code() ==
        invalid);
  CHECK(env.ReadChunks({common::Sha256Hex("never stored")}, &bytes).error_code() ==
        grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("contents stored whole before chunking still download", "[content][postgres]") {
  Env env;
  const std::string data = RandomBytes(300000, 11);
  const std::string id = common::Sha256Hex(data);
  auto writer = env.blobs->NewWriter(id);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append(data).ok());
  REQUIRE((*writer)->Commit().ok());
  REQUIRE(env.store->RunInTransaction([&](store::MetadataTxn& txn) {
    return txn.PutContent(id, data.size());
  }).ok());
  std::string bytes;
  REQUIRE(env.Download(id, 0, &bytes).ok());
  CHECK(bytes == data);
  REQUIRE(env.Download(id, 1000, &bytes).ok());
  CHECK(bytes == data.substr(1000));
  std::vector<v1::GetManifestsResponse> manifests;
  REQUIRE(env.GetManifests({id}, &manifests).ok());
  REQUIRE(manifests.size() == 1);
  CHECK_FALSE(manifests[0].chunked());
  CHECK(manifests[0].size() == data.size());
  CHECK(manifests[0].chunks_size() == 0);
  auto read = core::ReadContent(*env.store, *env.blobs, id, 1 << 20);
  REQUIRE(read.ok());
  CHECK(*read == data);
  // Uploading it again is "already present"; committing it as chunks keeps it readable.
  CHECK(env.UploadWhole(data, id).ok());
  Content c(data);
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(c, &up).ok());
  REQUIRE(env.Commit({&c}, 10000).ok());
  REQUIRE(env.Download(id, 0, &bytes).ok());
  CHECK(bytes == data);
}

TEST_CASE("10000 small contents commit in one stream with batched lookups", "[content][postgres]") {
  Env env;
  std::vector<Content> files;
  files.reserve(10000);
  std::mt19937_64 rng(12);
  for (int i = 0; i < 10000; ++i) {
    files.emplace_back(RandomBytes(1024 + rng() % 3072, 100 + i) + (i < 3 ? "second chunk" : ""));
  }
  // Three of them are made of two chunks (their id is not their chunk's hash).
  for (int i = 0; i < 3; ++i) {
    Content& f = files[static_cast<size_t>(i)];
    const std::string_view all(f.bytes);
    f.chunks = {all.substr(0, all.size() - 12), all.substr(all.size() - 12)};
    f.hashes = {common::Sha256Hex(f.chunks[0]), common::Sha256Hex(f.chunks[1])};
  }
  std::vector<const Content*> all;
  Content packed("");  // every chunk of every file, to upload in one stream
  for (const Content& f : files) {
    all.push_back(&f);
    for (size_t k = 0; k < f.chunks.size(); ++k) {
      packed.hashes.push_back(f.hashes[k]);
      packed.chunks.push_back(f.chunks[k]);
    }
  }
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(packed, &up).ok());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  grpc::Status s = env.Commit(all, 10000, &ids);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(s.error_message());
  REQUIRE(s.ok());
  std::cout << "CommitContents of 10000 small contents: " << seconds << " s\n";
  REQUIRE(ids.size() == files.size());
  for (size_t i = 0; i < files.size(); ++i) CHECK(ids[i] == files[i].id);
  CHECK(Count(env.uri, "SELECT count(*) FROM contents") == 10000);
  size_t rows = 0;
  for (const Content& f : files) rows += f.hashes.size();
  CHECK(Count(env.uri, "SELECT count(*) FROM content_chunks") == static_cast<int64_t>(rows));

  std::vector<std::string> wanted;
  for (const Content& f : files) wanted.push_back(f.id);
  std::vector<v1::GetManifestsResponse> manifests;
  REQUIRE(env.GetManifests(wanted, &manifests).ok());
  REQUIRE(manifests.size() == files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    CHECK(manifests[i].content_id() == files[i].id);
    CHECK(static_cast<size_t>(manifests[i].chunks_size()) == files[i].hashes.size());
  }
  std::string bytes;
  REQUIRE(env.Download(files[0].id, 0, &bytes).ok());
  CHECK(bytes == files[0].bytes);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Server throughput on random data: UploadChunks of every chunk, then CommitContents. Prints
// MB/s; the size comes from MLVC_CONTENT_BENCH_MIB (32 MiB by default, small enough for CI).
TEST_CASE("upload and commit throughput on random data", "[content][postgres]") {
  Env env;
  const size_t mib = std::stoul(mlvc::testing::EnvOr("MLVC_CONTENT_BENCH_MIB", "32"));
  Content c(RandomBytes(mib << 20, 13));
  const double cpu_before = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  v1::UploadChunksResponse up;
  REQUIRE(env.UploadChunks(c, &up).ok());
  const auto uploaded = std::chrono::steady_clock::now();
  REQUIRE(env.Commit({&c}, 10000).ok());
  const auto committed = std::chrono::steady_clock::now();
  const double cpu = CpuSeconds() - cpu_before;
  const double up_s = std::chrono::duration<double>(uploaded - start).count();
  const double commit_s = std::chrono::duration<double>(committed - uploaded).count();
  const double mb = static_cast<double>(c.bytes.size()) / 1e6;
  std::cout << "random " << mib << " MiB: UploadChunks " << up_s << " s (" << mb / up_s
            << " MB/s), CommitContents " << commit_s << " s, together " << mb / (up_s + commit_s)
            << " MB/s; CPU of this process (client and server) " << cpu << " s = " << mb / cpu
            << " MB per CPU-second\n";
  CHECK(up.bytes_stored() == c.bytes.size());
  CHECK(Count(env.uri, "SELECT count(*) FROM chunks WHERE codec = 1") == 0);
}

}  // namespace
}  // namespace mlvc::server
