// End to end: a 1 GiB file goes up (commit) and comes back down (checkout) through the real
// binaries while mlvcd's peak resident memory stays under 200 MiB, i.e. the server streams
// and never holds a file. Registered only in the non-sanitizer build: ASan's shadow memory
// and quarantine would measure the sanitizer, not mlvcd.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <string>

#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Matches;

TEST_CASE("uploading and downloading 1 GiB keeps mlvcd under 200 MiB resident", "[e2e][memory]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  const std::string home = user.home();
  MLVC_OK(user, home, "repo", "create", "weights", "--server", server.address());
  MLVC_OK(user, home, "checkout", server.address() + "/weights", "up");
  const std::string up = user.Sub("up");
  WriteRandomFile(up + "/model.bin", 1ull << 30, 7);
  MLVC_OK(user, up, "add", "model.bin");
  auto commit = MLVC_OK(user, up, "commit", "-m", "a 1 GiB model");
  CHECK_THAT(commit.out, Contains("Committed changeset @"));
  const std::optional<long> after_upload = server.PeakRssKib();

  auto down = MLVC_OK(user, home, "checkout", server.address() + "/weights", "down");
  CHECK_THAT(down.out, Matches(R"([^\n]*: 1 files?\.\n?)"));
  const auto sent = HashTree(up);
  const auto received = HashTree(user.Sub("down"));
  CHECK(sent == received);

  const std::optional<long> peak = server.PeakRssKib();
  REQUIRE(after_upload.has_value());
  REQUIRE(peak.has_value());
  const double peak_mib = static_cast<double>(*peak) / 1024.0;
  const std::string figure = "mlvcd peak RSS (VmHWM) after a 1 GiB upload + download: " +
                             std::to_string(static_cast<int>(peak_mib + 0.5)) + " MiB (" +
                             std::to_string(*after_upload / 1024) + " MiB after the upload)";
  std::cout << figure << std::endl;
  // Left next to the test binary so scripts/test.sh can show it in its summary.
  std::ofstream("mlvcd-peak-rss.txt") << figure << "\n";
  INFO(figure);
  CHECK(peak_mib < 200.0);
}

}  // namespace
}  // namespace mlvc::testing
