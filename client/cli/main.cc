// mlvc: the command-line client. Parses the command line with CLI11, runs the chosen
// command, and turns every failure into one line on stderr and an exit code
// (client/cli/exit_codes.h). No exception escapes main.
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "client/cli/command.h"
#include "client/cli/exit_codes.h"

namespace mlvc::client::cli {
namespace {

constexpr char kDescription[] =
    "mlvc: the client of mlvc, a centralized version-control server for machine-learning\n"
    "teams. Check out a repository (or part of it), change files, commit changesets.";

constexpr char kOverview[] =
    "Typical session:\n"
    "  mlvc login 127.0.0.1:7070 --token TOKEN\n"
    "  mlvc repo create demo\n"
    "  mlvc checkout 127.0.0.1:7070/demo\n"
    "  cd demo && echo hello > a.txt && mlvc add a.txt && mlvc commit -m 'First file'\n"
    "  mlvc log\n"
    "ML record (runs, questions, policies):\n"
    "  mlvc push-model models/m.pt -m 'lr 0.1' --params params.yaml --metrics m.json\n"
    "  mlvc run record --kind eval --metric accuracy=0.93\n"
    "  mlvc explain models/m.pt    (also params, metrics, lineage, since-training, env diff,\n"
    "                               metrics history, regressions, runs, review, policy)\n"
    "\n"
    "Run 'mlvc help COMMAND' (or 'mlvc COMMAND --help') for one command.\n"
    "Environment: MLVC_TOKEN (token, overrides the stored one), MLVC_SERVER (server for\n"
    "commands run outside a working copy), XDG_CONFIG_HOME (where credentials are kept).\n";

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
  // Subcommands inherit the parent's settings at creation; the global footer is set last so
  // that each command keeps its own.
  Invocation invocation;
  RegisterHelpCommand(app, invocation);
  RegisterLoginCommand(app, invocation);
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
  app.footer(std::string(kOverview) + "\nExit codes:\n" + ExitCodeTable());

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
  return invocation.run();
}

}  // namespace
}  // namespace mlvc::client::cli

int main(int argc, char** argv) {
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
