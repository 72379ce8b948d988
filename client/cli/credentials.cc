#include "client/cli/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"

namespace mlvc::client::cli {
namespace {

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The --ca option: one per process, set before any command runs.
std::string& CaFileOption() {
  static std::string path;
  return path;
}

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  return absl::InternalError(what + " " + path + ": " + std::strerror(errno));
}

absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CredentialsPath() {
  std::string base = Getenv("XDG_CONFIG_HOME");
  if (base.empty()) {
    std::string home = Getenv("HOME");
    if (home.empty()) {
      return absl::FailedPreconditionError(
          "cannot find the credentials file: neither XDG_CONFIG_HOME nor HOME is set");
    }
    base = home + "/.config";
  }
  return base + "/mlvc/credentials.json";
}

absl::StatusOr<Credentials> LoadCredentials() {
  absl::StatusOr<std::string> path = CredentialsPath();
  if (!path.ok()) return path.status();
  Credentials credentials;
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !std::filesystem::exists(*path)) return credentials;
    return ErrnoStatus("cannot read", *path);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError("the credentials file " + *path + " is not valid JSON");
  }
  auto server_it = doc.find("default_server");
  if (server_it != doc.end() && server_it->is_string()) {
    credentials.default_server = server_it->get<std::string>();
  }
  auto servers_it = doc.find("servers");
  if (servers_it != doc.end() && servers_it->is_object()) {
    for (const auto& [server, entry] : servers_it->items()) {
      if (!entry.is_object()) continue;
      auto token_it = entry.find("token");
      if (token_it != entry.end() && token_it->is_string()) {
        credentials.tokens[server] = token_it->get<std::string>();
      }
    }
  }
  return credentials;
}

absl::Status SaveCredentials(const Credentials& credentials) {
  absl::StatusOr<std::string> path = CredentialsPath();
  if (!path.ok()) return path.status();
  std::filesystem::path file(*path);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) {
    return absl::InternalError("cannot create " + file.parent_path().string() + ": " +
                               ec.message());
  }
  nlohmann::json doc = nlohmann::json::object();
  doc["default_server"] = credentials.default_server;
  doc["servers"] = nlohmann::json::object();
  for (const auto& [server, token] : credentials.tokens) {
    doc["servers"][server] = {{"token", token}};
  }
  std::string data = doc.dump(2) + "\n";

  std::string tmp = *path + ".tmp." + std::to_string(::getpid());
  // Created 0600 from the start: the token must never be readable by others, not even
  // for the moment between open and chmod.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", tmp);
  absl::Status status = WriteAll(fd, data, tmp);
  if (status.ok() && ::fchmod(fd, 0600) != 0) status = ErrnoStatus("cannot chmod", tmp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoStatus("cannot sync", tmp);
  if (::close(fd) != 0 && status.ok()) status = ErrnoStatus("cannot close", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path->c_str()) != 0) {
    status = ErrnoStatus("cannot rename to", *path);
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

absl::StatusOr<std::string> ResolveServer(const std::string& flag,
                                          const std::string& wc_server) {
  if (!flag.empty()) return flag;
  std::string env = Getenv("MLVC_SERVER");
  if (!env.empty()) return env;
  if (!wc_server.empty()) return wc_server;
  absl::StatusOr<Credentials> credentials = LoadCredentials();
  if (!credentials.ok()) return credentials.status();
  if (!credentials->default_server.empty()) return credentials->default_server;
  // Never logged in: the same exit code (3) as a missing token.
  return absl::UnauthenticatedError(
      "not logged in to any server; run 'mlvc login HOST:PORT --token TOKEN', or give "
      "--server HOST:PORT or MLVC_SERVER");
}

absl::StatusOr<std::string> ResolveToken(const std::string& server) {
  std::string env = Getenv("MLVC_TOKEN");
  if (!env.empty()) return env;
  absl::StatusOr<Credentials> credentials = LoadCredentials();
  if (!credentials.ok()) return credentials.status();
  auto it = credentials->tokens.find(server);
  if (it != credentials->tokens.end() && !it->second.empty()) return it->second;
  return absl::UnauthenticatedError("not logged in to " + server + "; run 'mlvc login " +
                                    server + " --token TOKEN' or set MLVC_TOKEN");
}

void SetCaFileOption(const std::string& path) { CaFileOption() = path; }

std::string ResolveCaFile() {
  if (!CaFileOption().empty()) return CaFileOption();
  return Getenv("MLVC_CA");
}

}  // namespace mlvc::client::cli
