// `mlvc repo create NAME | mlvc repo list | mlvc repo set NAME --default-role R`:
// repositories on a server. These run outside a working copy, so the server comes from
// --server, MLVC_SERVER, the working copy around the current directory if any, or the
// default server of `mlvc login`.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/admin_render.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/admin_ops.h"
#include "client/ops/server_ops.h"

namespace mlvc::client::cli {
namespace {

struct RepoArgs {
  std::string server;
  std::string name;
  std::string default_role;
  bool json = false;
};

int RunCreate(const RepoArgs& args) {
  absl::StatusOr<ops::Endpoint> endpoint = ServerEndpoint(args.server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), args.server);
  absl::StatusOr<remote::RepositoryInfo> repo = ops::CreateRepository(*endpoint, args.name);
  if (!repo.ok()) return ReportError(repo.status(), endpoint->server);
  if (args.json) {
    PrintJson({{"name", repo->name},
               {"created_by", repo->created_by},
               {"created_at", FormatIsoTime(repo->created_at_micros)}});
  } else {
    std::cout << "Created repository " << repo->name << ".\n";
  }
  return kExitOk;
}

int RunList(const RepoArgs& args) {
  absl::StatusOr<ops::Endpoint> endpoint = ServerEndpoint(args.server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), args.server);
  absl::StatusOr<std::vector<remote::RepositoryInfo>> repos = ops::ListRepositories(*endpoint);
  if (!repos.ok()) return ReportError(repos.status(), endpoint->server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::RepositoryInfo& repo : *repos) doc.push_back(RepositoryJson(repo));
    PrintJson(doc);
  } else if (repos->empty()) {
    std::cout << "No repositories you can read.\n";
  } else {
    std::cout << RepositoriesTable(*repos);
  }
  return kExitOk;
}

int RunSet(const RepoArgs& args) {
  if (args.default_role.empty()) {
    return ReportError("nothing to set; give --default-role none|reader|writer", kExitUsage);
  }
  // A bad value is refused before the server is chosen: no login is needed to learn that.
  if (absl::Status valid = ops::CheckDefaultRoleName(args.default_role); !valid.ok()) {
    return ReportError(valid, args.server);
  }
  absl::StatusOr<ops::Endpoint> endpoint = ServerEndpoint(args.server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), args.server);
  absl::StatusOr<remote::RepositoryInfo> repo =
      ops::SetDefaultRole(*endpoint, args.name, args.default_role);
  if (!repo.ok()) return ReportError(repo.status(), endpoint->server);
  if (args.json) {
    PrintJson(RepositoryJson(*repo));
  } else {
    std::cout << "Default role of " << repo->name << " is now " << repo->default_role;
    if (repo->default_role == "none") {
      std::cout << ": only users with a role of their own can reach it.\n";
    } else {
      std::cout << ": every signed-in user is at least a " << repo->default_role << ".\n";
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterRepoCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* repo = app.add_subcommand(
      "repo", "Create, list and configure repositories on a server");
  repo->require_subcommand(1);
  SetHelpFooter(repo, "  mlvc repo create resnet50\n  mlvc repo list --json\n"
                      "  mlvc repo set resnet50 --default-role reader\n");
  const std::string server_help =
      "Server HOST:PORT (default: MLVC_SERVER, the working copy's, or the login default)";
  {
    auto args = std::make_shared<RepoArgs>();
    CLI::App* cmd = repo->add_subcommand(
        "create", "Create an empty repository (branch main at changeset @0; server admins)");
    cmd->add_option("NAME", args->name, "The new repository's name")->required();
    cmd->add_option("--server", args->server, server_help);
    cmd->add_flag("--json", args->json, "Print {\"name\", \"created_by\", \"created_at\"}");
    SetHelpFooter(cmd, "  mlvc repo create resnet50\n"
                       "  mlvc repo create churn-gbm --server 127.0.0.1:7070\n",
                  "Only server admins create repositories (exit 8 for anyone else); the\n"
                  "creator becomes its maintainer and grants roles with 'mlvc admin grant'.\n"
                  "NAME: 1-100 characters from A-Z a-z 0-9 . _ -, starting with a letter or\n"
                  "digit, not ending with '.', without '..', not all digits. The server is\n"
                  "--server, else MLVC_SERVER, else the working copy's, else the login default.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunCreate(*args); }; });
  }
  {
    auto args = std::make_shared<RepoArgs>();
    CLI::App* cmd = repo->add_subcommand(
        "list", "List the repositories you can read, with your role on each");
    cmd->alias("ls");
    cmd->add_option("--server", args->server, server_help);
    cmd->add_flag("--json", args->json,
                  "Print [{\"name\", \"created_by\", \"created_at\", \"role\", "
                  "\"default_role\"}]");
    SetHelpFooter(cmd, "  mlvc repo list\n  mlvc repo list --json --server 127.0.0.1:7070\n",
                  "One line per repository: REPOSITORY  ROLE  DEFAULT ROLE. ROLE is yours\n"
                  "(reader, writer or maintainer; server admins are maintainers everywhere);\n"
                  "DEFAULT ROLE is what every signed-in user without a role of their own gets\n"
                  "(none, reader or writer). A repository you have no role on is not listed.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
  {
    auto args = std::make_shared<RepoArgs>();
    CLI::App* cmd = repo->add_subcommand(
        "set", "Change a repository's settings: its default role (maintainers)");
    cmd->add_option("NAME", args->name, "The repository")->required();
    cmd->add_option("--default-role", args->default_role,
                    "none, reader or writer: the role of every signed-in user without one of "
                    "their own");
    cmd->add_option("--server", args->server, server_help);
    cmd->add_flag("--json", args->json,
                  "Print {\"name\", \"created_by\", \"created_at\", \"role\", "
                  "\"default_role\"}");
    SetHelpFooter(cmd, "  mlvc repo set resnet50 --default-role reader\n"
                       "  mlvc repo set resnet50 --default-role none\n",
                  "A new repository's default role is none: only users granted a role (see\n"
                  "'mlvc admin grant') can see it. reader or writer opens it to every\n"
                  "signed-in user, for teams that want an open server; a user with a role of\n"
                  "their own gets the higher of the two. Needs the maintainer role (exit 8).\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunSet(*args); }; });
  }
}

}  // namespace mlvc::client::cli
