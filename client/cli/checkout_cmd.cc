// `mlvc checkout [https://]HOST:PORT/REPO[@REF] [DIR] [--paths P ...]`: makes a new working
// copy.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/progress.h"
#include "client/ops/checkout.h"
#include "client/ops/checkout_url.h"

namespace mlvc::client::cli {
namespace {

struct CheckoutArgs {
  std::string url;
  std::string dir;
  std::vector<std::string> paths;
  bool json = false;
};

int RunCheckout(const CheckoutArgs& args) {
  absl::StatusOr<ops::CheckoutUrl> url = ops::ParseCheckoutUrl(args.url);
  if (!url.ok()) return ReportError(url.status(), "");
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), url->server);
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(url->server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), url->server);

  const std::string dir = args.dir.empty() ? url->repository : args.dir;
  std::filesystem::path dir_path(dir);
  if (dir_path.is_relative()) dir_path = std::filesystem::path(*cwd) / dir_path;

  ops::CheckoutOptions options;
  options.endpoint = *endpoint;
  options.repository = url->repository;
  options.ref = url->ref;
  options.dir_abspath = dir_path.lexically_normal().string();
  while (options.dir_abspath.size() > 1 && options.dir_abspath.back() == '/') {
    options.dir_abspath.pop_back();
  }
  options.sparse_paths = args.paths;

  std::unique_ptr<ProgressRenderer> bar = MakeProgressBar(args.json);
  absl::StatusOr<ops::CheckoutResult> result = ops::Checkout(options, nullptr, bar.get());
  if (bar) bar->Clear();
  if (!result.ok()) return ReportError(result.status(), url->server);

  if (args.json) {
    PrintJson({{"repository", result->repository},
               {"changeset", result->number},
               {"branch", result->branch},
               {"root", result->root},
               {"files", result->file_count},
               {"bytes", result->total_bytes},
               {"transfer", TransferJson(result->transfer)}});
  } else {
    std::cout << "Checked out " << result->repository << "@" << result->number << " ("
              << result->branch << ") into " << dir << ": " << result->file_count
              << (result->file_count == 1 ? " file." : " files.") << '\n';
  }
  return kExitOk;
}

}  // namespace

void RegisterCheckoutCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<CheckoutArgs>();
  CLI::App* cmd = app.add_subcommand(
      "checkout", "Make a working copy of a repository at a branch head or changeset");
  cmd->alias("co");
  cmd->add_option("URL", args->url, "[https://|http://]HOST:PORT/REPO[@REF]")->required();
  cmd->add_option("DIR", args->dir, "Where to put the working copy (default: REPO)");
  cmd->add_option("--paths", args->paths,
                  "Only these repository paths (files or folders), one or more")
      ->expected(1, -1);
  cmd->add_flag("--json", args->json,
                "Print {\"repository\", \"changeset\", \"branch\", \"root\", \"files\", "
                "\"bytes\"}");
  SetHelpFooter(cmd,
                "  mlvc checkout 127.0.0.1:7070/resnet50\n"
                "  mlvc checkout 127.0.0.1:7070/resnet50@exp/lr-3e-4 lr-exp\n"
                "  mlvc checkout 127.0.0.1:7070/resnet50@42 old --paths configs train.py\n",
                "REF is a branch name or a changeset number (default: main). With a number the\n"
                "working copy still follows branch main for commit and update. DIR (default:\n"
                "REPO) must not exist or be empty. --paths makes a sparse working copy holding\n"
                "only those repository paths; status, commit and update stay within them.\n"
                "Prints 'Checked out REPO@N (BRANCH) into DIR: K files.'\n");
  cmd->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunCheckout(*args); }; });
}

}  // namespace mlvc::client::cli
