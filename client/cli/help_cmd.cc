// `mlvc help [COMMAND [SUBCOMMAND]]`: the same text as `--help`, for people who type it
// the other way round.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/command.h"
#include "client/cli/exit_codes.h"

namespace mlvc::client::cli {

void SetHelpFooter(CLI::App* command, const std::string& examples, const std::string& details) {
  std::string footer = details.empty() ? std::string() : details + "\n";
  command->footer(footer + "Examples:\n" + examples + "\nExit codes:\n" + ExitCodeTable());
}

void RegisterHelpCommand(CLI::App& app, Invocation& invocation) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* help = app.add_subcommand("help", "Explain a command (or list them all)");
  help->add_option("COMMAND", *words, "The command to explain, e.g. 'commit' or 'repo create'");
  SetHelpFooter(help, "  mlvc help\n  mlvc help checkout\n  mlvc help repo create\n");
  CLI::App* root = &app;
  help->callback([&invocation, words, root]() {
    invocation.run = [words, root]() {
      const CLI::App* target = root;
      for (const std::string& word : *words) {
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : target->get_subcommands({})) {
          if (sub->get_name() == word) next = sub;
        }
        if (next == nullptr) {
          return ReportError("unknown command '" + word + "'; run 'mlvc help' for the list",
                             kExitUsage);
        }
        target = next;
      }
      // The formatter directly: App::help() would describe the selected subcommand ("help").
      std::string name = target->get_name();
      for (const CLI::App* p = target->get_parent(); p != nullptr; p = p->get_parent()) {
        name = p->get_name() + " " + name;
      }
      std::cout << target->get_formatter()->make_help(target, name, CLI::AppFormatMode::Normal);
      return kExitOk;
    };
  });
}

}  // namespace mlvc::client::cli
