// End to end: chunked, deduplicated, resumable transfer against a real mlvcd. The client
// operations (client/ops) run in this process so that a transfer can be interrupted at a
// chosen point (a TransferObserver that cancels, which breaks the streams as a killed client
// would) and the bytes that crossed the wire can be read back (TransferStats); the CLI cases
// check the same through the real mlvc binary and its --json output.
// Every figure asserted here is bytes of chunk data counted by the client's remote.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/ops/branch_ops.h"
#include "client/ops/checkout.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "client/ops/update.h"
#include "client/remote/remote.h"
#include "client/wc/working_copy.h"
#include "common/chunk/fastcdc.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"
#include "tests/e2e/support/transfer_fixture.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
namespace ops = ::mlvc::client::ops;
namespace wc = ::mlvc::client::wc;

constexpr uint64_t kMiB = 1 << 20;

// Stops the transfer at the first progress report with `limit` bytes or more across the
// wire (CancelWhen: the transfer stops at that report, however its threads run); records the
// last progress seen.
class StopAfter : public CancelWhen {
 public:
  explicit StopAfter(uint64_t limit)
      : CancelWhen([limit](const ops::TransferProgress& p) { return p.wire_bytes >= limit; }) {}
};

// A server, a repository, and this process's chunk cache in a fresh folder.
class Fixture : public TransferFixture {
 public:
  Fixture() : TransferFixture("weights") {}
};

std::string Describe(const ops::TransferStats& s) {
  return "sent " + std::to_string(s.chunk_bytes_sent) + " B in " + std::to_string(s.chunks_sent) +
         " chunks, received " + std::to_string(s.chunk_bytes_received) + " B in " +
         std::to_string(s.chunks_received) + " chunks, " + std::to_string(s.chunks_from_cache) +
         " chunks (" + std::to_string(s.bytes_from_cache) + " B) from the cache, whole " +
         std::to_string(s.whole_bytes_sent) + "/" + std::to_string(s.whole_bytes_received);
}

// Bytes of the chunks of the file at `path` that the fixture's server does not store.
uint64_t MissingBytes(const Fixture& f, const std::string& path) {
  absl::StatusOr<std::vector<common::ChunkDigest>> chunks = common::ChunkFile(path);
  REQUIRE(chunks.ok());
  absl::StatusOr<std::unique_ptr<client::remote::Remote>> remote =
      client::remote::Remote::Connect(f.endpoint.server, f.endpoint.token);
  REQUIRE(remote.ok());
  std::vector<std::string> hashes;
  std::map<std::string, uint64_t> length;
  for (const common::ChunkDigest& c : *chunks) {
    if (length.emplace(c.sha256, c.length).second) hashes.push_back(c.sha256);
  }
  absl::StatusOr<std::vector<std::string>> missing = (*remote)->FindMissingChunks(f.repository, hashes);
  INFO(missing.status().ToString());
  REQUIRE(missing.ok());
  uint64_t bytes = 0;
  for (const std::string& hash : *missing) bytes += length.at(hash);
  return bytes;
}

// Overwrites `length` bytes at `offset` of `path` with other pseudo-random bytes.
void Overwrite(const std::string& path, uint64_t offset, uint64_t length, uint64_t seed) {
  const std::string scratch = path + ".patch";
  WriteRandomFile(scratch, length, seed);
  const std::string patch = ReadFile(scratch);
  fs::remove(scratch);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(patch.data(), static_cast<std::streamsize>(patch.size()));
  REQUIRE(file.good());
}

TEST_CASE("an interrupted push re-run sends only the chunks the server lacks", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  constexpr uint64_t kSize = 96 * kMiB;
  WriteRandomFile(f.user.Sub("up/model.bin"), kSize, 11);

  StopAfter stop(kSize / 2);
  absl::StatusOr<ops::CommitResult> first = f.Commit("up", &stop);
  INFO(first.status().ToString());
  REQUIRE(absl::IsCancelled(first.status()));
  const uint64_t sent_before = stop.last.wire_bytes;
  REQUIRE(sent_before >= kSize / 2);
  CHECK(sent_before < kSize);  // stopped at the report past the limit, not at the end

  // What the server lacks now. How much of the broken stream it kept is not the client's
  // figure: messages in flight when the stream broke never reach it, and it stores the last
  // ones it read after the client has returned (how many depends on how the server's threads
  // ran). The stored set only grows, so what it lacks now bounds what the re-run, asking
  // later, may send; comparing with sent_before instead would race the server's cleanup.
  const uint64_t lacking = MissingBytes(f, f.user.Sub("up/model.bin"));
  CHECK(lacking < kSize);  // the server kept what it had stored before the break

  absl::StatusOr<ops::CommitResult> second = f.Commit("up");
  INFO(second.status().ToString());
  REQUIRE(second.ok());
  const ops::TransferStats& again = second->transfer;
  const std::string figure = "interrupted push of 96 MiB after " +
                             std::to_string(sent_before) + " B, server lacking " +
                             std::to_string(lacking) + " B; re-run " + Describe(again);
  std::cout << figure << std::endl;
  INFO(figure);
  // The re-run sends the rest and nothing the server already had.
  CHECK(again.chunk_bytes_sent + sent_before >= kSize);
  CHECK(again.chunk_bytes_sent <= lacking);
  CHECK(again.whole_bytes_sent == 0);
  CHECK(MissingBytes(f, f.user.Sub("up/model.bin")) == 0);

  REQUIRE(f.Checkout("down").ok());
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("down")));
}

TEST_CASE("re-pushing a file with 1% changed or 1 MiB inserted sends under 3% of it", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  constexpr uint64_t kSize = 64 * kMiB;
  const std::string model = f.user.Sub("up/model.bin");
  WriteRandomFile(model, kSize, 21);
  absl::StatusOr<ops::CommitResult> first = f.Commit("up");
  REQUIRE(first.ok());
  INFO("first push: " + Describe(first->transfer));
  CHECK(first->transfer.chunk_bytes_sent == kSize);

  // 1% overwritten in place, in the middle.
  Overwrite(model, kSize / 2, kSize / 100, 22);
  absl::StatusOr<ops::CommitResult> changed = f.Commit("up");
  REQUIRE(changed.ok());
  const double changed_share =
      static_cast<double>(changed->transfer.chunk_bytes_sent) / static_cast<double>(kSize);
  // 1 MiB inserted at the start.
  {
    const std::string body = ReadFile(model);
    WriteRandomFile(model + ".head", kMiB, 23);
    std::string head = ReadFile(model + ".head");
    fs::remove(model + ".head");
    WriteFile(model, head + body);
  }
  absl::StatusOr<ops::CommitResult> inserted = f.Commit("up");
  REQUIRE(inserted.ok());
  const double inserted_share =
      static_cast<double>(inserted->transfer.chunk_bytes_sent) / static_cast<double>(kSize);
  const std::string figure = "re-push of 64 MiB: 1% overwritten sent " +
                             std::to_string(changed->transfer.chunk_bytes_sent) + " B (" +
                             std::to_string(changed_share * 100) + "%); 1 MiB inserted sent " +
                             std::to_string(inserted->transfer.chunk_bytes_sent) + " B (" +
                             std::to_string(inserted_share * 100) + "%)";
  std::cout << figure << std::endl;
  INFO(figure);
  CHECK(changed_share < 0.03);
  CHECK(inserted_share < 0.03);

  REQUIRE(f.Checkout("down").ok());
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("down")));
}

TEST_CASE("a second checkout and a switch to a similar version fetch only new chunks", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  constexpr uint64_t kSize = 48 * kMiB;
  WriteRandomFile(f.user.Sub("up/model.bin"), kSize, 31);
  for (int i = 0; i < 200; ++i) {
    WriteFile(f.user.Sub("up/small/f" + std::to_string(i) + ".txt"),
              "file " + std::to_string(i) + "\n" + std::string(1000 + 10 * i, 'a' + i % 26));
  }
  REQUIRE(f.Commit("up").ok());

  absl::StatusOr<ops::CheckoutResult> cold = f.Checkout("cold");
  REQUIRE(cold.ok());
  absl::StatusOr<ops::CheckoutResult> warm = f.Checkout("warm");
  REQUIRE(warm.ok());
  const std::string figure = "checkout of 48 MiB + 200 small files: cold " +
                             Describe(cold->transfer) + "; warm " + Describe(warm->transfer);
  std::cout << figure << std::endl;
  INFO(figure);
  CHECK(cold->transfer.chunk_bytes_received >= kSize);
  CHECK(warm->transfer.chunk_bytes_received == 0);
  CHECK(warm->transfer.chunks_from_cache == cold->transfer.chunks_received);
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("warm")));

  // A branch where 1% of the model changed: switching to it fetches about that 1%.
  MLVC_OK(f.user, f.user.Sub("up"), "branch", "create", "exp");
  MLVC_OK(f.user, f.user.Sub("up"), "switch", "exp");
  Overwrite(f.user.Sub("up/model.bin"), kSize / 3, kSize / 100, 32);
  REQUIRE(f.Commit("up").ok());
  absl::StatusOr<wc::WorkingCopy> warm_copy = wc::WorkingCopy::Open(f.user.Sub("warm"));
  REQUIRE(warm_copy.ok());
  absl::StatusOr<ops::UpdateResult> switched = ops::Switch(*warm_copy, f.endpoint, "exp");
  REQUIRE(switched.ok());
  const std::string switch_figure = "switch to a 1%-changed branch: " + Describe(switched->transfer);
  std::cout << switch_figure << std::endl;
  INFO(switch_figure);
  CHECK(switched->transfer.chunk_bytes_received > 0);
  CHECK(switched->transfer.chunk_bytes_received < kSize * 3 / 100);
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("warm")));
}

TEST_CASE("an interrupted checkout re-run fetches only what it lacks and verifies every file", "[e2e][transfer][sanitized]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  constexpr uint64_t kSize = 64 * kMiB;
  WriteRandomFile(f.user.Sub("up/a.bin"), kSize / 2, 41);
  WriteRandomFile(f.user.Sub("up/b.bin"), kSize / 2, 42);
  REQUIRE(f.Commit("up").ok());

  StopAfter stop(kSize * 6 / 10);
  absl::StatusOr<ops::CheckoutResult> first = f.Checkout("down", &stop);
  REQUIRE(absl::IsCancelled(first.status()));
  const uint64_t received_before = stop.last.wire_bytes;
  // Stopped at the first report past the limit: the files were not all written.
  REQUIRE(received_before >= kSize * 6 / 10);
  CHECK(stop.last.bytes_done < kSize);

  // The interrupted working copy is completed by update (as `mlvc checkout` says), and a
  // fresh checkout elsewhere is served from the cache just the same.
  absl::StatusOr<wc::WorkingCopy> partial = wc::WorkingCopy::Open(f.user.Sub("down"));
  REQUIRE(partial.ok());
  absl::StatusOr<ops::UpdateResult> rest = ops::Update(*partial, f.endpoint, "");
  INFO(rest.status().ToString());
  REQUIRE(rest.ok());
  const std::string figure = "checkout of 64 MiB interrupted after " +
                             std::to_string(received_before) + " B; update " +
                             Describe(rest->transfer);
  std::cout << figure << std::endl;
  INFO(figure);
  // Everything received before the stop is in the cache, except a chunk per download
  // stream counted but not yet handed over when it came (at most 512 KiB each): those, and
  // whatever arrived after the stop, are fetched again. No bound here depends on timing.
  CHECK(rest->transfer.chunk_bytes_received + received_before >= kSize);
  CHECK(rest->transfer.chunk_bytes_received <= kSize - received_before + 8 * kMiB);
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("down")));
}

TEST_CASE("a corrupt chunk cache entry is fetched again and never written out", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  WriteRandomFile(f.user.Sub("up/model.bin"), 8 * kMiB, 51);
  REQUIRE(f.Commit("up").ok());
  REQUIRE(f.Checkout("cold").ok());
  // Flip bytes in the middle of every cache segment.
  int corrupted = 0;
  for (const auto& entry : fs::recursive_directory_iterator(f.cache_home.path())) {
    if (entry.path().extension() != ".dat" || entry.file_size() < 4096) continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(entry.file_size() / 2));
    file.write("CORRUPT!", 8);
    ++corrupted;
  }
  REQUIRE(corrupted > 0);
  absl::StatusOr<ops::CheckoutResult> again = f.Checkout("again");
  INFO(again.status().ToString());
  REQUIRE(again.ok());
  INFO(Describe(again->transfer));
  CHECK(again->transfer.chunks_received >= 1);
  CHECK(again->transfer.chunk_bytes_received < 8 * kMiB);
  CHECK(HashTree(f.user.Sub("up")) == HashTree(f.user.Sub("again")));
}

TEST_CASE("MLVC_CACHE_SIZE=0 turns the chunk cache off and a malformed size is refused", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  WriteRandomFile(f.user.Sub("up/model.bin"), 4 * kMiB, 71);
  REQUIRE(f.Commit("up").ok());
  ::setenv("MLVC_CACHE_SIZE", "0", 1);
  absl::StatusOr<ops::CheckoutResult> first = f.Checkout("a");
  absl::StatusOr<ops::CheckoutResult> second = f.Checkout("b");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->transfer.chunk_bytes_received == 4 * kMiB);
  CHECK(second->transfer.chunks_from_cache == 0);
  CHECK_FALSE(fs::exists(f.cache_home.Sub("mlvc")));

  ::setenv("MLVC_CACHE_SIZE", "lots", 1);
  absl::StatusOr<ops::CheckoutResult> refused = f.Checkout("c");
  REQUIRE(absl::IsInvalidArgument(refused.status()));
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Matchers::Contains("MLVC_CACHE_SIZE"));
  CHECK_FALSE(fs::exists(f.user.Sub("c")));  // refused before anything was created
  ::unsetenv("MLVC_CACHE_SIZE");
}

TEST_CASE("a file over a quarter of the cache cap is not cached - smaller ones are", "[e2e][transfer]") {
  Fixture f;
  REQUIRE(f.Checkout("up").ok());
  WriteRandomFile(f.user.Sub("up/big.bin"), 4 * kMiB, 81);
  WriteRandomFile(f.user.Sub("up/small.bin"), 1 * kMiB, 82);
  REQUIRE(f.Commit("up").ok());
  ::setenv("MLVC_CACHE_SIZE", "12M", 1);  // admits contents up to 3 MiB
  absl::StatusOr<ops::CheckoutResult> first = f.Checkout("a");
  absl::StatusOr<ops::CheckoutResult> second = f.Checkout("b");
  ::unsetenv("MLVC_CACHE_SIZE");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  INFO(Describe(second->transfer));
  CHECK(first->transfer.chunk_bytes_received == 5 * kMiB);
  // The small file comes from the cache, the big one from the server again.
  CHECK(second->transfer.bytes_from_cache == 1 * kMiB);
  CHECK(second->transfer.chunk_bytes_received == 4 * kMiB);
  CHECK(ReadFile(f.user.Sub("b/big.bin")) == ReadFile(f.user.Sub("up/big.bin")));
}

TEST_CASE("mlvc reports the chunk bytes it moved in --json", "[e2e][transfer]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  MLVC_OK(user, user.home(), "repo", "create", "data", "--server", server.address());
  MLVC_OK(user, user.home(), "checkout", server.address() + "/data", "up");
  WriteRandomFile(user.Sub("up/data.bin"), 4 * kMiB, 61);
  MLVC_OK(user, user.Sub("up"), "add", "data.bin");
  auto commit = MLVC_OK(user, user.Sub("up"), "commit", "-m", "data", "--json");
  auto pushed = nlohmann::json::parse(commit.out);
  CHECK(pushed["transfer"]["chunk_bytes_sent"] == 4 * kMiB);
  CHECK(commit.err.empty());  // no progress line: stderr is not a terminal

  auto cold = nlohmann::json::parse(
      MLVC_OK(user, user.home(), "checkout", server.address() + "/data", "a", "--json").out);
  CHECK(cold["transfer"]["chunk_bytes_received"] == 4 * kMiB);
  auto warm = nlohmann::json::parse(
      MLVC_OK(user, user.home(), "checkout", server.address() + "/data", "b", "--json").out);
  CHECK(warm["transfer"]["chunk_bytes_received"] == 0);
  CHECK(warm["transfer"]["bytes_from_cache"] == 4 * kMiB);
  CHECK(fs::exists(user.home() + "/.cache/mlvc/chunks-v1"));
}

}  // namespace
}  // namespace mlvc::testing
