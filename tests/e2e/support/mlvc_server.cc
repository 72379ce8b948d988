#include "tests/e2e/support/mlvc_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tests/support/test_db.h"

namespace mlvc::testing {
namespace {

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  size_t begin = text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::string BinaryFromEnv(const char* var) {
  const char* value = std::getenv(var);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(var) + " is not set: run the tests through ctest");
  }
  return value;
}

int FreeLocalPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

MlvcServer::MlvcServer(MlvcServerOptions options)
    : options_(std::move(options)),
      mlvcd_(BinaryFromEnv("MLVCD_BIN")),
      mlvc_(BinaryFromEnv("MLVC_BIN")),
      db_uri_(FreshDatabaseUri()),
      blob_dir_(dir_.Sub("blobs")),
      log_path_(dir_.Sub("mlvcd.log")) {
  ProcessOptions opts;
  opts.cwd = dir_.path();
  opts.timeout = std::chrono::seconds(120);
  ProcessResult migrate = RunProcess({mlvcd_, "migrate", "--db", db_uri_}, opts);
  if (migrate.exit_code != 0) throw std::runtime_error("migrate failed:\n" + migrate.Describe());
  admin_token_ = CreateUser("admin", /*admin=*/true);
  Start();
}

MlvcServer::~MlvcServer() = default;

ProcessResult MlvcServer::RunAdmin(const std::vector<std::string>& args) const {
  ProcessOptions opts;
  opts.cwd = dir_.path();
  opts.timeout = std::chrono::seconds(120);
  std::vector<std::string> argv = {mlvcd_, "admin"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--db", db_uri_});
  return RunProcess(argv, opts);
}

namespace {

// The secret on the last line of a successful create-user / create-token.
std::string SecretOf(const ProcessResult& r, const std::string& what) {
  const std::string secret = LastLine(r.out);
  if (r.exit_code != 0 || secret.empty()) {
    throw std::runtime_error(what + " failed:\n" + r.Describe());
  }
  return secret;
}

}  // namespace

std::string MlvcServer::CreateUser(const std::string& name, bool admin) {
  std::vector<std::string> args = {"create-user", name};
  if (admin) args.push_back("--admin");
  return SecretOf(RunAdmin(args), "create-user");
}

std::string MlvcServer::CreateServiceAccount(const std::string& name) {
  ProcessResult r = RunAdmin({"create-user", name, "--service"});
  if (r.exit_code != 0) throw std::runtime_error("create-user --service failed:\n" + r.Describe());
  return CreateToken(name);
}

std::string MlvcServer::CreateToken(const std::string& user, const std::string& expires) {
  std::vector<std::string> args = {"create-token", user};
  if (!expires.empty()) args.insert(args.end(), {"--expires", expires});
  return SecretOf(RunAdmin(args), "create-token");
}

void MlvcServer::Grant(const std::string& user, const std::string& repository,
                       const std::string& role) {
  ProcessResult r = RunAdmin({"grant", user, repository, role});
  if (r.exit_code != 0) throw std::runtime_error("grant failed:\n" + r.Describe());
}

std::string MlvcServer::CreateUserWithRole(const std::string& name,
                                           const std::string& repository,
                                           const std::string& role) {
  std::string token = CreateUser(name, /*admin=*/false);
  Grant(name, repository, role);
  return token;
}

void MlvcServer::Restart() {
  if (process_->Running()) process_->Stop();
  Start(/*same_address=*/true);
}

void MlvcServer::Start(bool same_address) {
  // A free port can be taken between probing and binding: try a few.
  std::string last_failure;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (!same_address) {
      const std::string port = std::to_string(FreeLocalPort());
      listen_address_ = "127.0.0.1:" + port;
      address_ = options_.client_host + ":" + port;
    }
    ProcessOptions opts;
    opts.cwd = dir_.path();
    opts.env = options_.serve_env;
    std::vector<std::string> serve = {mlvcd_,    "serve",    "--db",          db_uri_,
                                      "--blobs", blob_dir_, "--listen", listen_address_};
    serve.insert(serve.end(), options_.serve_args.begin(), options_.serve_args.end());
    process_ = std::make_unique<BackgroundProcess>(serve, opts, log_path_);

    ProcessOptions probe;
    probe.cwd = dir_.path();
    probe.env = {{"HOME", dir_.path()}, {"MLVC_TOKEN", admin_token_}};
    probe.unset_env = {"XDG_CONFIG_HOME", "MLVC_SERVER", "MLVC_CA"};
    std::vector<std::string> probe_argv = {mlvc_, "repo", "list", "--server", address_};
    probe_argv.insert(probe_argv.end(), options_.probe_args.begin(), options_.probe_args.end());
    probe.timeout = std::chrono::seconds(30);
    // Sanitizer builds start slowly: allow a minute.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (process_->Running() && std::chrono::steady_clock::now() < deadline) {
      ProcessResult r = RunProcess(probe_argv, probe);
      if (r.exit_code == 0) return;
      last_failure = r.Describe();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (process_->Running()) break;  // up but never answered: do not retry
  }
  const std::string log = Log();
  process_->Stop(std::chrono::seconds(5));
  throw std::runtime_error("mlvcd did not start answering on " + address_ +
                           "\nlast probe:\n" + last_failure + "\nserver log:\n" + log);
}

std::string MlvcServer::Log(size_t max_bytes) const {
  std::string log = ReadFileOrEmpty(log_path_);
  if (log.size() > max_bytes) log = "..." + log.substr(log.size() - max_bytes);
  return log;
}

}  // namespace mlvc::testing
