// `mlvc admin user|token|grant|revoke|roles|audit`: users and service accounts, tokens,
// per-repository roles and the audit log, over the server's AdminService. Like `mlvc repo`,
// these run outside a working copy: the server is --server, MLVC_SERVER, the working copy's
// or the login default. Who may run which is the server's business (its authorization
// table); these commands only say so clearly (exit 8).
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "client/cli/admin_render.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_render.h"
#include "client/cli/repo_target.h"
#include "client/ops/admin_ops.h"

namespace mlvc::client::cli {
namespace {

// The server's page size when -n is not given, and its cap (admin_service.h).
constexpr int kDefaultAuditPage = 50;
constexpr int kMaxAuditPage = 1000;

struct AdminArgs {
  std::string server;
  bool json = false;

  // user create/disable/enable; token create/list: the user; grant/revoke: the grantee.
  std::string user;
  bool admin = false;
  bool service = false;

  // token create / list / revoke
  std::string expires = "never";
  std::string token_name;
  bool all = false;
  std::string token_id;

  // grant / revoke / roles / audit
  std::string repo;
  std::string role;

  // audit
  std::string action;
  std::string since;
  int limit = 0;
  int64_t after = 0;
};

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// The endpoint for an admin command, or reports why there is none (returns false).
bool Connect(const AdminArgs& args, ops::Endpoint* endpoint, int* exit_code) {
  absl::StatusOr<ops::Endpoint> resolved = ServerEndpoint(args.server);
  if (!resolved.ok()) {
    *exit_code = ReportError(resolved.status(), args.server);
    return false;
  }
  *endpoint = *std::move(resolved);
  return true;
}

// --- users ---

int RunUserCreate(const AdminArgs& args) {
  if (args.admin && args.service) {
    return ReportError("a service account cannot be a server admin; give --admin or --service",
                       kExitUsage);
  }
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::CreatedUserInfo> created =
      ops::CreateUser(endpoint, args.user, args.admin, args.service);
  if (!created.ok()) return ReportError(created.status(), endpoint.server);
  if (args.json) {
    nlohmann::json doc = {{"user", UserJson(created->user)}};
    if (created->token.has_value()) {
      doc["token"] = TokenJson(created->token->token, NowMicros());
      doc["secret"] = created->token->secret;
    } else {
      doc["token"] = nullptr;
      doc["secret"] = nullptr;
    }
    PrintJson(doc);
    return kExitOk;
  }
  if (!created->token.has_value()) {
    std::cout << "Created service account " << created->user.name
              << "; give it a token with 'mlvc admin token create " << created->user.name
              << " --name NAME'.\n";
    return kExitOk;
  }
  std::cout << "Created " << (created->user.admin ? "server admin " : "user ")
            << created->user.name << " with token " << created->token->token.id
            << "; its secret (shown once) is on the next line.\n"
            << created->token->secret << "\n";
  return kExitOk;
}

int RunUserList(const AdminArgs& args) {
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<std::vector<remote::UserInfo>> users = ops::ListUsers(endpoint);
  if (!users.ok()) return ReportError(users.status(), endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::UserInfo& u : *users) doc.push_back(UserJson(u));
    PrintJson(doc);
  } else {
    std::cout << UsersTable(*users);
  }
  return kExitOk;
}

int RunUserSetDisabled(const AdminArgs& args, bool disabled) {
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::UserInfo> user = ops::SetUserDisabled(endpoint, args.user, disabled);
  if (!user.ok()) return ReportError(user.status(), endpoint.server);
  if (disabled) {
    std::cout << "Disabled " << user->name << ": every token of theirs is refused from now on.\n";
  } else {
    std::cout << "Enabled " << user->name << ": their tokens that are not revoked or expired "
              << "work again.\n";
  }
  return kExitOk;
}

// --- tokens ---

int RunTokenCreate(const AdminArgs& args) {
  absl::StatusOr<int64_t> lifetime = ops::ParseTokenLifetime(args.expires);
  if (!lifetime.ok()) return ReportError(lifetime.status(), args.server);
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::IssuedTokenInfo> issued =
      ops::CreateToken(endpoint, args.user, args.token_name, *lifetime);
  if (!issued.ok()) return ReportError(issued.status(), endpoint.server);
  if (args.json) {
    PrintJson({{"token", TokenJson(issued->token, NowMicros())}, {"secret", issued->secret}});
    return kExitOk;
  }
  std::cout << "Created token " << issued->token.id;
  if (!issued->token.name.empty()) std::cout << " '" << issued->token.name << "'";
  std::cout << " for " << issued->token.user << ", "
            << (issued->token.expires_at_micros == 0
                    ? std::string("never expiring")
                    : "expiring " + RecordHumanTime(issued->token.expires_at_micros))
            << "; its secret (shown once) is on the next line.\n"
            << issued->secret << "\n";
  return kExitOk;
}

int RunTokenList(const AdminArgs& args) {
  if (args.all && !args.user.empty()) {
    return ReportError("give a USER or --all, not both", kExitUsage);
  }
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<std::vector<remote::TokenInfo>> tokens =
      ops::ListTokens(endpoint, args.user, args.all);
  if (!tokens.ok()) return ReportError(tokens.status(), endpoint.server);
  const int64_t now = NowMicros();
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::TokenInfo& t : *tokens) doc.push_back(TokenJson(t, now));
    PrintJson(doc);
  } else if (tokens->empty()) {
    std::cout << "No tokens.\n";
  } else {
    std::cout << TokensTable(*tokens, now);
  }
  return kExitOk;
}

int RunTokenRevoke(const AdminArgs& args) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(args.token_id, &id) || id <= 0) {
    return ReportError("'" + args.token_id +
                           "' is not a token id; ids are the numbers 'mlvc admin token list' shows",
                       kExitUsage);
  }
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::TokenInfo> token = ops::RevokeToken(endpoint, id);
  if (!token.ok()) return ReportError(token.status(), endpoint.server);
  std::cout << "Revoked token " << token->id;
  if (!token->name.empty()) std::cout << " '" << token->name << "'";
  std::cout << " of " << token->user << ".\n";
  return kExitOk;
}

// --- roles ---

int RunGrant(const AdminArgs& args) {
  if (absl::Status valid = ops::CheckRoleName(args.role); !valid.ok()) {
    return ReportError(valid, args.server);
  }
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::RoleGrantInfo> grant =
      ops::GrantRole(endpoint, args.repo, args.user, args.role);
  if (!grant.ok()) return ReportError(grant.status(), endpoint.server);
  std::cout << grant->user << " is now " << grant->role << " of " << grant->repository << ".\n";
  return kExitOk;
}

int RunRevoke(const AdminArgs& args) {
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::Status revoked = ops::RevokeRole(endpoint, args.repo, args.user);
  if (!revoked.ok()) return ReportError(revoked, endpoint.server);
  std::cout << args.user << " has no role of their own on " << args.repo
            << " any more (the repository's default role still applies).\n";
  return kExitOk;
}

int RunRoles(const AdminArgs& args) {
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<remote::RoleListingInfo> roles = ops::ListRoles(endpoint, args.repo, args.user);
  if (!roles.ok()) return ReportError(roles.status(), endpoint.server);
  if (args.json) {
    PrintJson(RolesJson(args.repo, *roles));
    return kExitOk;
  }
  if (!args.repo.empty() && !roles->default_role.empty()) {
    std::cout << "Default role of " << args.repo << ": " << roles->default_role << "\n";
  }
  if (roles->roles.empty()) {
    std::cout << "No roles granted.\n";
  } else {
    std::cout << RolesTable(roles->roles);
  }
  return kExitOk;
}

// --- audit ---

int RunAudit(const AdminArgs& args) {
  remote::AuditQueryInfo query;
  query.repository = args.repo;
  query.user = args.user;
  query.action = args.action;
  query.limit = args.limit;
  query.after_id = args.after;
  if (!args.since.empty()) {
    absl::StatusOr<int64_t> since = ops::ParseSince(args.since, absl::Now());
    if (!since.ok()) return ReportError(since.status(), args.server);
    query.since_micros = *since;
  }
  ops::Endpoint endpoint;
  int code = kExitOk;
  if (!Connect(args, &endpoint, &code)) return code;
  absl::StatusOr<std::vector<remote::AuditEntryInfo>> entries = ops::ListAudit(endpoint, query);
  if (!entries.ok()) return ReportError(entries.status(), endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::AuditEntryInfo& e : *entries) doc.push_back(AuditJson(e));
    PrintJson(doc);
    return kExitOk;
  }
  if (entries->empty()) {
    std::cout << "No audit records.\n";
    return kExitOk;
  }
  std::cout << AuditTable(*entries);
  const size_t page = static_cast<size_t>(args.limit == 0 ? kDefaultAuditPage : args.limit);
  if (entries->size() >= page) {
    std::cout << "More may follow: add --after " << entries->back().id << " for the next page.\n";
  }
  return kExitOk;
}

void AddServerFlag(CLI::App* cmd, AdminArgs* args) {
  cmd->add_option("--server", args->server, kServerFlagHelp);
}

// Registers `cmd` to run `run(*args)`.
template <typename Fn>
void OnRun(CLI::App* cmd, Invocation& invocation, std::shared_ptr<AdminArgs> args, Fn run) {
  cmd->callback([&invocation, args, run]() {
    invocation.run = [args, run]() { return run(*args); };
  });
}

void RegisterUserCommands(CLI::App* admin, Invocation& invocation) {
  CLI::App* user = admin->add_subcommand("user", "Create, list, disable and enable users");
  user->require_subcommand(1);
  SetHelpFooter(user, "  mlvc admin user create bob\n  mlvc admin user list\n");
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = user->add_subcommand(
        "create", "Create a user and print its first token's secret (last line)");
    cmd->add_option("NAME", args->user, "The new user's name")->required();
    cmd->add_flag("--admin", args->admin, "Make the user a server admin");
    cmd->add_flag("--service", args->service,
                  "A service account (a CI runner): no token yet, see 'mlvc admin token create'");
    AddServerFlag(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print {\"user\": USER, \"token\": TOKEN|null, \"secret\": S|null}");
    SetHelpFooter(cmd,
                  "  mlvc admin user create bob\n"
                  "  mlvc admin user create ci-runner --service\n"
                  "  mlvc admin user create carol --admin\n",
                  "Server admins only. NAME: 1-64 characters from A-Z a-z 0-9 . _ -, starting\n"
                  "with a letter or digit. A user gets a first token that never expires; its\n"
                  "secret is printed once, alone on the last line, and never shown again (the\n"
                  "user passes it to 'mlvc login'). A new user has no role on any repository:\n"
                  "grant one with 'mlvc admin grant'. A service account gets no token: issue\n"
                  "it tokens with 'mlvc admin token create'.\n"
                  "--json: user is {\"name\", \"kind\", \"admin\", \"service\", \"disabled\",\n"
                  "\"created_at\"}; token as in 'mlvc admin token list --json'.\n");
    OnRun(cmd, invocation, args, RunUserCreate);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = user->add_subcommand("list", "List every user");
    cmd->alias("ls");
    AddServerFlag(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print [{\"name\", \"kind\", \"admin\", \"service\", \"disabled\", "
                  "\"created_at\"}]");
    SetHelpFooter(cmd, "  mlvc admin user list\n  mlvc admin user list --json\n",
                  "Server admins only. Columns: NAME  KIND (user, admin or service)  STATE\n"
                  "(enabled or disabled)  CREATED.\n");
    OnRun(cmd, invocation, args, RunUserList);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = user->add_subcommand("disable", "Refuse every token of a user");
    cmd->add_option("NAME", args->user, "The user")->required();
    AddServerFlag(cmd, args.get());
    SetHelpFooter(cmd, "  mlvc admin user disable bob\n",
                  "Server admins only. Every token of the user is refused (exit 3) from the\n"
                  "next call on, on every replica; their roles, tokens and history stay, and\n"
                  "'mlvc admin user enable' undoes it. You cannot disable yourself (exit 6).\n");
    OnRun(cmd, invocation, args, [](const AdminArgs& a) { return RunUserSetDisabled(a, true); });
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = user->add_subcommand("enable", "Accept a disabled user's tokens again");
    cmd->add_option("NAME", args->user, "The user")->required();
    AddServerFlag(cmd, args.get());
    SetHelpFooter(cmd, "  mlvc admin user enable bob\n",
                  "Server admins only. Tokens revoked or expired meanwhile stay refused.\n");
    OnRun(cmd, invocation, args, [](const AdminArgs& a) { return RunUserSetDisabled(a, false); });
  }
}

void RegisterTokenCommands(CLI::App* admin, Invocation& invocation) {
  CLI::App* token = admin->add_subcommand("token", "Create, list and revoke tokens");
  token->require_subcommand(1);
  SetHelpFooter(token, "  mlvc admin token create ci-runner --name runner-3 --expires 30d\n"
                       "  mlvc admin token list\n  mlvc admin token revoke 12\n");
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = token->add_subcommand(
        "create", "Issue a token and print its secret (last line)");
    cmd->add_option("USER", args->user, "Whose token (default: yours)");
    cmd->add_option("--expires", args->expires,
                    "Lifetime: 30d, 12h, 90m, 1h30m, or never")
        ->capture_default_str();
    cmd->add_option("--name", args->token_name,
                    "A name to tell it apart in lists: 'laptop', 'runner-3'");
    AddServerFlag(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print {\"token\": TOKEN, \"secret\": S}");
    SetHelpFooter(cmd,
                  "  mlvc admin token create --name laptop --expires 90d\n"
                  "  mlvc admin token create ci-runner --name runner-3 --expires 30d\n"
                  "  export MLVC_TOKEN=$(mlvc admin token create ci-runner | tail -n 1)\n",
                  "Anyone may create tokens for themselves; tokens of another user, and every\n"
                  "token of a service account, need a server admin (exit 8). The secret is\n"
                  "printed once, alone on the last line: store it now (MLVC_TOKEN or 'mlvc\n"
                  "login'); lists show only the token's id. The name: at most 255 bytes, no\n"
                  "control characters. A disabled user gets none (exit 6).\n");
    OnRun(cmd, invocation, args, RunTokenCreate);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = token->add_subcommand(
        "list", "List tokens: ids, names, expiry, last use (never a secret)");
    cmd->alias("ls");
    cmd->add_option("USER", args->user, "Whose tokens (default: yours)");
    cmd->add_flag("--all", args->all, "Every user's tokens (server admins)");
    AddServerFlag(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print [{\"id\", \"user\", \"name\", \"created_by\", \"created_at\", "
                  "\"expires_at\", \"last_used_at\", \"revoked_at\", \"state\"}]");
    SetHelpFooter(cmd, "  mlvc admin token list\n  mlvc admin token list ci-runner --json\n"
                       "  mlvc admin token list --all\n",
                  "Newest first. Columns: ID  USER  NAME  CREATED  EXPIRES  LAST USED  STATE\n"
                  "(active, expired or revoked). Another user's tokens need a server admin\n"
                  "(exit 8). In --json, a time that is none (never expires, never used, not\n"
                  "revoked) is null. The last use is recorded at most once a minute.\n");
    OnRun(cmd, invocation, args, RunTokenList);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = token->add_subcommand("revoke", "Revoke a token, from the next call on");
    cmd->add_option("TOKEN_ID", args->token_id, "The token's id (see 'mlvc admin token list')")
        ->required();
    AddServerFlag(cmd, args.get());
    SetHelpFooter(cmd, "  mlvc admin token revoke 12\n",
                  "Your own tokens, or anyone's for a server admin. The token is refused\n"
                  "(exit 3) from the next call on, on every replica. An id that is not yours\n"
                  "reads as unknown (exit 4), like one that does not exist.\n");
    OnRun(cmd, invocation, args, RunTokenRevoke);
  }
}

void RegisterRoleCommands(CLI::App* admin, Invocation& invocation) {
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = admin->add_subcommand(
        "grant", "Give a user a role on a repository (its maintainers, server admins)");
    cmd->add_option("USER", args->user, "The user")->required();
    cmd->add_option("ROLE", args->role, "reader, writer or maintainer")->required();
    cmd->add_option("--repo", args->repo, "The repository")->required();
    AddServerFlag(cmd, args.get());
    SetHelpFooter(cmd,
                  "  mlvc admin grant bob writer --repo resnet50\n"
                  "  mlvc admin grant ci-runner writer --repo resnet50\n",
                  "Replaces the user's earlier role on it. Roles:\n"
                  "  reader      checkout, log, diff, branches, labels, locks, runs,\n"
                  "              releases, deployments, watch\n"
                  "  writer      + commit, merge, lock/unlock own, record runs, push-model,\n"
                  "              create branches, labels and releases, review\n"
                  "  maintainer  + delete branches and labels, policies, lockable patterns,\n"
                  "              break others' locks, deploy/rollback, grant roles on it,\n"
                  "              its roles and audit log, its default role\n"
                  "Needs the maintainer role on the repository (exit 8). On a repository you\n"
                  "cannot read, the answer is 'no repository ... that you can read' (exit 8),\n"
                  "whether it exists or not. An unknown user: exit 4.\n");
    OnRun(cmd, invocation, args, RunGrant);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = admin->add_subcommand(
        "revoke", "Take a user's role on a repository away (its maintainers, server admins)");
    cmd->add_option("USER", args->user, "The user")->required();
    cmd->add_option("--repo", args->repo, "The repository")->required();
    AddServerFlag(cmd, args.get());
    SetHelpFooter(cmd, "  mlvc admin revoke bob --repo resnet50\n",
                  "The repository's default role (see 'mlvc repo set') still applies to the\n"
                  "user. A user without a role of their own there: exit 4.\n");
    OnRun(cmd, invocation, args, RunRevoke);
  }
  {
    auto args = std::make_shared<AdminArgs>();
    CLI::App* cmd = admin->add_subcommand("roles", "List who has which role where");
    cmd->add_option("--repo", args->repo,
                    "Only this repository, with its default role (its maintainers); without "
                    "it every repository (server admins)");
    cmd->add_option("--user", args->user, "Only this user's roles");
    AddServerFlag(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print {\"repository\", \"default_role\", \"roles\": [{\"repository\", "
                  "\"user\", \"role\", \"granted_at\"}]}");
    SetHelpFooter(cmd,
                  "  mlvc admin roles --repo resnet50\n  mlvc admin roles --user bob\n",
                  "Columns: REPOSITORY  USER  ROLE  GRANTED. Roles granted to a user only;\n"
                  "server admins are maintainers everywhere without a row. In --json,\n"
                  "repository and default_role are null without --repo.\n");
    OnRun(cmd, invocation, args, RunRoles);
  }
}

void RegisterAuditCommand(CLI::App* admin, Invocation& invocation) {
  auto args = std::make_shared<AdminArgs>();
  CLI::App* cmd = admin->add_subcommand("audit", "Page through the audit log, newest first");
  cmd->add_option("--repo", args->repo,
                  "Only this repository (its maintainers); without it every repository and "
                  "the server's own actions (server admins)");
  cmd->add_option("--user", args->user, "Only what this user did");
  cmd->add_option("--action", args->action,
                  "Only this action: submit, lock, role.grant, token.create, ...");
  cmd->add_option("--since", args->since,
                  "Only from this time on: a duration ago (2h, 7d) or a time (2026-05-01, "
                  "2026-05-01T12:00:00Z; UTC without a zone)");
  cmd->add_option("-n,--limit", args->limit, "At most N records (default 50, at most 1000)")
      ->check(CLI::Range(1, kMaxAuditPage));
  cmd->add_option("--after", args->after,
                  "Only records older than this id: the last id of the previous page")
      ->check(CLI::NonNegativeNumber);
  AddServerFlag(cmd, args.get());
  cmd->add_flag("--json", args->json,
                "Print [{\"id\", \"at\", \"user\", \"token_id\", \"action\", \"repository\", "
                "\"target\", \"client_addr\", \"result\"}]");
  SetHelpFooter(cmd,
                "  mlvc admin audit --repo resnet50 --since 7d\n"
                "  mlvc admin audit --user bob --action submit -n 20\n"
                "  mlvc admin audit -n 20 --after 1480\n",
                "Every change, and every refused attempt at one, leaves a record: who (and\n"
                "with which token), what, which repository, when, from where, and the result\n"
                "('ok' or 'refused: CODE: sentence'). Columns: ID  TIME  USER  ACTION\n"
                "REPOSITORY  TARGET  RESULT. A page shorter than N is the last one; otherwise\n"
                "pass its last id to --after for the next.\n");
  OnRun(cmd, invocation, args, RunAudit);
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* admin = app.add_subcommand(
      "admin", "Administer users, tokens, roles and the audit log");
  admin->require_subcommand(1);
  SetHelpFooter(admin,
                "  mlvc admin user create bob\n"
                "  mlvc admin grant bob writer --repo resnet50\n"
                "  mlvc admin token create ci-runner --name runner-3 --expires 30d\n"
                "  mlvc admin audit --repo resnet50 --since 1d\n",
                "Users, service accounts and other users' tokens: server admins. Roles and\n"
                "the audit log of a repository: its maintainers too. Your own tokens: you.\n"
                "Every command takes --server HOST:PORT (default: MLVC_SERVER, the working\n"
                "copy's, or the login default). On the server host, 'mlvcd admin' creates\n"
                "the first admin and recovers lost tokens.\n");
  RegisterUserCommands(admin, invocation);
  RegisterTokenCommands(admin, invocation);
  RegisterRoleCommands(admin, invocation);
  RegisterAuditCommand(admin, invocation);
}

}  // namespace mlvc::client::cli
