// `mlvc whoami [--server HOST:PORT] [--json]`: which user the token in use belongs to, on
// which server, and with which token id (the id 'mlvc admin token revoke' takes).
#include <iostream>
#include <memory>
#include <string>

#include "client/cli/admin_render.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/repo_target.h"
#include "client/ops/admin_ops.h"

namespace mlvc::client::cli {
namespace {

struct WhoAmIArgs {
  std::string server;
  bool json = false;
};

int RunWhoAmI(const WhoAmIArgs& args) {
  absl::StatusOr<ops::Endpoint> endpoint = ServerEndpoint(args.server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), args.server);
  absl::StatusOr<remote::WhoAmIInfo> who = ops::WhoAmI(*endpoint);
  if (!who.ok()) return ReportError(who.status(), endpoint->server);
  if (args.json) {
    nlohmann::json doc = UserJson(who->user);
    doc["token_id"] = who->token_id;
    doc["server"] = endpoint->server;
    PrintJson(doc);
  } else {
    std::cout << WhoAmIText(*who, endpoint->server) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterWhoAmICommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<WhoAmIArgs>();
  CLI::App* cmd = app.add_subcommand("whoami", "Show which user your token belongs to");
  cmd->add_option("--server", args->server, kServerFlagHelp);
  cmd->add_flag("--json", args->json,
                "Print {\"name\", \"kind\", \"admin\", \"service\", \"disabled\", "
                "\"created_at\", \"token_id\", \"server\"}");
  SetHelpFooter(cmd, "  mlvc whoami\n  mlvc whoami --server 127.0.0.1:7070 --json\n",
                "Prints 'NAME (user|server admin|service account) on HOST:PORT, token ID'.\n"
                "The token is MLVC_TOKEN when set, else the one stored by 'mlvc login';\n"
                "a missing, unknown, revoked or expired token, or a disabled user: exit 3.\n");
  cmd->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunWhoAmI(*args); }; });
}

}  // namespace mlvc::client::cli
