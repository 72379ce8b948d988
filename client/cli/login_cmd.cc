// `mlvc login [https://|http://]HOST:PORT --token TOKEN`: checks the token against the server
// (WhoAmI), then stores it (and makes the server, as written, the default server).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"
#include "client/ops/admin_ops.h"
#include "client/ops/server_ops.h"

namespace mlvc::client::cli {
namespace {

struct LoginArgs {
  std::string server;
  std::string token;
};

// [https://|http://]HOST:PORT with a non-empty host and a port in 1-65535 ("[v6]:PORT"
// allowed). The connection checks the rest.
bool LooksLikeServer(std::string server) {
  for (std::string scheme : {"https://", "http://"}) {
    if (server.rfind(scheme, 0) == 0) {
      server.erase(0, scheme.size());
      break;
    }
  }
  size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= server.size()) return false;
  if (server.find('/') != std::string::npos) return false;
  std::string port = server.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  long value = std::strtol(port.c_str(), nullptr, 10);
  return value >= 1 && value <= 65535;
}

int RunLogin(const LoginArgs& args) {
  if (!LooksLikeServer(args.server)) {
    return ReportError("'" + args.server +
                           "' is not a server address; expected [https://|http://]HOST:PORT",
                       kExitUsage);
  }
  std::string token = args.token;
  if (token.empty()) {
    const char* env = std::getenv("MLVC_TOKEN");
    if (env != nullptr) token = env;
  }
  if (token.empty()) {
    return ReportError("no token given; use --token TOKEN or set MLVC_TOKEN", kExitUsage);
  }
  ops::Endpoint endpoint{args.server, token, ResolveCaFile()};
  absl::StatusOr<remote::WhoAmIInfo> who = ops::WhoAmI(endpoint);
  std::string user;
  if (who.ok()) {
    user = who->user.name;
  } else if (who.status().code() == absl::StatusCode::kUnimplemented) {
    // A server from before access control has no WhoAmI: any call checks the token.
    absl::StatusOr<std::vector<remote::RepositoryInfo>> check = ops::ListRepositories(endpoint);
    who = check.ok() ? absl::StatusOr<remote::WhoAmIInfo>(remote::WhoAmIInfo{})
                     : absl::StatusOr<remote::WhoAmIInfo>(check.status());
  }
  if (!who.ok()) {
    if (who.status().code() == absl::StatusCode::kUnauthenticated) {
      std::string why(who.status().message());
      return ReportError("the token was rejected by " + args.server +
                             (why.empty() ? "" : " (" + why + ")") + "; nothing was saved",
                         kExitUnauthenticated);
    }
    return ReportError(who.status(), args.server);
  }
  absl::StatusOr<Credentials> credentials = LoadCredentials();
  if (!credentials.ok()) return ReportError(credentials.status(), args.server);
  credentials->default_server = args.server;
  credentials->tokens[args.server] = token;
  absl::Status saved = SaveCredentials(*credentials);
  if (!saved.ok()) return ReportError(saved, args.server);
  std::cout << "Logged in to " << args.server;
  if (!user.empty()) std::cout << " as " << user;
  std::cout << ".\n";
  return kExitOk;
}

}  // namespace

void RegisterLoginCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<LoginArgs>();
  CLI::App* cmd = app.add_subcommand(
      "login", "Check a token against a server and store it");
  cmd->add_option("SERVER", args->server,
                  "[https://|http://]HOST:PORT of the mlvc server (bare: TLS unless loopback)")
      ->required();
  cmd->add_option("--token", args->token,
                  "The token given by 'mlvc admin user create', 'mlvc admin token create' or "
                  "'mlvcd admin create-user' (default: MLVC_TOKEN)");
  SetHelpFooter(cmd,
                "  mlvc login 127.0.0.1:7070 --token 3f9c...\n"
                "  mlvc login https://mlvc.example.com:7070 --ca team-ca.pem --token 3f9c...\n",
                "The token is checked with the server (see 'mlvc whoami'), then stored in\n"
                "$XDG_CONFIG_HOME/mlvc/credentials.json (default ~/.config/mlvc/, mode 0600);\n"
                "the server, as written, becomes the default server. MLVC_TOKEN, when set, is\n"
                "used instead of any stored token; MLVC_SERVER instead of the default server.\n"
                "https:// means TLS, http:// plaintext; a bare HOST:PORT is plaintext on\n"
                "loopback and TLS elsewhere. TLS checks the server's certificate against the\n"
                "system's CAs, or those of --ca FILE / MLVC_CA, and its name against HOST.\n");
  cmd->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunLogin(*args); }; });
}

}  // namespace mlvc::client::cli
