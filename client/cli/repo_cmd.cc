// `mlvc repo create NAME | mlvc repo list`: repositories on a server. These run outside a
// working copy, so the server comes from --server, MLVC_SERVER, the working copy around
// the current directory if any, or the default server of `mlvc login`.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"
#include "client/ops/server_ops.h"

namespace mlvc::client::cli {
namespace {

struct RepoArgs {
  std::string server;
  std::string name;
  bool json = false;
};

// The server and token for a repo command.
absl::StatusOr<ops::Endpoint> RepoEndpoint(const std::string& flag) {
  std::string wc_server;
  if (flag.empty()) {
    absl::StatusOr<std::string> cwd = CurrentDir();
    if (cwd.ok()) {
      absl::StatusOr<wc::WorkingCopy> wc = wc::WorkingCopy::Open(*cwd);
      if (wc.ok()) wc_server = wc->config().server;
    }
  }
  absl::StatusOr<std::string> server = ResolveServer(flag, wc_server);
  if (!server.ok()) return server.status();
  return EndpointFor(*server);
}

int RunCreate(const RepoArgs& args) {
  absl::StatusOr<ops::Endpoint> endpoint = RepoEndpoint(args.server);
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
  absl::StatusOr<ops::Endpoint> endpoint = RepoEndpoint(args.server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), args.server);
  absl::StatusOr<std::vector<remote::RepositoryInfo>> repos = ops::ListRepositories(*endpoint);
  if (!repos.ok()) return ReportError(repos.status(), endpoint->server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::RepositoryInfo& repo : *repos) {
      doc.push_back({{"name", repo.name},
                     {"created_by", repo.created_by},
                     {"created_at", FormatIsoTime(repo.created_at_micros)}});
    }
    PrintJson(doc);
  } else {
    for (const remote::RepositoryInfo& repo : *repos) std::cout << repo.name << '\n';
  }
  return kExitOk;
}

}  // namespace

void RegisterRepoCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* repo = app.add_subcommand("repo", "Create and list repositories on a server");
  repo->require_subcommand(1);
  SetHelpFooter(repo, "  mlvc repo create resnet50\n  mlvc repo list --json\n");
  const std::string server_help =
      "Server HOST:PORT (default: MLVC_SERVER, the working copy's, or the login default)";
  {
    auto args = std::make_shared<RepoArgs>();
    CLI::App* cmd = repo->add_subcommand(
        "create", "Create an empty repository (branch main at changeset @0)");
    cmd->add_option("NAME", args->name, "The new repository's name")->required();
    cmd->add_option("--server", args->server, server_help);
    cmd->add_flag("--json", args->json, "Print {\"name\", \"created_by\", \"created_at\"}");
    SetHelpFooter(cmd, "  mlvc repo create resnet50\n"
                       "  mlvc repo create churn-gbm --server 127.0.0.1:7070\n",
                  "NAME: 1-100 characters from A-Z a-z 0-9 . _ -, starting with a letter or\n"
                  "digit, not ending with '.', without '..', not all digits. The server is\n"
                  "--server, else MLVC_SERVER, else the working copy's, else the login default.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunCreate(*args); }; });
  }
  {
    auto args = std::make_shared<RepoArgs>();
    CLI::App* cmd = repo->add_subcommand("list", "List the repositories, one name per line");
    cmd->alias("ls");
    cmd->add_option("--server", args->server, server_help);
    cmd->add_flag("--json", args->json,
                  "Print [{\"name\", \"created_by\", \"created_at\"}]");
    SetHelpFooter(cmd, "  mlvc repo list\n  mlvc repo list --json --server 127.0.0.1:7070\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
}

}  // namespace mlvc::client::cli
