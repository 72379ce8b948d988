// mlvc: the command-line client. Parses the command line with CLI11, runs the chosen
// command, and turns every failure into one line on stderr and an exit code
// (client/cli/exit_codes.h). No exception escapes main.
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include "google/protobuf/stubs/logging.h"

#include "client/cli/command.h"
#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"
#include "common/version/version.h"

namespace mlvc::client::cli {
namespace {

constexpr char kDescription[] =
    "mlvc: the client of mlvc, a centralized version-control server for machine-learning\n"
    "teams. Check out a repository (or part of it), change files, commit changesets.";

constexpr char kOverview[] =
    "Typical session:\n"
    "  mlvc login 127.0.0.1:7070 --token TOKEN\n"
    "  mlvc repo create demo              (server admins; then 'mlvc admin grant')\n"
    "  mlvc checkout 127.0.0.1:7070/demo\n"
    "  cd demo && echo hello > a.txt && mlvc add a.txt && mlvc commit -m 'First file'\n"
    "  mlvc log\n"
    "ML record (runs, questions, policies):\n"
    "  mlvc push-model models/m.pt -m 'lr 0.1' --params params.yaml --metrics m.json\n"
    "  mlvc run record --kind eval --metric accuracy=0.93\n"
    "  mlvc explain models/m.pt    (also params, metrics, lineage, since-training, env diff,\n"
    "                               metrics history, regressions, runs, review, policy)\n"
    "Access (roles reader < writer < maintainer per repository, and server admins):\n"
    "  mlvc whoami    mlvc admin user create bob    mlvc admin grant bob writer --repo demo\n"
    "  mlvc admin token create --name laptop --expires 90d    mlvc admin audit --repo demo\n"
    "\n"
    "Run 'mlvc help COMMAND' (or 'mlvc COMMAND --help') for one command.\n"
    "Environment: MLVC_TOKEN (token, overrides the stored one), MLVC_SERVER (server for\n"
    "commands run outside a working copy), MLVC_CA (like --ca), XDG_CONFIG_HOME (where\n"
    "credentials are kept).\n"
    "Servers: https://HOST:PORT is TLS, http://HOST:PORT plaintext; a bare HOST:PORT is\n"
    "plaintext on loopback (localhost, 127.x.x.x, ::1) and TLS anywhere else.\n";

// Gives `command` and every command below it the global --ca option, so that it may be
// written anywhere on the command line ("mlvc --ca F log", "mlvc log --ca F").
void AddCaOption(CLI::App* command, std::string* ca_file) {
  command->add_option("--ca", *ca_file,
                      "PEM file of the CA(s) to trust for TLS servers (default: MLVC_CA, else "
                      "the system's)");
  for (CLI::App* sub : command->get_subcommands({})) AddCaOption(sub, ca_file);
}

// CLI11's messages sometimes span lines; the contract is one line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

int Run(int argc, char** argv) {
  CLI::App app(kDescription, "mlvc");
  app.require_subcommand(1);
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag("--version",
                       std::string("mlvc ") + kVersion + " (protocol " +
                           std::to_string(kProtocolVersion) + ")",
                       "Print the release and the protocol it speaks, and exit");
  // Subcommands inherit the parent's settings at creation; the global footer is set last so
  // that each command keeps its own.
  Invocation invocation;
  RegisterHelpCommand(app, invocation);
  RegisterLoginCommand(app, invocation);
  RegisterWhoAmICommand(app, invocation);
  RegisterRepoCommands(app, invocation);
  RegisterCheckoutCommand(app, invocation);
  RegisterStatusCommands(app, invocation);
  RegisterDiffCommand(app, invocation);
  RegisterInfoCommand(app, invocation);
  RegisterCommitCommand(app, invocation);
  RegisterUpdateCommand(app, invocation);
  RegisterLogCommand(app, invocation);
  RegisterBranchCommands(app, invocation);
  RegisterLabelCommands(app, invocation);
  RegisterLockCommands(app, invocation);
  RegisterMergeCommand(app, invocation);
  RegisterResolveCommand(app, invocation);
  RegisterReleaseCommands(app, invocation);
  RegisterRunCommands(app, invocation);
  RegisterPushModelCommand(app, invocation);
  RegisterQuestionCommands(app, invocation);
  RegisterReviewCommands(app, invocation);
  RegisterPolicyCommands(app, invocation);
  RegisterAdminCommands(app, invocation);
  app.footer(std::string(kOverview) + "\nExit codes:\n" + ExitCodeTable());
  std::string ca_file;
  AddCaOption(&app, &ca_file);

  if (argc <= 1) {
    std::cout << app.help();
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, std::cout, std::cerr);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, std::cout, std::cerr);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, std::cout, std::cerr);
  } catch (const CLI::ParseError& e) {
    std::string where;
    for (const CLI::App* sub = &app; sub != nullptr;) {
      auto chosen = sub->get_subcommands();
      if (chosen.empty()) break;
      sub = chosen.front();
      where += " " + sub->get_name();
    }
    return ReportError(OneLine(e.what()) + " (see 'mlvc" + where + " --help')", kExitUsage);
  }
  if (!invocation.run) {
    return ReportError("no command given; run 'mlvc help'", kExitUsage);
  }
  SetCaFileOption(ca_file);
  return invocation.run();
}

}  // namespace
}  // namespace mlvc::client::cli

int main(int argc, char** argv) {
  // Protobuf's own log lines (a name that is not UTF-8 being serialized, say) are not
  // sentences for users: the server's answer to such a request is the error reported.
  google::protobuf::SetLogHandler(nullptr);
  // A command that fails returns while transfer and gRPC threads may still be hashing or
  // reading TLS records; OpenSSL's exit handler would free its state under them.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  try {
    return mlvc::client::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "mlvc: internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cout.flush();
    std::cerr << "mlvc: internal error: unknown exception" << std::endl;
  }
  return mlvc::client::cli::kExitError;
}
