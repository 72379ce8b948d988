// A real mlvcd for end-to-end tests: a fresh database, `mlvcd migrate`, an admin user from
// `mlvcd admin create-user --admin` (repositories are created by admins), and `mlvcd serve`
// on a free 127.0.0.1 port with its own blob folder, plus whatever serve arguments a test adds
// (MlvcServerOptions: TLS, say). Other users, their tokens and their roles come from
// `mlvcd admin` too, as on a server host.
// Requires: the env set by mlvc_add_test(... E2E): MLVCD_BIN, MLVC_BIN, MLVC_TEST_DB.
// Used by: tests/e2e.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/support/process.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {

// Path of the built binary named by env `var` (MLVCD_BIN or MLVC_BIN). Throws when unset.
std::string BinaryFromEnv(const char* var);

// How a test wants `mlvcd serve` run; the defaults give the plain local server.
struct MlvcServerOptions {
  // Appended to `mlvcd serve`'s arguments, e.g. {"--tls-cert", F, "--tls-key", K}.
  std::vector<std::string> serve_args;
  // How clients name the server: address() is this, ':', the port. The server itself
  // always listens on 127.0.0.1.
  std::string client_host = "127.0.0.1";
  // Appended to the `mlvc repo list` that checks the server answers, e.g. {"--ca", F}.
  std::vector<std::string> probe_args;
  // Set in `mlvcd serve`'s environment, e.g. TMPDIR.
  std::map<std::string, std::string> serve_env;
};

class MlvcServer {
 public:
  // Starts the server and waits (bounded) until it answers `mlvc repo list` with the admin
  // token. Throws std::runtime_error carrying the failing command or the server log.
  MlvcServer() : MlvcServer(MlvcServerOptions()) {}
  explicit MlvcServer(MlvcServerOptions options);
  // Kills the server if Stop() was not called.
  ~MlvcServer();
  MlvcServer(const MlvcServer&) = delete;
  MlvcServer& operator=(const MlvcServer&) = delete;

  // "127.0.0.1:PORT" (with other options: client_host + ":PORT")
  const std::string& address() const { return address_; }
  // "127.0.0.1:PORT", where the server listens.
  const std::string& listen_address() const { return listen_address_; }
  const std::string& admin_token() const { return admin_token_; }
  const std::string& db_uri() const { return db_uri_; }
  const std::string& blob_dir() const { return blob_dir_; }
  pid_t pid() const { return process_->pid(); }

  // Creates a user with `mlvcd admin create-user` and returns its token (the last line).
  // A new user has no role anywhere: give one with Grant().
  std::string CreateUser(const std::string& name, bool admin);
  // Creates a service account (`create-user --service`: no token) and issues it a token with
  // `mlvcd admin create-token`; returns the token.
  std::string CreateServiceAccount(const std::string& name);
  // Issues another token for `user` with `mlvcd admin create-token` (`expires` as its
  // --expires: "never", "30d"; empty: the default) and returns it.
  std::string CreateToken(const std::string& user, const std::string& expires = "");
  // Gives `user` `role` ("reader", "writer", "maintainer") on `repository` with
  // `mlvcd admin grant`, as an operator on the server host would.
  void Grant(const std::string& user, const std::string& repository, const std::string& role);
  // Creates a user and grants it `role` on `repository`; returns its token.
  std::string CreateUserWithRole(const std::string& name, const std::string& repository,
                                 const std::string& role);

  // Runs `mlvcd admin ARGS... --db DB` and returns its result (for tests of its errors).
  ProcessResult RunAdmin(const std::vector<std::string>& args) const;

  // Peak resident set size (VmHWM) of the running server, in KiB.
  std::optional<long> PeakRssKib() const { return process_->StatusKib("VmHWM"); }

  bool Running() { return process_->Running(); }
  // SIGTERM, then waits; returns the exit code (0, or 143 when it died of the signal).
  int Stop() { return process_->Stop(); }

  // Stops the server (if running) and starts a new mlvcd process on the same database, blob
  // folder and address, as an operator restarting the service would. Throws like the
  // constructor.
  void Restart();

  // Everything the server printed so far (its last `max_bytes`).
  std::string Log(size_t max_bytes = 8000) const;

 private:
  // Starts `mlvcd serve` on a free port, or on address() again when `same_address`.
  void Start(bool same_address = false);

  TempDir dir_;
  MlvcServerOptions options_;
  std::string mlvcd_;
  std::string mlvc_;
  std::string db_uri_;
  std::string blob_dir_;
  std::string log_path_;
  std::string listen_address_;
  std::string address_;
  std::string admin_token_;
  std::unique_ptr<BackgroundProcess> process_;
};

// A free TCP port on 127.0.0.1 (bound to port 0 and released: another process could take it
// before the caller binds, so callers retry).
int FreeLocalPort();

}  // namespace mlvc::testing
