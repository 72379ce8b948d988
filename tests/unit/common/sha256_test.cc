#include "common/hash/sha256.h"

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace mlvc::common {
namespace {

constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST_CASE("sha256: known vectors", "[common][sha256]") {
  CHECK(Sha256Hex("") == kEmpty);
  CHECK(Sha256Hex("abc") == kAbc);
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256: incremental equals one-shot", "[common][sha256]") {
  Sha256 h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  CHECK(h.FinishHex() == kAbc);
}

TEST_CASE("sha256: content ids", "[common][sha256]") {
  CHECK(IsContentId(kEmpty));
  CHECK_FALSE(IsContentId(""));
  CHECK_FALSE(IsContentId(std::string(kEmpty).substr(1)));
  std::string upper(kEmpty);
  upper[0] = 'E';
  CHECK_FALSE(IsContentId(upper));
  CHECK_FALSE(IsContentId(std::string(kEmpty) + "0"));
  CHECK_FALSE(IsContentId(std::string(63, '0') + "g"));
}

TEST_CASE("sha256: file hash streams multi-MiB files", "[common][sha256]") {
  testing::TempDir dir;
  std::string bytes;
  bytes.reserve(5 * 1024 * 1024 + 123);
  uint32_t x = 12345;
  while (bytes.size() < 5 * 1024 * 1024 + 123) {
    x = x * 1103515245u + 12345u;
    bytes.push_back(static_cast<char>(x >> 16));
  }
  const std::string path = dir.Sub("big.bin");
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
  absl::StatusOr<FileDigest> d = Sha256File(path);
  REQUIRE(d.ok());
  CHECK(d->size == bytes.size());
  CHECK(d->content_id == Sha256Hex(bytes));

  const std::string empty = dir.Sub("empty");
  std::ofstream(empty, std::ios::binary).close();
  absl::StatusOr<FileDigest> e = Sha256File(empty);
  REQUIRE(e.ok());
  CHECK(e->size == 0);
  CHECK(e->content_id == kEmpty);

  CHECK(Sha256File(dir.Sub("absent")).status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mlvc::common
