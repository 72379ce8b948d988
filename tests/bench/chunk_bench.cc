// Measures the chunker for choosing its sizes (figures recorded in common/chunk/README.md):
// per candidate average size, the chunk count and throughput on a random file, and the
// fraction of bytes that a re-push would send (bytes of chunks not in the old version) after
//   - scattered: 1% of the bytes overwritten in randomly placed 4 KiB blocks,
//   - insert:    1 MiB inserted at the start,
//   - contiguous: 1% of the bytes overwritten in one run in the middle (for context).
// Then ChunkFile (chunk + SHA-256 per chunk) on the file written to disk, with and without
// the second hashing thread.
//
// Build and run (optimized; from the repository root):
//   g++ -O2 -std=c++20 -I. tests/bench/chunk_bench.cc common/chunk/fastcdc.cc
//     common/hash/sha256.cc $(pkg-config --libs absl_statusor) -lcrypto -o /tmp/chunk_bench
//   /tmp/chunk_bench [size_mib=256] [file_for_chunkfile=/tmp/chunk_bench.bin]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/chunk/fastcdc.h"
#include "common/hash/sha256.h"

namespace {

using mlvc::common::ChunkBuffer;
using mlvc::common::ChunkerOptions;
using mlvc::common::ChunkRef;

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string RandomBytes(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t v = SplitMix64(&seed);
    std::memcpy(out.data() + i, &v, std::min<size_t>(8, size - i));
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of this thread: on a loaded machine wall time measures the neighbours.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Content key of a chunk for the dedup sets: a 64-bit hash is plenty for this measurement.
uint64_t Key(std::string_view data, const ChunkRef& c) {
  return std::hash<std::string_view>()(data.substr(c.offset, c.length)) ^ (c.length << 1);
}

// Fraction of `base_size` that re-pushing `edited` sends, given the chunks of the old version.
double ResentFraction(const std::unordered_set<uint64_t>& old_keys, std::string_view edited,
                      const ChunkerOptions& options, size_t base_size) {
  uint64_t resent = 0;
  for (const ChunkRef& c : ChunkBuffer(edited, options)) {
    if (!old_keys.count(Key(edited, c))) resent += c.length;
  }
  return static_cast<double>(resent) / static_cast<double>(base_size);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t size = (argc > 1 ? std::stoul(argv[1]) : 256) << 20;
  const std::string path = argc > 2 ? argv[2] : "/tmp/chunk_bench.bin";
  const std::string base = RandomBytes(size, 42);

  // Edited versions.
  std::string scattered = base;
  uint64_t rng = 7;
  const size_t blocks = size / 100 / 4096;
  const size_t slots = size / 4096;
  std::vector<bool> used(slots, false);
  for (size_t k = 0; k < blocks;) {
    const size_t slot = SplitMix64(&rng) % slots;
    if (used[slot]) continue;
    used[slot] = true;
    const std::string patch = RandomBytes(4096, SplitMix64(&rng));
    scattered.replace(slot * 4096, 4096, patch);
    ++k;
  }
  const std::string inserted = RandomBytes(1 << 20, 99) + base;
  std::string contiguous = base;
  contiguous.replace(size / 2, size / 100, RandomBytes(size / 100, 5));

  const double cpu0 = ThreadCpuSeconds();
  std::string sha = mlvc::common::Sha256Hex(base);
  const double sha_mbps = size / 1e6 / (ThreadCpuSeconds() - cpu0);
  auto t0 = std::chrono::steady_clock::now();

  std::printf("input %zu MiB random; %zu scattered 4 KiB blocks; "
              "SHA-256 whole buffer %.0f MB/s (CPU time)\n",
              size >> 20, blocks, sha_mbps);
  std::printf("%-8s %-8s %-8s %10s %10s %8s %11s %9s %11s\n", "avg", "min", "max", "chunks",
              "mean", "cpuMB/s", "scattered%", "insert%", "contiguous%");
  // Candidates: FastCDC's usual min = avg/4, max = 8 x avg at each average, plus tighter
  // ranges at the small averages (the scattered case pays for long chunks).
  const std::vector<ChunkerOptions> candidates = {
      {1u << 10, 4u << 10, 32u << 10},  {2u << 10, 4u << 10, 16u << 10},
      {2u << 10, 8u << 10, 64u << 10},  {4u << 10, 8u << 10, 16u << 10},
      {4u << 10, 16u << 10, 128u << 10}, {8u << 10, 32u << 10, 256u << 10},
      {16u << 10, 64u << 10, 512u << 10}, {64u << 10, 256u << 10, 2u << 20},
      {256u << 10, 1u << 20, 8u << 20}};
  for (const ChunkerOptions& options : candidates) {
    const uint32_t avg = options.avg_size;
    const double cpu0 = ThreadCpuSeconds();
    const std::vector<ChunkRef> chunks = ChunkBuffer(base, options);
    const double mbps = size / 1e6 / (ThreadCpuSeconds() - cpu0);
    std::unordered_set<uint64_t> keys;
    for (const ChunkRef& c : chunks) keys.insert(Key(base, c));
    std::printf("%-8u %-8u %-8u %10zu %10.0f %8.0f %11.2f %9.2f %11.2f\n", avg, options.min_size,
                options.max_size, chunks.size(), static_cast<double>(size) / chunks.size(), mbps,
                100 * ResentFraction(keys, scattered, options, size),
                100 * ResentFraction(keys, inserted, options, size),
                100 * ResentFraction(keys, contiguous, options, size));
    std::fflush(stdout);
  }

  {
    std::ofstream out(path, std::ios::binary);
    out.write(base.data(), static_cast<std::streamsize>(base.size()));
  }
  for (bool parallel : {false, true, false, true}) {
    t0 = std::chrono::steady_clock::now();
    auto digests = mlvc::common::ChunkFile(path, ChunkerOptions(), parallel);
    const double secs = Seconds(t0);
    if (!digests.ok()) {
      std::printf("ChunkFile failed: %s\n", digests.status().ToString().c_str());
      return 1;
    }
    std::printf("ChunkFile default options, %s: %zu chunks, %.0f MB/s\n",
                parallel ? "hash in 2nd thread" : "one thread", digests->size(),
                size / 1e6 / secs);
  }
  std::remove(path.c_str());
  return 0;
}
