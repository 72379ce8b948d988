// The e2e harness itself: arguments pass through verbatim, cwd and env apply, exit codes and
// signals are reported, output is captured, hung children are killed.
#include "tests/e2e/support/process.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "tests/support/temp_dir.h"

namespace mlvc::testing {
namespace {

const std::string kSh = "/bin/sh";

TEST_CASE("RunProcess passes arguments verbatim and captures both streams", "[e2e-support]") {
  ProcessResult r = RunProcess(
      {kSh, "-c", "printf '%s|' \"$@\"; echo err >&2; exit 3", "sh", "a b", "new\nline", "'q'"},
      {});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "a b|new\nline|'q'|");
  CHECK(r.err == "err\n");
  CHECK(!r.timed_out);
}

TEST_CASE("RunProcess applies cwd and environment changes", "[e2e-support]") {
  TempDir dir;
  setenv("MLVC_PROCESS_TEST_UNSET", "present", 1);
  ProcessOptions opts;
  opts.cwd = dir.path();
  opts.env = {{"HOME", dir.path()}, {"EXTRA", "x=y"}};
  opts.unset_env = {"MLVC_PROCESS_TEST_UNSET"};
  ProcessResult r = RunProcess(
      {kSh, "-c", "pwd; echo \"$HOME\"; echo \"$EXTRA\"; echo \"${MLVC_PROCESS_TEST_UNSET:-gone}\""},
      opts);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == dir.path() + "\n" + dir.path() + "\nx=y\ngone\n");
}

TEST_CASE("RunProcess reports signals and kills children past their timeout", "[e2e-support]") {
  CHECK(RunProcess({kSh, "-c", "kill -TERM $$"}, {}).exit_code == 128 + SIGTERM);
  ProcessOptions opts;
  opts.timeout = std::chrono::seconds(1);
  ProcessResult r = RunProcess({kSh, "-c", "exec sleep 30"}, opts);
  CHECK(r.timed_out);
  CHECK(r.exit_code == 128 + SIGKILL);
  CHECK_THROWS(RunProcess({"/nonexistent/binary"}, {}));
}

TEST_CASE("BackgroundProcess logs, reports memory and stops on SIGTERM", "[e2e-support]") {
  TempDir dir;
  BackgroundProcess p({kSh, "-c", "echo started; exec sleep 30"}, {}, dir.Sub("log"));
  // Bounded wait for the child to have written its first line.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ReadFileOrEmpty(dir.Sub("log")).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(p.Running());
  REQUIRE(p.StatusKib("VmHWM").has_value());
  CHECK(*p.StatusKib("VmHWM") > 0);
  CHECK(p.Stop() == 128 + SIGTERM);
  CHECK(!p.Running());
  CHECK(ReadFileOrEmpty(dir.Sub("log")) == "started\n");
}

}  // namespace
}  // namespace mlvc::testing
