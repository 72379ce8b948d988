// The pack format: round trips over the in-memory and filesystem blob stores, compression
// only where it pays, and corruption detected on read (DATA_LOSS, never wrong bytes).
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "common/hash/sha256.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/in_memory_blob_store.h"
#include "server/store/pack/pack.h"
#include "tests/support/temp_dir.h"

namespace mlvc::server::store::pack {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

std::string TextBytes(size_t n) {
  std::string out;
  for (int i = 0; out.size() < n; ++i) {
    out += "epoch " + std::to_string(i % 97) + " loss 0.0" + std::to_string(i % 13) + "\n";
  }
  out.resize(n);
  return out;
}

struct Written {
  PackInfo info;
  std::vector<std::string> bytes;  // chunk bytes in pack order
};

Written WritePack(BlobStore* blobs, const std::vector<std::string>& chunks) {
  Written w;
  auto writer = PackWriter::Create(blobs, PackOptions());
  REQUIRE(writer.ok());
  for (const std::string& c : chunks) {
    REQUIRE((*writer)->Add(common::Sha256Hex(c), c).ok());
    w.bytes.push_back(c);
  }
  auto info = (*writer)->Finish();
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  w.info = *std::move(info);
  return w;
}

void CheckRoundTrip(BlobStore* blobs) {
  const std::string text = TextBytes(32 * 1024);
  const std::string random = RandomBytes(32 * 1024, 7);
  const std::string tiny = "x";
  Written w = WritePack(blobs, {text, random, tiny, ""});
  REQUIRE(w.info.chunks.size() == 4);

  // The compressible chunk is stored compressed and smaller; the random one raw.
  CHECK(w.info.chunks[0].codec == static_cast<int>(Codec::kZstd));
  CHECK(w.info.chunks[0].stored_length < text.size() / 4);
  CHECK(w.info.chunks[1].codec == static_cast<int>(Codec::kRaw));
  CHECK(w.info.chunks[1].stored_length == random.size());
  CHECK(w.info.chunks[2].codec == static_cast<int>(Codec::kRaw));  // 1 byte: zstd cannot pay
  CHECK(w.info.chunks[3].stored_length == 0);
  CHECK(w.info.chunks[0].offset == kPackHeaderSize);

  // The index read back from the object alone equals what the writer recorded.
  auto index = ReadPackIndex(blobs, w.info.key);
  INFO(index.status().ToString());
  REQUIRE(index.ok());
  CHECK(index->size == w.info.size);
  REQUIRE(index->chunks.size() == w.info.chunks.size());
  for (size_t i = 0; i < w.info.chunks.size(); ++i) {
    CHECK(index->chunks[i].hash == w.info.chunks[i].hash);
    CHECK(index->chunks[i].offset == w.info.chunks[i].offset);
    CHECK(index->chunks[i].stored_length == w.info.chunks[i].stored_length);
    CHECK(index->chunks[i].raw_length == w.info.chunks[i].raw_length);
    CHECK(index->chunks[i].codec == w.info.chunks[i].codec);
  }

  // Every chunk reads back byte-identical, in order (one open reader) and alone.
  PackReader reader(blobs);
  std::string got;
  for (size_t i = 0; i < w.bytes.size(); ++i) {
    REQUIRE(reader.ReadChunk(ChunkLocation{w.info.chunks[i], w.info.key}, &got).ok());
    CHECK(got == w.bytes[i]);
  }
  REQUIRE(ReadChunk(blobs, ChunkLocation{w.info.chunks[1], w.info.key}, &got).ok());
  CHECK(got == random);
  REQUIRE(reader.ReadChunk(ChunkLocation{w.info.chunks[0], w.info.key}, &got).ok());
  CHECK(got == text);  // backwards: the reader reopens
  CHECK(VerifyPack(blobs, w.info.key).ok());
}

TEST_CASE("pack round trip in memory", "[pack]") {
  InMemoryBlobStore blobs;
  CheckRoundTrip(&blobs);
  CHECK(blobs.ObjectCount() == 1);
}

TEST_CASE("pack round trip on the filesystem", "[pack]") {
  mlvc::testing::TempDir dir;
  auto blobs = FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(blobs.ok());
  CheckRoundTrip(blobs->get());
}

TEST_CASE("pack writer rejects a malformed chunk hash", "[pack]") {
  InMemoryBlobStore blobs;
  auto writer = PackWriter::Create(&blobs, PackOptions());
  REQUIRE(writer.ok());
  CHECK((*writer)->Add("not-a-hash", "abc").code() == absl::StatusCode::kInvalidArgument);
  CHECK((*writer)->Add(std::string(64, 'A'), "abc").code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("pack writer destroyed unfinished leaves no object", "[pack]") {
  InMemoryBlobStore blobs;
  {
    auto writer = PackWriter::Create(&blobs, PackOptions());
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Add(common::Sha256Hex("abc"), "abc").ok());
  }
  CHECK(blobs.ObjectCount() == 0);
}

TEST_CASE("pack writer reports full at its target size", "[pack]") {
  InMemoryBlobStore blobs;
  PackOptions options;
  options.target_size = 100 * 1024;
  auto writer = PackWriter::Create(&blobs, options);
  REQUIRE(writer.ok());
  int added = 0;
  while (!(*writer)->full()) {
    const std::string c = RandomBytes(16 * 1024, static_cast<uint32_t>(added));
    REQUIRE((*writer)->Add(common::Sha256Hex(c), c).ok());
    ++added;
  }
  CHECK(added == 7);  // 16 B header + 7 x 16 KiB raw >= 100 KiB, 6 x 16 KiB is not
}

TEST_CASE("a wrong expected hash or unknown pack is never served", "[pack]") {
  InMemoryBlobStore blobs;
  Written w = WritePack(&blobs, {TextBytes(10000), RandomBytes(5000, 3)});
  for (ChunkRecord c : w.info.chunks) {
    c.hash = common::Sha256Hex("something else");
    std::string got = "stale";
    CHECK(ReadChunk(&blobs, ChunkLocation{c, w.info.key}, &got).code() ==
          absl::StatusCode::kDataLoss);
    CHECK(got.empty());
  }
  ChunkRecord bad_codec = w.info.chunks[1];
  bad_codec.codec = 9;
  std::string got;
  CHECK(ReadChunk(&blobs, ChunkLocation{bad_codec, w.info.key}, &got).code() ==
        absl::StatusCode::kDataLoss);
  ChunkRecord past_end = w.info.chunks[1];
  past_end.offset = w.info.size - 10;
  CHECK(ReadChunk(&blobs, ChunkLocation{past_end, w.info.key}, &got).code() ==
        absl::StatusCode::kDataLoss);
  CHECK(ReadChunk(&blobs, ChunkLocation{w.info.chunks[0], common::Sha256Hex("none")}, &got)
            .code() == absl::StatusCode::kNotFound);
}

// Flips one byte of the object's file on disk.
void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x20);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  REQUIRE(f.good());
}

std::string ObjectFile(const FsBlobStore& blobs, const std::string& key) {
  return blobs.root() + "/objects/" + key.substr(0, 2) + "/" + key.substr(2, 2) + "/" + key;
}

TEST_CASE("a corrupted byte in a pack on disk is DATA_LOSS on read", "[pack]") {
  mlvc::testing::TempDir dir;
  auto opened = FsBlobStore::Open(dir.Sub("blobs"));
  REQUIRE(opened.ok());
  FsBlobStore& blobs = **opened;
  const std::string text = TextBytes(40000);
  const std::string random = RandomBytes(40000, 11);
  Written w = WritePack(&blobs, {text, random});
  const std::string file = ObjectFile(blobs, w.info.key);
  REQUIRE(VerifyPack(&blobs, w.info.key).ok());

  SECTION("in a compressed chunk") {
    REQUIRE(w.info.chunks[0].codec == static_cast<int>(Codec::kZstd));
    FlipByte(file, w.info.chunks[0].offset + w.info.chunks[0].stored_length / 2);
    std::string got = "stale";
    const absl::Status s = ReadChunk(&blobs, ChunkLocation{w.info.chunks[0], w.info.key}, &got);
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK(got != text);
    // The other chunk is intact and still served.
    REQUIRE(ReadChunk(&blobs, ChunkLocation{w.info.chunks[1], w.info.key}, &got).ok());
    CHECK(got == random);
    CHECK(VerifyPack(&blobs, w.info.key).code() == absl::StatusCode::kDataLoss);
  }
  SECTION("in a raw chunk") {
    FlipByte(file, w.info.chunks[1].offset + 12345);
    std::string got = "stale";
    CHECK(ReadChunk(&blobs, ChunkLocation{w.info.chunks[1], w.info.key}, &got).code() ==
          absl::StatusCode::kDataLoss);
    CHECK(got.empty());
    CHECK(VerifyPack(&blobs, w.info.key).code() == absl::StatusCode::kDataLoss);
  }
  SECTION("in the index") {
    FlipByte(file, w.info.size - kPackFooterSize - 5);
    CHECK(ReadPackIndex(&blobs, w.info.key).status().code() == absl::StatusCode::kDataLoss);
  }
  SECTION("in the footer") {
    FlipByte(file, w.info.size - 3);
    CHECK(ReadPackIndex(&blobs, w.info.key).status().code() == absl::StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace mlvc::server::store::pack
