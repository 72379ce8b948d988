// End to end: TLS on mlvcd's gRPC port through the real binaries. A throwaway CA and a
// server certificate for DNS:localhost only are made with the openssl command; clients
// connect through https://localhost:PORT with --ca or MLVC_CA, and are refused without the
// CA or under another name. SIGHUP swaps the certificate without dropping a connection (a
// `mlvc watch` keeps streaming) and a bad pair on SIGHUP changes nothing. Without TLS,
// mlvcd serves plaintext on loopback only, unless --allow-plaintext.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

// Calls `done` until it returns true or `within` has passed; its last answer. For waits on
// something another process does (a reload, a log line): bounded, never a fixed sleep.
bool Eventually(const std::function<bool()>& done,
                std::chrono::seconds within = std::chrono::seconds(30)) {
  const auto deadline = Clock::now() + within;
  for (;;) {
    if (done()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string OpensslBinary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path == nullptr ? "/usr/bin" : path;
  for (size_t begin = 0; begin <= dirs.size();) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(begin, end - begin) + "/openssl";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  FAIL("the openssl command is not installed");
  return "";
}

// A certificate and its private key, as PEM files.
struct Pair {
  std::string cert;
  std::string key;
};

// A throwaway certificate authority (P-256, valid two days) in `dir`, signing server
// certificates whose only name is DNS:localhost.
class TestCa {
 public:
  TestCa(const std::string& dir, const std::string& name) : dir_(dir), name_(name) {
    Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", Path("ca.key"), "-out", Path("ca.pem"), "-days", "2", "-subj",
             "/CN=mlvc test CA " + name_});
  }

  // The CA certificate: what clients pass to --ca.
  std::string cert() const { return Path("ca.pem"); }

  // A new key and a certificate for DNS:localhost signed by this CA.
  Pair Issue(const std::string& label) const {
    Pair pair{Path(label + ".pem"), Path(label + ".key")};
    WriteFile(Path("san.ext"), "subjectAltName=DNS:localhost\n");
    Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             pair.key, "-out", Path(label + ".csr"), "-subj", "/CN=localhost"});
    Openssl({"x509", "-req", "-in", Path(label + ".csr"), "-CA", cert(), "-CAkey",
             Path("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", Path("san.ext"),
             "-out", pair.cert});
    return pair;
  }

 private:
  std::string Path(const std::string& file) const { return dir_ + "/" + name_ + "-" + file; }

  void Openssl(std::vector<std::string> args) const {
    args.insert(args.begin(), OpensslBinary());
    ProcessOptions opts;
    opts.cwd = dir_;
    opts.timeout = std::chrono::seconds(60);
    ProcessResult r = RunProcess(args, opts);
    INFO(r.Describe());
    REQUIRE(r.exit_code == 0);
  }

  std::string dir_;
  std::string name_;
};

// mlvcd serving TLS with a certificate of CA "first", and an admin client.
struct TlsDemo {
  TempDir pki;
  TestCa first{pki.path(), "first"};
  // mlvcd's TMPDIR, where it stages the pair gRPC reads: inside the test's own folder, so
  // that the tests can look at it and a killed mlvcd leaves nothing behind.
  std::string tmp = pki.Sub("tmp");
  // Where mlvcd reads its certificate and key; tests replace them as a renewal would.
  std::string cert = pki.Sub("mlvcd-cert.pem");
  std::string key = pki.Sub("mlvcd-key.pem");
  MlvcServer server{TlsOptions()};
  MlvcClient admin{server.admin_token()};
  std::string home = admin.home();

  MlvcServerOptions TlsOptions() {
    Install(first.Issue("server"));
    fs::create_directories(tmp);
    MlvcServerOptions options;
    options.serve_env = {{"TMPDIR", tmp}};
    options.serve_args = {"--tls-cert", cert, "--tls-key", key};
    options.client_host = "https://localhost";
    options.probe_args = {"--ca", first.cert()};
    return options;
  }

  // Puts `pair` where mlvcd reads its own: each file written aside, then renamed over.
  void Install(const Pair& pair) {
    for (const auto& [from, to] : {std::pair{pair.cert, cert}, std::pair{pair.key, key}}) {
      fs::copy_file(from, to + ".new", fs::copy_options::overwrite_existing);
      fs::rename(to + ".new", to);
    }
  }

  void Hangup() { REQUIRE(kill(server.pid(), SIGHUP) == 0); }

  // The one file gRPC reads the pair from: in the private folder mlvcd made in `tmp`.
  std::string Staged() const {
    const fs::directory_iterator end;
    const std::vector<fs::path> dirs(fs::directory_iterator(fs::path(tmp)), end);
    REQUIRE(dirs.size() == 1);
    return (dirs[0] / "identity.pem").string();
  }

  // `mlvc ARGS... --server ADDRESS --ca CA` as the admin, from its home.
  ProcessResult Run(std::vector<std::string> args, const std::string& ca) const {
    args.insert(args.end(), {"--server", server.address(), "--ca", ca});
    return admin.Run(home, args);
  }
};

// `mlvc watch --json` in the background; its output in a file.
class Watcher {
 public:
  Watcher(const TlsDemo& d, const std::string& ca) : log_(d.admin.Sub("watch.log")) {
    ProcessOptions opts;
    opts.cwd = d.home;
    opts.env = {{"HOME", d.home}, {"MLVC_TOKEN", d.server.admin_token()}};
    opts.unset_env = {"XDG_CONFIG_HOME", "MLVC_SERVER", "MLVC_CA"};
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{BinaryFromEnv("MLVC_BIN"), "watch", "--repo", "model",
                                 "--from-start", "--json", "--server", d.server.address(),
                                 "--ca", ca},
        opts, log_);
  }

  // Waits (bounded) until at least `n` events were printed; requires it.
  void WaitFor(size_t n) {
    Eventually([&] { return Versions().size() >= n || !process_->Running(); });
    INFO(ReadFileOrEmpty(log_));
    REQUIRE(Versions().size() >= n);
  }

  // The version of each release event printed so far, in order; only whole lines count (a
  // line still being written is left out).
  std::vector<std::string> Versions() const {
    std::vector<std::string> versions;
    std::string printed = ReadFileOrEmpty(log_);
    printed.erase(printed.rfind('\n') == std::string::npos ? 0 : printed.rfind('\n') + 1);
    for (const std::string& line : Lines(printed)) {
      nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_discarded()) continue;
      const nlohmann::json payload = event.value("payload", nlohmann::json::object());
      versions.push_back(payload.is_object() ? payload.value("version", "") : "");
    }
    return versions;
  }

  BackgroundProcess& process() { return *process_; }

 private:
  std::string log_;
  std::unique_ptr<BackgroundProcess> process_;
};

TEST_CASE("tls: a client with the CA works through https://localhost", "[e2e][tls]") {
  TlsDemo d;
  const std::string ca = d.first.cert();
  CHECK_THAT(d.server.Log(), Contains("listening on " + d.server.listen_address() + " (TLS"));

  MLVC_OK(d.admin, d.home, "repo", "create", "demo", "--server", d.server.address(), "--ca", ca);
  // --ca before the command works as well as after it.
  MLVC_OK(d.admin, d.home, "--ca", ca, "checkout", d.server.address() + "/demo", "wc");
  const std::string wc = d.admin.Sub("wc");
  WriteFile(wc + "/train.py", "print('hello')\n");
  MLVC_OK(d.admin, wc, "add", "train.py", "--ca", ca);
  // The working copy keeps the server with its scheme: commit reconnects over TLS.
  MLVC_OK(d.admin, wc, "commit", "-m", "First script", "--ca", ca);
  auto info = nlohmann::json::parse(MLVC_OK(d.admin, wc, "info", "--json").out);
  CHECK(info["server"] == d.server.address());

  // MLVC_CA instead of --ca.
  d.admin.SetEnv("MLVC_CA", ca);
  auto log = nlohmann::json::parse(MLVC_OK(d.admin, wc, "log", "--json").out);
  REQUIRE(log.size() == 2);
  CHECK(log[0]["message"] == "First script");

  // Login stores the server as written, https:// included, and makes it the default.
  MlvcClient carol("");
  carol.SetEnv("MLVC_CA", ca);
  MLVC_OK(carol, carol.home(), "login", d.server.address(), "--token", d.server.admin_token());
  auto credentials =
      nlohmann::json::parse(ReadFile(carol.home() + "/.config/mlvc/credentials.json"));
  CHECK(credentials["default_server"] == d.server.address());
  CHECK(credentials["servers"].contains(d.server.address()));
  auto repos = nlohmann::json::parse(MLVC_OK(carol, carol.home(), "repo", "list", "--json").out);
  REQUIRE(repos.size() == 1);
  CHECK(repos[0]["name"] == "demo");
  MLVC_OK(carol, carol.home(), "checkout", d.server.address() + "/demo", "wc");
  CHECK(ReadFile(carol.Sub("wc/train.py")) == "print('hello')\n");

  // What gRPC reads is a private copy, in a folder only mlvcd's user may enter, removed when
  // mlvcd stops.
  std::vector<fs::path> staged(fs::directory_iterator(d.tmp), fs::directory_iterator());
  REQUIRE(staged.size() == 1);
  CHECK(staged[0].filename().string().rfind("mlvcd-tls-", 0) == 0);
  CHECK(fs::status(staged[0]).permissions() == fs::perms::owner_all);
  CHECK(fs::is_regular_file(staged[0] / "identity.pem"));
  const fs::perms others = fs::perms::group_all | fs::perms::others_all;
  for (const auto& entry : fs::directory_iterator(staged[0])) {
    CHECK((fs::status(entry.path()).permissions() & others) == fs::perms::none);
  }
  CHECK(d.server.Stop() == 0);
  CHECK(fs::is_empty(d.tmp));
}

TEST_CASE("tls: a client without the CA or under another name is refused", "[e2e][tls]") {
  TlsDemo d;
  const std::string address = d.server.address();
  const std::string port = address.substr(address.rfind(':') + 1);
  MlvcClient user(d.server.admin_token());

  SECTION("no CA: the system's roots do not know the test CA") {
    auto r = MLVC_REFUSED(7, user, user.home(), "repo", "list", "--server", address);
    CHECK_THAT(r.err, Contains("cannot make a TLS connection to " + address +
                               ": the server's certificate is not trusted"));
    CHECK_THAT(r.err, Contains("--ca or MLVC_CA"));
    CHECK(Lines(r.err).size() == 1);  // gRPC's own log lines stay off stderr
  }
  SECTION("another CA") {
    TestCa other(d.pki.path(), "other");
    auto r = MLVC_REFUSED(7, user, user.home(), "repo", "list", "--server", address, "--ca",
                          other.cert());
    CHECK_THAT(r.err, Contains("the server's certificate is not trusted"));
  }
  SECTION("the right CA, but a name the certificate does not carry") {
    const std::string by_ip = "https://127.0.0.1:" + port;
    auto r = MLVC_REFUSED(7, user, user.home(), "repo", "list", "--server", by_ip, "--ca",
                          d.first.cert());
    CHECK_THAT(r.err, Contains("cannot make a TLS connection to " + by_ip +
                               ": the server's certificate is not valid for the name "
                               "127.0.0.1"));
  }
  SECTION("plaintext to the TLS port") {
    // A bare loopback address means plaintext; the server closes such connections at once.
    auto r = MLVC_REFUSED(7, user, user.home(), "repo", "list", "--server",
                          "localhost:" + port);
    CHECK_THAT(r.err, Contains("if it serves TLS, write https://localhost:" + port));
  }
  SECTION("a CA file that is not one") {
    WriteFile(user.Sub("not-a-ca.pem"), "hello\n");
    auto r = MLVC_REFUSED(5, user, user.home(), "repo", "list", "--server", address, "--ca",
                          user.Sub("not-a-ca.pem"));
    CHECK_THAT(r.err, Contains("holds no PEM certificate"));
  }
}

TEST_CASE("tls: SIGHUP swaps the certificate and keeps open connections", "[e2e][tls]") {
  TlsDemo d;
  const std::string first_ca = d.first.cert();
  MLVC_OK(d.admin, d.home, "repo", "create", "model", "--server", d.server.address(), "--ca",
          first_ca);
  MLVC_OK(d.admin, d.home, "checkout", d.server.address() + "/model", "wc", "--ca", first_ca);
  const std::string wc = d.admin.Sub("wc");
  WriteFile(wc + "/model.txt", "one\n");
  MLVC_OK(d.admin, wc, "add", "model.txt", "--ca", first_ca);
  MLVC_OK(d.admin, wc, "commit", "-m", "one", "--ca", first_ca);
  REQUIRE(d.Run({"release", "create", "v1", "main", "--repo", "model"}, first_ca).exit_code == 0);

  // Connected, through the first certificate, before the reload.
  Watcher watcher(d, first_ca);
  watcher.WaitFor(1);

  TestCa second(d.pki.path(), "second");
  d.Install(second.Issue("server"));
  d.Hangup();
  // The new certificate is served within about a second of the signal.
  REQUIRE(Eventually([&] { return d.Run({"repo", "list"}, second.cert()).exit_code == 0; }));
  // The server logs the reload after the new pair is in place, so possibly after that call.
  CHECK(Eventually([&] {
    return d.server.Log().find("reloaded the TLS certificate " + d.cert) != std::string::npos;
  }));
  auto old = d.Run({"repo", "list"}, first_ca);
  INFO(old.Describe());
  CHECK(old.exit_code == 7);
  CHECK_THAT(old.err, Contains("the server's certificate is not trusted"));

  // The watch stream opened before the reload still delivers: its connection stayed up (a
  // new one could not be made with the first CA, and mlvc watch never reconnects: a broken
  // stream ends it with an error, and a second stream from the start would repeat v1).
  REQUIRE(d.Run({"release", "create", "v2", "main", "--repo", "model"}, second.cert())
              .exit_code == 0);
  watcher.WaitFor(2);
  CHECK(watcher.Versions() == std::vector<std::string>{"v1", "v2"});
  CHECK(watcher.process().Running());
  CHECK(watcher.process().Stop(std::chrono::seconds(10)) == 0);
}

TEST_CASE("tls: a bad pair on SIGHUP keeps the old certificate in use", "[e2e][tls]") {
  TlsDemo d;
  const std::string ca = d.first.cert();
  const Pair current{d.cert + ".kept", d.key + ".kept"};
  fs::copy_file(d.cert, current.cert);
  fs::copy_file(d.key, current.key);
  const Pair other = d.first.Issue("other");
  const std::string refused = "TLS certificate not reloaded, still serving the previous one";
  const std::string staged = ReadFile(d.Staged());
  const fs::file_time_type staged_at = fs::last_write_time(d.Staged());

  SECTION("a key that does not belong to the certificate") {
    d.Install(Pair{other.cert, current.key});
    d.Hangup();
    REQUIRE(Eventually([&] { return Count(d.server.Log(), refused) == 1; }));
    CHECK_THAT(d.server.Log(), Contains("does not belong to the certificate " + d.cert));
  }
  SECTION("a certificate file that holds no certificate") {
    WriteFile(d.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    d.Hangup();
    REQUIRE(Eventually([&] { return Count(d.server.Log(), refused) == 1; }));
    CHECK_THAT(d.server.Log(), Contains("holds no PEM certificate"));
  }
  SECTION("a missing key file") {
    fs::remove(d.key);
    d.Hangup();
    REQUIRE(Eventually([&] { return Count(d.server.Log(), refused) == 1; }));
    CHECK_THAT(d.server.Log(), Contains("cannot read the TLS key " + d.key));
  }
  // The refusal was logged after the reload returned, so by now anything it staged would be
  // in place: gRPC's file watcher must still find the very file it started with, nothing
  // beside it, and so keep serving the first pair whenever it looks.
  CHECK(ReadFile(d.Staged()) == staged);
  CHECK(fs::last_write_time(d.Staged()) == staged_at);
  CHECK(std::distance(fs::directory_iterator(fs::path(d.Staged()).parent_path()),
                      fs::directory_iterator()) == 1);
  MLVC_OK(d.admin, d.home, "repo", "create", "still", "--server", d.server.address(), "--ca",
          ca);
  CHECK(d.server.Running());
}

TEST_CASE("tls: without TLS mlvcd serves plaintext on loopback only unless told",
          "[e2e][tls]") {
  MlvcServer server;  // 127.0.0.1, no TLS: the default of every other test
  CHECK_THAT(server.Log(), Contains("listening on " + server.address() + " (plaintext)"));
  TempDir dir;
  ProcessOptions opts;
  opts.cwd = dir.path();
  opts.timeout = std::chrono::seconds(60);
  const std::vector<std::string> serve = {BinaryFromEnv("MLVCD_BIN"), "serve", "--db",
                                          server.db_uri(), "--blobs", dir.Sub("blobs")};

  SECTION("a non-loopback address without TLS is refused, naming the ways out") {
    std::vector<std::string> argv = serve;
    argv.insert(argv.end(), {"--listen", "0.0.0.0:0"});
    ProcessResult r = RunProcess(argv, opts);
    INFO(r.Describe());
    CHECK(r.exit_code != 0);
    CHECK(Lines(r.err).size() == 1);
    CHECK_THAT(r.err, Contains("--allow-plaintext"));
    CHECK_THAT(r.err, Contains("--tls-cert"));
  }
  SECTION("with --allow-plaintext it starts, and warns") {
    std::vector<std::string> argv = serve;
    argv.insert(argv.end(), {"--listen", "0.0.0.0:0", "--allow-plaintext"});
    const std::string log = dir.Sub("mlvcd.log");
    BackgroundProcess mlvcd(argv, opts, log);
    Eventually([&] {
      return !mlvcd.Running() || ReadFileOrEmpty(log).find("listening on") != std::string::npos;
    }, std::chrono::seconds(60));
    INFO(ReadFileOrEmpty(log));
    REQUIRE(mlvcd.Running());
    CHECK_THAT(ReadFileOrEmpty(log), Contains("warning: serving plaintext on 0.0.0.0:0"));
    CHECK_THAT(ReadFileOrEmpty(log), Contains("(plaintext)"));
    CHECK(mlvcd.Stop(std::chrono::seconds(10)) == 0);
  }
  SECTION("a certificate and key that do not match stop it at start-up") {
    TestCa ca(dir.path(), "ca");
    const Pair a = ca.Issue("a");
    const Pair b = ca.Issue("b");
    std::vector<std::string> argv = serve;
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0", "--tls-cert", a.cert, "--tls-key", b.key});
    const std::string tmp = dir.Sub("tmp");
    fs::create_directories(tmp);
    opts.env = {{"TMPDIR", tmp}};
    ProcessResult r = RunProcess(argv, opts);
    INFO(r.Describe());
    CHECK(r.exit_code != 0);
    CHECK(Lines(r.err).size() == 1);
    CHECK_THAT(r.err, Contains("the TLS key " + b.key + " does not belong to the certificate " +
                               a.cert));
    CHECK(fs::is_empty(tmp));  // the staging folder it made is gone with it
  }
}

}  // namespace
}  // namespace mlvc::testing
