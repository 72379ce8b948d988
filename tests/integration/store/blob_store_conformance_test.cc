// The BlobStore contract, run against every implementation.
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "common/hash/sha256.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/blob/s3_blob_store.h"
#include "server/store/in_memory_blob_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_blobs.h"

namespace mlvc::server::store {
namespace {

// Owns one store of each kind (and, for the filesystem, its folder).
template <typename Store>
struct Harness;

template <>
struct Harness<FsBlobStore> {
  mlvc::testing::TempDir dir;
  std::unique_ptr<FsBlobStore> store;
  Harness() {
    auto opened = FsBlobStore::Open(dir.Sub("blobs"));
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }
  // Files left in tmp/ (a writer that did not commit must leave none).
  size_t TempFiles() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.Sub("blobs/tmp"))) ++n;
    return n;
  }
};

template <>
struct Harness<InMemoryBlobStore> {
  std::unique_ptr<InMemoryBlobStore> store = std::make_unique<InMemoryBlobStore>();
  size_t TempFiles() const { return 0; }
};

// On the test S3 server (the "s3" fixture), under a fresh prefix. Uncommitted multipart
// uploads are checked by s3_blob_store_test (s3rver cannot list them).
template <>
struct Harness<S3BlobStore> {
  std::unique_ptr<S3BlobStore> store;
  Harness() {
    const S3Config config = mlvc::testing::TestS3Config();
    REQUIRE_FALSE(config.endpoint.empty());
    auto opened = S3BlobStore::Open(config);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }
  size_t TempFiles() const { return 0; }
};

std::string Key(std::string_view bytes) { return common::Sha256Hex(bytes); }

absl::Status Put(BlobStore& store, const std::string& key, std::string_view bytes) {
  auto writer = store.NewWriter(key);
  if (!writer.ok()) return writer.status();
  if (auto s = (*writer)->Append(bytes); !s.ok()) return s;
  return (*writer)->Commit();
}

std::string ReadAll(BlobStore& store, const std::string& key, uint64_t offset, size_t piece) {
  auto reader = store.Open(key, offset);
  REQUIRE(reader.ok());
  std::string all, chunk;
  while (true) {
    REQUIRE((*reader)->Read(piece, &chunk).ok());
    if (chunk.empty()) break;
    REQUIRE(chunk.size() <= piece);
    all += chunk;
  }
  return all;
}

TEMPLATE_TEST_CASE("BlobStore: write - commit - read back", "[blob]", FsBlobStore,
                   InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  BlobStore& store = *h.store;
  const std::string bytes = "hello, blob store\n";
  const std::string key = Key(bytes);
  CHECK_FALSE(*store.Exists(key));
  auto writer = store.NewWriter(key);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append("hello, ").ok());
  REQUIRE((*writer)->Append("").ok());
  REQUIRE((*writer)->Append("blob store\n").ok());
  CHECK_FALSE(*store.Exists(key));  // not visible before Commit
  REQUIRE((*writer)->Commit().ok());
  writer->reset();
  CHECK(*store.Exists(key));
  CHECK(h.TempFiles() == 0);

  auto reader = store.Open(key, 0);
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == bytes.size());
  CHECK(ReadAll(store, key, 0, 4) == bytes);
  CHECK(ReadAll(store, key, 7, 100) == "blob store\n");
  CHECK(ReadAll(store, key, bytes.size(), 100).empty());  // offset == size: empty, OK
}

TEMPLATE_TEST_CASE("BlobStore: an uncommitted writer leaves nothing", "[blob]", FsBlobStore,
                   InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  const std::string key = Key("abandoned");
  {
    auto writer = h.store->NewWriter(key);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append("abandoned").ok());
  }
  CHECK_FALSE(*h.store->Exists(key));
  CHECK(h.store->Open(key, 0).status().code() == absl::StatusCode::kNotFound);
  CHECK(h.TempFiles() == 0);
}

TEMPLATE_TEST_CASE("BlobStore: committing an existing key keeps it", "[blob]", FsBlobStore,
                   InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  const std::string bytes = "same bytes";
  const std::string key = Key(bytes);
  REQUIRE(Put(*h.store, key, bytes).ok());
  // Two writers of one key at once, as two concurrent uploads of the same file would be.
  auto a = h.store->NewWriter(key);
  auto b = h.store->NewWriter(key);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE((*a)->Append(bytes).ok());
  REQUIRE((*b)->Append(bytes).ok());
  CHECK((*a)->Commit().ok());
  CHECK((*b)->Commit().ok());
  a->reset();
  b->reset();
  CHECK(ReadAll(*h.store, key, 0, 3) == bytes);
  CHECK(h.TempFiles() == 0);
}

TEMPLATE_TEST_CASE("BlobStore: NOT_FOUND - OUT_OF_RANGE - delete", "[blob]", FsBlobStore,
                   InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  const std::string bytes = "12345";
  const std::string key = Key(bytes);
  CHECK(h.store->Open(key, 0).status().code() == absl::StatusCode::kNotFound);
  REQUIRE(Put(*h.store, key, bytes).ok());
  CHECK(h.store->Open(key, 6).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(h.store->Open(key, 5).ok());
  // A reader opened before Delete keeps reading what it opened.
  auto reader = h.store->Open(key, 1);
  REQUIRE(reader.ok());
  CHECK(h.store->Delete(key).ok());
  CHECK(h.store->Delete(key).ok());  // already absent: OK
  CHECK_FALSE(*h.store->Exists(key));
  std::string out;
  REQUIRE((*reader)->Read(10, &out).ok());
  CHECK(out == "2345");
}

TEMPLATE_TEST_CASE("BlobStore: keys that are not content ids are rejected", "[blob]",
                   FsBlobStore, InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  const std::string good = Key("x");
  for (const std::string& bad :
       {std::string(""), std::string("../../etc/passwd"), good.substr(0, 63), good + "0",
        std::string(64, 'G'), std::string(64, 'A'), "/" + good.substr(1),
        good.substr(0, 62) + "/.", good.substr(0, 63) + std::string(1, '\0')}) {
    INFO(bad);
    CHECK(h.store->NewWriter(bad).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(h.store->Open(bad, 0).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(h.store->Exists(bad).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(h.store->Delete(bad).code() == absl::StatusCode::kInvalidArgument);
  }
}

TEMPLATE_TEST_CASE("BlobStore: a 64 MiB object streams in pieces", "[blob]", FsBlobStore,
                   InMemoryBlobStore, S3BlobStore) {
  Harness<TestType> h;
  constexpr size_t kPiece = 1 << 20;
  constexpr size_t kPieces = 64;
  // Each piece differs, so a misplaced piece changes the hash.
  auto piece = [](size_t i) {
    std::string p(kPiece, static_cast<char>('a' + i % 26));
    p.replace(0, 8, std::to_string(10000000 + i));
    return p;
  };
  common::Sha256 hasher;
  for (size_t i = 0; i < kPieces; ++i) hasher.Update(piece(i));
  const std::string key = hasher.FinishHex();

  auto writer = h.store->NewWriter(key);
  REQUIRE(writer.ok());
  for (size_t i = 0; i < kPieces; ++i) REQUIRE((*writer)->Append(piece(i)).ok());
  REQUIRE((*writer)->Commit().ok());

  auto reader = h.store->Open(key, 0);
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == kPiece * kPieces);
  common::Sha256 check;
  std::string chunk;
  uint64_t total = 0;
  while (true) {
    REQUIRE((*reader)->Read(256 * 1024, &chunk).ok());
    if (chunk.empty()) break;
    total += chunk.size();
    check.Update(chunk);
  }
  CHECK(total == kPiece * kPieces);
  CHECK(check.FinishHex() == key);

  // From an offset inside the last piece.
  auto tail = h.store->Open(key, kPiece * kPieces - 10);
  REQUIRE(tail.ok());
  REQUIRE((*tail)->Read(100, &chunk).ok());
  CHECK(chunk == piece(kPieces - 1).substr(kPiece - 10));
}

TEST_CASE("FsBlobStore lays objects out by fan-out and refuses a relative root", "[blob]") {
  mlvc::testing::TempDir dir;
  auto store = FsBlobStore::Open(dir.Sub("b"));
  REQUIRE(store.ok());
  const std::string key = Key("laid out");
  REQUIRE(Put(**store, key, "laid out").ok());
  CHECK(std::filesystem::is_regular_file(
      dir.Sub("b/objects/" + key.substr(0, 2) + "/" + key.substr(2, 2) + "/" + key)));
  CHECK(FsBlobStore::Open("relative/path").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(FsBlobStore::Open("").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlvc::server::store
