// Unit tests of client/cache: the on-disk chunk cache (round trip, eviction at the cap in
// least-recently-used order, corruption detected, several writers at once) and its size
// setting. Real files in a temporary folder; no server.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "client/cache/chunk_cache.h"
#include "common/hash/sha256.h"
#include "tests/support/temp_dir.h"

namespace mlvc::client::cache {
namespace {

namespace fs = std::filesystem;
using ::mlvc::testing::TempDir;

constexpr uint64_t kKiB = 1024;

// A distinct 8 KiB chunk per (set, index).
std::string ChunkBytes(int set, int index) {
  std::string data(8 * kKiB, '\0');
  uint64_t state = static_cast<uint64_t>(set) * 1000003u + static_cast<uint64_t>(index) + 1;
  for (char& c : data) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>(state >> 56);
  }
  return data;
}
std::string HashOf(const std::string& data) { return common::Sha256Hex(data); }

std::unique_ptr<ChunkCache> OpenCache(const std::string& dir, uint64_t max_bytes,
                                      uint64_t segment_bytes = 64 * kKiB) {
  CacheOptions options;
  options.dir = dir;
  options.max_bytes = max_bytes;
  options.segment_bytes = segment_bytes;
  absl::StatusOr<std::unique_ptr<ChunkCache>> cache = ChunkCache::Open(options);
  REQUIRE(cache.ok());
  return *std::move(cache);
}

void PutSet(ChunkCache& cache, int set, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string data = ChunkBytes(set, i);
    REQUIRE(cache.Put(HashOf(data), data).ok());
  }
}

// Sets the modification time of every segment now in `dir` to `seconds_ago`.
void AgeSegments(const std::string& dir, int seconds_ago) {
  const struct timespec now = {::time(nullptr) - seconds_ago, 0};
  const struct timespec times[2] = {now, now};
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".dat") {
      REQUIRE(::utimensat(AT_FDCWD, entry.path().c_str(), times, 0) == 0);
    }
  }
}

TEST_CASE("ChunkCache returns what was put and keeps it across instances", "[cache]") {
  TempDir dir;
  {
    auto cache = OpenCache(dir.Sub("c"), 1 << 20);
    PutSet(*cache, 1, 20);
    const std::string data = ChunkBytes(1, 3);
    std::optional<std::string> got = cache->Get(HashOf(data));
    REQUIRE(got.has_value());
    CHECK(*got == data);
    CHECK_FALSE(cache->Get(HashOf(ChunkBytes(2, 0))).has_value());
    REQUIRE(cache->Close().ok());
  }
  auto again = OpenCache(dir.Sub("c"), 1 << 20);
  for (int i = 0; i < 20; ++i) {
    const std::string data = ChunkBytes(1, i);
    CHECK(again->Contains(HashOf(data)));
    std::optional<std::string> got = again->Get(HashOf(data));
    REQUIRE(got.has_value());
    CHECK(*got == data);
  }
  CHECK(again->stats().hits == 20);
  CHECK(again->stats().hit_bytes == 20 * 8 * kKiB);
  // 20 chunks in segments of at most 64 KiB: a few files, not one per chunk.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.Sub("c"))) ++files;
  CHECK(files <= 2 * 3 + 1);
}

TEST_CASE("ChunkCache evicts least recently used segments down to its cap", "[cache]") {
  TempDir dir;
  const std::string path = dir.Sub("c");
  const uint64_t cap = 640 * kKiB;
  {
    auto cache = OpenCache(path, cap);
    PutSet(*cache, 1, 16);  // set A: two 64 KiB segments
    REQUIRE(cache->Close().ok());
  }
  AgeSegments(path, 300);
  {
    auto cache = OpenCache(path, cap);
    PutSet(*cache, 2, 48);  // set B: six segments
    REQUIRE(cache->Close().ok());
  }
  // Segments of B only (A's are older).
  {
    const struct timespec then = {::time(nullptr) - 100, 0};
    const struct timespec times[2] = {then, then};
    for (const auto& entry : fs::directory_iterator(path)) {
      struct stat st;
      REQUIRE(::stat(entry.path().c_str(), &st) == 0);
      if (entry.path().extension() == ".dat" && st.st_mtime > ::time(nullptr) - 200) {
        REQUIRE(::utimensat(AT_FDCWD, entry.path().c_str(), times, 0) == 0);
      }
    }
  }
  auto cache = OpenCache(path, cap);
  CHECK(cache->DiskBytes() <= cap);
  // Reading a chunk of A's first segment makes that segment the most recently used.
  REQUIRE(cache->Get(HashOf(ChunkBytes(1, 0))).has_value());
  PutSet(*cache, 3, 24);  // set C: three segments, past the cap
  REQUIRE(cache->Close().ok());
  CHECK(cache->DiskBytes() <= cap);
  CHECK(cache->stats().evicted_segments >= 2);

  auto after = OpenCache(path, cap);
  CHECK(after->Get(HashOf(ChunkBytes(1, 0))).has_value());      // read recently: kept
  CHECK_FALSE(after->Contains(HashOf(ChunkBytes(1, 8))));       // A's other segment: oldest
  int b_left = 0;  // B's segments are older than C's: some of them went
  for (int i = 0; i < 48; ++i) b_left += after->Contains(HashOf(ChunkBytes(2, i))) ? 1 : 0;
  CHECK(b_left < 48);
  for (int i = 0; i < 24; ++i) CHECK(after->Contains(HashOf(ChunkBytes(3, i))));
}

TEST_CASE("ChunkCache drops a corrupt entry instead of returning it", "[cache]") {
  TempDir dir;
  const std::string path = dir.Sub("c");
  {
    auto cache = OpenCache(path, 1 << 20);
    PutSet(*cache, 1, 4);
    REQUIRE(cache->Close().ok());
  }
  // Flip a byte of the second chunk, and add a garbled index record.
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().extension() == ".dat") {
      std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(static_cast<std::streamoff>(8 * kKiB + 100));
      file.put('\x5a' ^ ChunkBytes(1, 1)[100]);
    } else if (entry.path().extension() == ".idx") {
      std::ofstream(entry.path(), std::ios::app | std::ios::binary) << std::string(48, 'x');
    }
  }
  auto cache = OpenCache(path, 1 << 20);
  const std::string bad = HashOf(ChunkBytes(1, 1));
  CHECK(cache->Contains(bad));
  CHECK_FALSE(cache->Get(bad).has_value());
  CHECK(cache->stats().corrupt == 1);
  CHECK_FALSE(cache->Contains(bad));
  for (int i : {0, 2, 3}) CHECK(cache->Get(HashOf(ChunkBytes(1, i))) == ChunkBytes(1, i));
  // Putting the good bytes again makes the chunk readable (the newer segment wins).
  const std::string good = ChunkBytes(1, 1);
  REQUIRE(cache->Put(bad, good).ok());
  CHECK(cache->Get(bad) == good);
  REQUIRE(cache->Close().ok());
  auto reopened = OpenCache(path, 1 << 20);
  CHECK(reopened->Get(bad) == good);
}

TEST_CASE("ChunkCache takes writers from several processes at once", "[cache]") {
  TempDir dir;
  const std::string path = dir.Sub("c");
  const uint64_t cap = 4 << 20;
  std::vector<pid_t> children;
  for (int p = 0; p < 3; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Each child: its own chunks plus a set every child writes.
      int failures = 0;
      {
        CacheOptions options;
        options.dir = path;
        options.max_bytes = cap;
        options.segment_bytes = 64 * kKiB;
        auto cache = ChunkCache::Open(options);
        if (!cache.ok()) ::_exit(2);
        for (int i = 0; i < 100; ++i) {
          const std::string own = ChunkBytes(10 + p, i);
          const std::string shared = ChunkBytes(99, i);
          if (!(*cache)->Put(HashOf(own), own).ok()) ++failures;
          if (!(*cache)->Put(HashOf(shared), shared).ok()) ++failures;
        }
        if (!(*cache)->Close().ok()) ++failures;
      }
      ::_exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto cache = OpenCache(path, cap);
  CHECK(cache->DiskBytes() <= cap);
  // Whatever the eviction kept reads back whole; the newest writes were all kept.
  int present = 0;
  for (int set : {10, 11, 12, 99}) {
    for (int i = 0; i < 100; ++i) {
      const std::string data = ChunkBytes(set, i);
      if (!cache->Contains(HashOf(data))) continue;
      ++present;
      CHECK(cache->Get(HashOf(data)) == data);
    }
  }
  CHECK(cache->stats().corrupt == 0);
  CHECK(present >= 300);
  for (int i = 90; i < 100; ++i) CHECK(cache->Contains(HashOf(ChunkBytes(99, i))));
}

TEST_CASE("A disabled ChunkCache stores nothing and touches no disk", "[cache]") {
  TempDir dir;
  auto cache = OpenCache(dir.Sub("c"), 0);
  CHECK_FALSE(cache->enabled());
  const std::string data = ChunkBytes(1, 0);
  REQUIRE(cache->Put(HashOf(data), data).ok());
  CHECK_FALSE(cache->Contains(HashOf(data)));
  CHECK_FALSE(cache->Get(HashOf(data)).has_value());
  CHECK_FALSE(fs::exists(dir.Sub("c")));
}

TEST_CASE("ParseCacheSize reads bytes and binary units and refuses the rest", "[cache]") {
  CHECK(ParseCacheSize("0").value() == 0);
  CHECK(ParseCacheSize("1048576").value() == 1048576);
  CHECK(ParseCacheSize("512M").value() == 512ull << 20);
  CHECK(ParseCacheSize("2G").value() == 2ull << 30);
  CHECK(ParseCacheSize("2GiB").value() == 2ull << 30);
  CHECK(ParseCacheSize("1.5g").value() == 3ull << 29);
  CHECK(ParseCacheSize("64KB").value() == 64ull << 10);
  for (const char* bad : {"", "lots", "-1", "1X", "1.2.3G", "G"}) {
    INFO(bad);
    CHECK(absl::IsInvalidArgument(ParseCacheSize(bad).status()));
  }
}

TEST_CASE("DefaultCacheOptions follows XDG_CACHE_HOME then HOME and MLVC_CACHE_SIZE", "[cache]") {
  ::setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
  ::setenv("HOME", "/home/someone", 1);
  ::unsetenv("MLVC_CACHE_SIZE");
  CHECK(DefaultCacheOptions()->dir == "/somewhere/cache/mlvc/chunks-v1");
  CHECK(DefaultCacheOptions()->max_bytes == kDefaultCacheBytes);
  ::unsetenv("XDG_CACHE_HOME");
  CHECK(DefaultCacheOptions()->dir == "/home/someone/.cache/mlvc/chunks-v1");
  ::setenv("MLVC_CACHE_SIZE", "100M", 1);
  CHECK(DefaultCacheOptions()->max_bytes == 100ull << 20);
  ::setenv("MLVC_CACHE_SIZE", "big", 1);
  absl::StatusOr<CacheOptions> bad = DefaultCacheOptions();
  REQUIRE(absl::IsInvalidArgument(bad.status()));
  CHECK_THAT(std::string(bad.status().message()), Catch::Matchers::Contains("MLVC_CACHE_SIZE"));
  ::unsetenv("MLVC_CACHE_SIZE");
}

}  // namespace
}  // namespace mlvc::client::cache
