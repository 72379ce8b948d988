// Chunks, packs and manifests on a real Postgres: the store methods of migration 0004 and the
// ChunkStore façade over them (dedup, races, verification, a 64 MiB content in flat memory).
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "common/chunk/fastcdc.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/in_memory_blob_store.h"
#include "server/store/pack/chunk_store.h"
#include "tests/integration/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace mlvc::server::store::pack {
namespace {

using store::testing::Id;
using store::testing::MigratedStore;

int64_t Count(const std::string& uri, const std::string& sql) {
  pqxx::connection conn(uri);
  pqxx::nontransaction tx(conn);
  return tx.exec(sql)[0][0].as<int64_t>();
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// A content made of `n` chunks of random bytes (distinct per seed), some compressible.
struct TestContent {
  std::vector<std::string> chunks;
  std::string id;
  uint64_t size = 0;
  std::vector<std::string> hashes;

  TestContent(int n, uint64_t seed) {
    common::Sha256 whole;
    for (int i = 0; i < n; ++i) {
      std::string c = (i % 3 == 0) ? std::string(3000 + i, static_cast<char>('a' + i % 26)) +
                                         RandomBytes(16, seed * 1000 + i)
                                   : RandomBytes(5000 + 37 * i, seed * 1000 + i);
      whole.Update(c);
      size += c.size();
      hashes.push_back(common::Sha256Hex(c));
      chunks.push_back(std::move(c));
    }
    id = whole.FinishHex();
  }

  std::vector<ChunkInput> Batch() const {
    std::vector<ChunkInput> batch;
    for (size_t i = 0; i < chunks.size(); ++i) batch.push_back({hashes[i], chunks[i]});
    return batch;
  }
};

std::string ReadAll(ChunkStore& store, const std::string& id, absl::Status* status) {
  std::string out;
  *status = store.ReadContent(id, [&](std::string_view bytes) {
    out.append(bytes);
    return absl::OkStatus();
  });
  return out;
}

TEST_CASE("FindMissingChunks answers 5000 hashes in one call", "[chunks][postgres]") {
  MigratedStore db;
  std::vector<std::string> all;
  std::vector<ChunkRecord> stored;
  for (int i = 0; i < 5000; ++i) {
    all.push_back(Id(i));
    if (i % 2 == 0) stored.push_back(ChunkRecord{Id(i), 16u + i, 10, 20, 0});
  }
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t pack, txn.InsertPack(Id(99999), 1000, 2500, std::nullopt));
    ASSIGN_OR_RETURN(std::vector<std::string> inserted, txn.InsertChunks(pack, stored));
    CHECK(inserted.size() == 2500);
    return absl::OkStatus();
  });
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<std::string> missing, txn.FindMissingChunks(all));
    REQUIRE(missing.size() == 2500);
    for (size_t i = 0; i < missing.size(); ++i) CHECK(missing[i] == Id(2 * i + 1));
    ASSIGN_OR_RETURN(std::vector<std::string> none, txn.FindMissingChunks({}));
    CHECK(none.empty());
    // Inserting again records nothing new; the pack key is unique.
    ASSIGN_OR_RETURN(std::vector<std::string> again, txn.InsertChunks(1, stored));
    CHECK(again.empty());
    return absl::OkStatus();
  });
  absl::Status dup = db.store->RunInTransaction(
      [&](MetadataTxn& txn) { return txn.InsertPack(Id(99999), 1, 0, std::nullopt).status(); });
  CHECK(dup.code() == absl::StatusCode::kAlreadyExists);
  absl::Status no_pack = db.store->RunInTransaction(
      [&](MetadataTxn& txn) { return txn.InsertChunks(424242, {{Id(7), 16, 1, 1, 0}}).status(); });
  CHECK(no_pack.code() == absl::StatusCode::kNotFound);
}

TEST_CASE("content manifests: errors and paging", "[chunks][postgres]") {
  MigratedStore db;
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t pack, txn.InsertPack(Id(500), 100, 3, std::nullopt));
    ASSIGN_OR_RETURN(auto inserted, txn.InsertChunks(pack, {{Id(1), 16, 10, 10, 0},
                                                            {Id(2), 26, 5, 20, 1},
                                                            {Id(3), 31, 7, 7, 0}}));
    CHECK(inserted.size() == 3);
    return absl::OkStatus();
  });
  auto put = [&](const std::string& id, uint64_t size, std::vector<std::string> hashes) {
    return db.store->RunInTransaction(
        [&](MetadataTxn& txn) { return txn.PutContentManifest(id, size, hashes); });
  };
  CHECK(put(Id(900), 37, {Id(1), Id(4)}).code() == absl::StatusCode::kNotFound);
  CHECK(put(Id(900), 36, {Id(1), Id(2), Id(3)}).code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(put(Id(900), 47, {Id(1), Id(2), Id(3), Id(1)}).ok());
  REQUIRE(put(Id(900), 10, {Id(1)}).ok());  // already has a manifest: kept as it is
  REQUIRE(put(Id(901), 0, {}).ok());        // the empty content
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(ContentManifest page, txn.GetContentManifest(Id(900), 1, 2));
    CHECK(page.size == 47);
    CHECK(page.chunk_count == 4);
    REQUIRE(page.chunks.size() == 2);
    CHECK(page.chunks[0].chunk.hash == Id(2));
    CHECK(page.chunks[0].chunk.codec == 1);
    CHECK(page.chunks[0].chunk.raw_length == 20);
    CHECK(page.chunks[0].pack_key == Id(500));
    CHECK(page.chunks[1].chunk.hash == Id(3));
    ASSIGN_OR_RETURN(ContentManifest rest, txn.GetContentManifest(Id(900), 3, 100));
    REQUIRE(rest.chunks.size() == 1);
    CHECK(rest.chunks[0].chunk.hash == Id(1));
    ASSIGN_OR_RETURN(ContentManifest empty, txn.GetContentManifest(Id(901), 0, 100));
    CHECK(empty.chunk_count == 0);
    CHECK(empty.chunks.empty());
    // Unknown, and stored whole (schema 1): no manifest.
    CHECK(txn.GetContentManifest(Id(902), 0, 10).status().code() == absl::StatusCode::kNotFound);
    RETURN_IF_ERROR(txn.PutContent(Id(903), 5));
    CHECK(txn.GetContentManifest(Id(903), 0, 10).status().code() == absl::StatusCode::kNotFound);
    return absl::OkStatus();
  });
  CHECK(Count(db.uri, "SELECT count(*) FROM content_chunks") == 4);
}

TEST_CASE("ChunkStore stores content once and reads it back", "[chunks][postgres]") {
  MigratedStore db;
  InMemoryBlobStore blobs;
  ChunkStore store(db.store.get(), &blobs);
  TestContent content(60, 1);

  auto first = store.StoreChunks(content.Batch());
  INFO(first.status().ToString());
  REQUIRE(first.ok());
  CHECK(first->chunks_stored == 60);
  CHECK(first->packs_written == 1);
  CHECK(first->stored_bytes < first->raw_bytes);  // the compressible third paid off
  REQUIRE(store.PutContent(content.id, content.size, content.hashes).ok());

  // The same chunks again (and repeated in one batch): nothing new is written.
  std::vector<ChunkInput> twice = content.Batch();
  twice.push_back(twice.front());
  auto second = store.StoreChunks(twice);
  REQUIRE(second.ok());
  CHECK(second->chunks_stored == 0);
  CHECK(second->chunks_skipped == 61);
  CHECK(second->packs_written == 0);
  REQUIRE(store.PutContent(content.id, content.size, content.hashes).ok());
  CHECK(blobs.ObjectCount() == 1);
  CHECK(Count(db.uri, "SELECT count(*) FROM packs") == 1);
  CHECK(Count(db.uri, "SELECT count(*) FROM chunks") == 60);
  CHECK(Count(db.uri, "SELECT count(*) FROM content_chunks") == 60);
  CHECK(Count(db.uri, "SELECT count(*) FROM uploads") == 0);

  absl::Status read;
  std::string got = ReadAll(store, content.id, &read);
  INFO(read.ToString());
  REQUIRE(read.ok());
  CHECK(got.size() == content.size);
  CHECK(common::Sha256Hex(got) == content.id);

  // A second content sharing half the chunks stores only the other half.
  TestContent other(60, 2);
  std::vector<ChunkInput> mixed = content.Batch();
  mixed.resize(30);
  for (const ChunkInput& c : other.Batch()) mixed.push_back(c);
  auto third = store.StoreChunks(mixed);
  REQUIRE(third.ok());
  CHECK(third->chunks_stored == 60);
  CHECK(third->chunks_skipped == 30);
  CHECK(blobs.ObjectCount() == 2);
}

TEST_CASE("PackSession fills packs across batches and writes a chunk once", "[chunks][postgres]") {
  MigratedStore db;
  InMemoryBlobStore blobs;
  PackOptions options;
  options.target_size = 200 * 1000;  // ~45 of the test chunks per pack
  ChunkStore store(db.store.get(), &blobs, options);
  TestContent content(120, 3);
  const std::vector<ChunkInput> all = content.Batch();

  PackSession session(store);
  for (size_t begin = 0; begin < all.size(); begin += 10) {
    std::vector<ChunkInput> batch(all.begin() + static_cast<std::ptrdiff_t>(begin),
                                  all.begin() + static_cast<std::ptrdiff_t>(begin + 10));
    // A chunk of the previous batch again: it sits in an unrecorded pack, written once.
    if (begin > 0) batch.push_back(all[begin - 1]);
    REQUIRE(session.Add(batch).ok());
  }
  auto flushed = session.Flush();
  INFO(flushed.status().ToString());
  REQUIRE(flushed.ok());
  CHECK(flushed->chunks_stored == 120);
  CHECK(flushed->chunks_skipped == 11);
  // 12 batches, yet packs of the target size: 120 chunks of ~5 KB in 200 KB packs.
  CHECK(flushed->packs_written >= 2);
  CHECK(flushed->packs_written <= 4);
  CHECK(blobs.ObjectCount() == static_cast<size_t>(flushed->packs_written));
  CHECK(Count(db.uri, "SELECT count(*) FROM chunks") == 120);
  CHECK(Count(db.uri, "SELECT count(*) FROM uploads") == 0);
  REQUIRE(store.PutContent(content.id, content.size, content.hashes).ok());
  absl::Status read;
  CHECK(common::Sha256Hex(ReadAll(store, content.id, &read)) == content.id);
  CHECK(read.ok());

  // A session dropped without Flush leaves no object and records nothing.
  TestContent other(5, 4);
  {
    PackSession dropped(store);
    REQUIRE(dropped.Add(other.Batch()).ok());
  }
  CHECK(blobs.ObjectCount() == static_cast<size_t>(flushed->packs_written));
  CHECK(Count(db.uri, "SELECT count(*) FROM chunks") == 120);
}

TEST_CASE("ChunkStore refuses bad chunks and unverified contents", "[chunks][postgres]") {
  MigratedStore db;
  InMemoryBlobStore blobs;
  ChunkStore store(db.store.get(), &blobs);
  TestContent content(5, 3);

  std::vector<ChunkInput> bad = content.Batch();
  bad[2].bytes = content.chunks[3];  // bytes that do not hash to the claimed hash
  CHECK(store.StoreChunks(bad).status().code() == absl::StatusCode::kDataLoss);
  std::vector<ChunkInput> malformed = content.Batch();
  malformed[0].hash = "XYZ";
  CHECK(store.StoreChunks(malformed).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(blobs.ObjectCount() == 0);
  CHECK(Count(db.uri, "SELECT count(*) FROM chunks") == 0);

  // A content whose chunks are not stored yet.
  CHECK(store.PutContent(content.id, content.size, content.hashes).code() ==
        absl::StatusCode::kNotFound);
  REQUIRE(store.StoreChunks(content.Batch()).ok());
  CHECK(store.PutContent("nope", content.size, content.hashes).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(store.PutContent(content.id, content.size + 1, content.hashes).code() ==
        absl::StatusCode::kInvalidArgument);
  // Chunks in the wrong order do not hash to the content id.
  std::vector<std::string> swapped = content.hashes;
  std::swap(swapped[0], swapped[1]);
  CHECK(store.PutContent(content.id, content.size, swapped).code() ==
        absl::StatusCode::kDataLoss);
  CHECK(Count(db.uri, "SELECT count(*) FROM contents") == 0);

  absl::Status read;
  ReadAll(store, content.id, &read);
  CHECK(read.code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a corrupted pack on disk fails ReadContent with DATA_LOSS", "[chunks][postgres]") {
  MigratedStore db;
  mlvc::testing::TempDir dir;
  auto blobs = FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(blobs.ok());
  ChunkStore store(db.store.get(), blobs->get());
  TestContent content(20, 4);
  REQUIRE(store.StoreChunks(content.Batch()).ok());
  REQUIRE(store.PutContent(content.id, content.size, content.hashes).ok());

  pqxx::connection conn(db.uri);
  pqxx::nontransaction tx(conn);
  pqxx::result r = tx.exec(
      "SELECT p.object_key, c.pack_offset FROM chunks c JOIN packs p ON p.id = c.pack_id"
      " WHERE c.hash = " + tx.quote(content.hashes[7]));
  REQUIRE(r.size() == 1);
  const std::string key = r[0][0].as<std::string>();
  const auto offset = r[0][1].as<int64_t>();
  const std::string file = (*blobs)->root() + "/objects/" + key.substr(0, 2) + "/" +
                           key.substr(2, 2) + "/" + key;
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    f.seekp(offset + 100);
    f.put('\x7f');
    REQUIRE(f.good());
  }
  absl::Status read;
  std::string got = ReadAll(store, content.id, &read);
  CHECK(read.code() == absl::StatusCode::kDataLoss);
  // The chunks before the corrupt one were served; the corrupt one never was.
  uint64_t before = 0;
  for (int i = 0; i < 7; ++i) before += content.chunks[i].size();
  CHECK(got.size() == before);
}

TEST_CASE("concurrent StoreChunks of the same content store each chunk once",
          "[chunks][postgres]") {
  MigratedStore db(8);
  InMemoryBlobStore blobs;
  ChunkStore store(db.store.get(), &blobs);
  for (int round = 0; round < 5; ++round) {
    // A fresh set of chunks each round, so every round races on missing chunks.
    TestContent c(300, 100 + static_cast<uint64_t>(round));
    absl::Status results[2];
    int64_t stored[2] = {0, 0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        auto r = store.StoreChunks(c.Batch());
        results[t] = r.status();
        if (r.ok()) stored[t] = r->chunks_stored;
        if (results[t].ok()) results[t] = store.PutContent(c.id, c.size, c.hashes);
      });
    }
    for (std::thread& t : threads) t.join();
    INFO(results[0].ToString() << " / " << results[1].ToString());
    REQUIRE(results[0].ok());
    REQUIRE(results[1].ok());
    CHECK(stored[0] + stored[1] == 300);  // each chunk recorded by exactly one of them
    absl::Status read;
    std::string got = ReadAll(store, c.id, &read);
    REQUIRE(read.ok());
    CHECK(common::Sha256Hex(got) == c.id);
  }
  CHECK(Count(db.uri, "SELECT count(*) FROM chunks") == 1500);
  CHECK(Count(db.uri, "SELECT count(DISTINCT content_id) FROM content_chunks") == 5);
  CHECK(Count(db.uri, "SELECT count(*) FROM content_chunks") == 1500);
  // No pack object is kept that holds only chunks recorded elsewhere: every object has a
  // packs row, and every pack row has live chunks.
  CHECK(static_cast<int64_t>(blobs.ObjectCount()) == Count(db.uri, "SELECT count(*) FROM packs"));
  CHECK(Count(db.uri, "SELECT count(*) FROM packs p WHERE NOT EXISTS"
                      " (SELECT 1 FROM chunks c WHERE c.pack_id = p.id)") == 0);
}

long PeakRssKiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_CASE("a 64 MiB content is stored and read back byte-identical in flat memory",
          "[chunks][postgres]") {
  MigratedStore db;
  mlvc::testing::TempDir dir;
  auto blobs = FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(blobs.ok());
  PackOptions options;
  options.target_size = 16ull << 20;  // several packs
  ChunkStore store(db.store.get(), blobs->get(), options);

  // 64 MiB on disk, written 1 MiB at a time: random blocks with compressible ones between.
  const std::string source = dir.Sub("model.bin");
  {
    std::ofstream out(source, std::ios::binary);
    for (int i = 0; i < 64; ++i) {
      out << (i % 4 == 3 ? std::string(1 << 20, static_cast<char>('0' + i % 10))
                         : RandomBytes(1 << 20, 1000 + static_cast<uint64_t>(i)));
    }
    REQUIRE(out.good());
  }
  const long rss_before = PeakRssKiB();

  auto digests = common::ChunkFile(source);
  REQUIRE(digests.ok());
  auto whole = common::Sha256File(source);
  REQUIRE(whole.ok());
  REQUIRE(whole->size == 64u << 20);

  // Upload in batches of ~4 MiB, reading each chunk from the file: what ContentService will
  // do with the chunks a client streams.
  std::ifstream in(source, std::ios::binary);
  std::vector<std::string> hashes;
  std::vector<std::string> bytes;
  std::vector<ChunkInput> batch;
  uint64_t batch_bytes = 0;
  int64_t stored = 0;
  const auto flush = [&] {
    for (size_t i = 0; i < bytes.size(); ++i) batch[i].bytes = bytes[i];
    auto r = store.StoreChunks(batch);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    stored += r->chunks_stored;
    batch.clear();
    bytes.clear();
    batch_bytes = 0;
  };
  for (const common::ChunkDigest& d : *digests) {
    std::string chunk(d.length, '\0');
    in.seekg(static_cast<std::streamoff>(d.offset));
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    REQUIRE(in.good());
    hashes.push_back(d.sha256);
    batch.push_back({d.sha256, {}});
    batch_bytes += chunk.size();
    bytes.push_back(std::move(chunk));
    if (batch_bytes >= (4u << 20)) flush();
  }
  if (!batch.empty()) flush();
  CHECK(stored > 0);
  REQUIRE(store.PutContent(whole->content_id, whole->size, hashes).ok());
  CHECK(Count(db.uri, "SELECT count(*) FROM packs") >= 3);
  // The repeated 1 MiB blocks compress: less is stored than the file's size.
  CHECK(Count(db.uri, "SELECT sum(stored_length) FROM chunks") < (56 << 20));

  // Read back to a file, hashing as it goes.
  const std::string copy = dir.Sub("copy.bin");
  {
    std::ofstream out(copy, std::ios::binary);
    absl::Status read = store.ReadContent(whole->content_id, [&](std::string_view b) {
      out.write(b.data(), static_cast<std::streamsize>(b.size()));
      return out.good() ? absl::OkStatus() : absl::InternalError("write failed");
    });
    INFO(read.ToString());
    REQUIRE(read.ok());
  }
  auto copied = common::Sha256File(copy);
  REQUIRE(copied.ok());
  CHECK(copied->content_id == whole->content_id);
  CHECK(copied->size == whole->size);

  // Flat memory: the whole run grew the peak RSS by far less than the content's 64 MiB.
  // Not in a sanitizer build, where ASan's quarantine and shadow memory keep freed buffers
  // resident, so RSS says nothing about what the code holds (the e2e memory test is left out
  // of that build for the same reason).
  const long grown_kib = PeakRssKiB() - rss_before;
  INFO("peak RSS grew by " << grown_kib << " KiB");
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(grown_kib < 32 * 1024);
#endif
}

}  // namespace
}  // namespace mlvc::server::store::pack
