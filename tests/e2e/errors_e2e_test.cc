// End to end: every refusal the contract promises, with its exit code and a one-sentence
// `mlvc: ...` message, and proof that a refused request changed nothing. Also `mlvc help`
// and both binaries' --version.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <string>

#include "common/version/version.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// A 127.0.0.1 port that is bound but not listening while this object lives: connecting to it
// is refused at once, so "server unreachable" is deterministic.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

size_t ChangesetCount(const MlvcClient& client, const std::string& wc) {
  return nlohmann::json::parse(MLVC_OK(client, wc, "log", "--json").out).size();
}

TEST_CASE("bad paths and names are refused with exit code 5 and change nothing", "[e2e]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  const std::string home = user.home();
  MLVC_OK(user, home, "repo", "create", "paths", "--server", server.address());
  MLVC_OK(user, home, "checkout", server.address() + "/paths", "wc");
  const std::string wc = user.Sub("wc");
  WriteFile(wc + "/ok.txt", "ok\n");
  MLVC_OK(user, wc, "add", "ok.txt");
  MLVC_OK(user, wc, "commit", "-m", "first");
  const size_t before = ChangesetCount(user, wc);

  SECTION("a path outside the working copy") {
    WriteFile(home + "/outside.txt", "outside\n");
    auto r = MLVC_REFUSED(5, user, wc, "add", "../outside.txt");
    CHECK_THAT(r.err, Contains("outside.txt"));
    MLVC_REFUSED(5, user, wc, "add", home + "/outside.txt");
  }
  SECTION("a file name with a newline") {
    WriteFile(wc + "/bad\nname.txt", "x\n");
    MLVC_REFUSED(5, user, wc, "add", "bad\nname.txt");
  }
  SECTION("a file name with a control character") {
    WriteFile(wc + "/bell\x07.txt", "x\n");
    MLVC_REFUSED(5, user, wc, "add", "bell\x07.txt");
  }
  SECTION("a path inside .mlvc") {
    MLVC_REFUSED(5, user, wc, "add", ".mlvc");
  }
  SECTION("sparse paths that leave the repository") {
    auto r = MLVC_REFUSED(5, user, home, "checkout", server.address() + "/paths", "sparse",
                          "--paths", "../x");
    CHECK_THAT(r.err, Contains("../x"));
    MLVC_REFUSED(5, user, home, "checkout", server.address() + "/paths", "sparse2", "--paths",
                 "/etc");
  }
  SECTION("bad repository names") {
    MLVC_REFUSED(5, user, home, "repo", "create", "no/slashes", "--server", server.address());
    MLVC_REFUSED(5, user, home, "repo", "create", "..", "--server", server.address());
  }
  // Whatever was refused, the history and the working copy state are as before.
  CHECK(ChangesetCount(user, wc) == before);
  auto status = MLVC_OK(user, wc, "status");
  CHECK_THAT(status.out, !Contains("A "));
}

TEST_CASE("unknown things, missing login, no server and no working copy have their own codes",
          "[e2e]") {
  MlvcServer server;
  MlvcClient user(server.admin_token());
  const std::string home = user.home();
  MLVC_OK(user, home, "repo", "create", "known", "--server", server.address());

  SECTION("unknown repository: 4") {
    auto r = MLVC_REFUSED(4, user, home, "checkout", server.address() + "/nosuchrepo", "x");
    CHECK_THAT(r.err, Contains("nosuchrepo"));
    CHECK(!fs::exists(user.Sub("x/.mlvc")));
  }
  SECTION("unknown branch or changeset: 4") {
    MLVC_REFUSED(4, user, home, "checkout", server.address() + "/known@nosuchbranch", "y");
    MLVC_REFUSED(4, user, home, "checkout", server.address() + "/known@99", "z");
  }
  SECTION("repository already exists: 11") {
    MLVC_REFUSED(11, user, home, "repo", "create", "known", "--server", server.address());
  }
  SECTION("not logged in: 3") {
    MlvcClient stranger("");
    auto r = MLVC_REFUSED(3, stranger, stranger.home(), "repo", "list", "--server",
                          server.address());
    CHECK_THAT(r.err, Contains("mlvc login"));
    MLVC_REFUSED(3, stranger, stranger.home(), "checkout", server.address() + "/known", "k");
  }
  SECTION("a rejected token: 3") {
    MlvcClient forger("not-a-real-token");
    MLVC_REFUSED(3, forger, forger.home(), "repo", "list", "--server", server.address());
    MLVC_REFUSED(3, forger, forger.home(), "login", server.address(), "--token", "nope");
    CHECK(!fs::exists(forger.Sub(".config/mlvc/credentials.json")));
  }
  SECTION("server unreachable: 7") {
    ClosedPort closed;
    MLVC_REFUSED(7, user, home, "repo", "list", "--server", closed.address());
    MLVC_REFUSED(7, user, home, "checkout", closed.address() + "/known", "u");
  }
  SECTION("server gone after checkout: 7") {
    MLVC_OK(user, home, "checkout", server.address() + "/known", "wc");
    WriteFile(user.Sub("wc/f.txt"), "f\n");
    MLVC_OK(user, user.Sub("wc"), "add", "f.txt");
    const int stopped = server.Stop();
    CHECK((stopped == 0 || stopped == 128 + SIGTERM));
    MLVC_REFUSED(7, user, user.Sub("wc"), "commit", "-m", "nobody listens");
    MLVC_REFUSED(7, user, user.Sub("wc"), "update");
    CHECK(ReadFile(user.Sub("wc/f.txt")) == "f\n");
  }
  SECTION("not a working copy: 12") {
    fs::create_directories(user.Sub("plain"));
    MLVC_REFUSED(12, user, user.Sub("plain"), "status");
    MLVC_REFUSED(12, user, user.Sub("plain"), "commit", "-m", "x");
    MLVC_REFUSED(12, user, user.Sub("plain"), "update");
    MLVC_REFUSED(12, user, user.Sub("plain"), "info");
  }
  SECTION("usage errors: 2") {
    MLVC_EXPECT(2, user, home, "no-such-command");
    MLVC_OK(user, home, "checkout", server.address() + "/known", "wc2");
    MLVC_EXPECT(2, user, user.Sub("wc2"), "commit");  // no -m
  }
}

TEST_CASE("mlvc help explains the commands and the exit codes", "[e2e]") {
  MlvcClient user("");
  auto help = MLVC_OK(user, user.home(), "help");
  for (const char* command : {"checkout", "status", "add", "commit", "update", "log", "login"}) {
    CHECK_THAT(help.out, Contains(command));
  }
  CHECK_THAT(help.out, Contains("exit", Catch::CaseSensitive::No));
  for (const char* code : {"12", "not a working copy"}) {
    CHECK_THAT(help.out, Contains(code, Catch::CaseSensitive::No));
  }
  auto commit = MLVC_OK(user, user.home(), "help", "commit");
  CHECK_THAT(commit.out, Contains("commit"));
  CHECK_THAT(commit.out, Contains("-m"));
  auto flag = MLVC_OK(user, user.home(), "commit", "--help");
  CHECK_THAT(flag.out, Contains("-m"));
}

TEST_CASE("mlvc --version and mlvcd --version print the release and the protocol", "[e2e]") {
  MlvcClient user("");
  const std::string protocol = std::to_string(kProtocolVersion);
  auto client = MLVC_OK(user, user.home(), "--version");
  CHECK(client.out == std::string("mlvc ") + kVersion + " (protocol " + protocol + ")\n");
  ProcessOptions options;
  options.cwd = user.home();
  ProcessResult server = RunProcess({BinaryFromEnv("MLVCD_BIN"), "--version"}, options);
  INFO(server.Describe());
  CHECK(server.exit_code == 0);
  CHECK(server.out == std::string("mlvcd ") + kVersion + " (protocol " + protocol +
                          "; answers mlvc of protocol " + std::to_string(kOldestClientProtocol) +
                          " to " + protocol + ")\n");
}

}  // namespace
}  // namespace mlvc::testing
