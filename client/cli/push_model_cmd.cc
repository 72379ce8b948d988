// `mlvc push-model FILE... [--to DIR] -m MSG [run options]`: the CI runner's one call. The
// model files are committed and their training run recorded in one PushModel call, so both
// are in the history or neither is. Inside a working copy (only those paths are committed;
// other local edits stay), or with --repo [--branch] and MLVC_SERVER/--server (a sparse
// temporary checkout of the target paths). Non-interactive: the token comes from MLVC_TOKEN
// (or the stored login).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_cmds.h"
#include "client/cli/record_render.h"
#include "client/cli/repo_target.h"
#include "client/ops/record_ops.h"

namespace mlvc::client::cli {
namespace {

struct PushArgs {
  TargetFlags target;
  std::vector<std::string> files;
  std::string to;
  std::string message;
  std::string branch;
  ops::RunOptions options;
  bool json = false;
};

int RunPush(const PushArgs& args) {
  // Every local check first: a bad params file or missing model never reaches the server.
  absl::StatusOr<ops::PreparedRun> run = ops::PrepareRun(args.options, remote::RunKind::kTrain);
  if (!run.ok()) return ReportError(run.status(), "");
  if (args.message.empty()) return ReportError("the commit message is empty (-m MSG)", kExitUsage);
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<ops::PushModelOutcome> pushed;
  if (target->wc_branch.has_value()) {
    if (!args.branch.empty() && args.branch != *target->wc_branch) {
      return ReportError("--branch is for pushing with --repo; this working copy follows '" +
                             *target->wc_branch + "' (run 'mlvc switch' or pass --repo)",
                         kExitUsage);
    }
    absl::StatusOr<std::string> cwd = CurrentDir();
    if (!cwd.ok()) return ReportError(cwd.status(), "");
    absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
    if (!wc.ok()) return ReportError(wc.status(), "");
    pushed = ops::PushModelInWorkingCopy(*wc, target->endpoint, *cwd, args.files, args.to,
                                         args.message, *run);
  } else {
    pushed = ops::PushModelToRepository(target->endpoint, target->repository, args.branch,
                                        args.files, args.to, args.message, *run);
  }
  if (!pushed.ok()) return ReportError(pushed.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"repository", pushed->repository},
               {"branch", pushed->branch},
               {"changeset", pushed->number},
               {"replayed", pushed->replayed},
               {"paths", pushed->paths},
               {"run_id", pushed->run.id},
               {"run", RunJson(pushed->run)}});
  } else {
    std::cout << "Pushed " << pushed->paths.size() << " file(s) as @" << pushed->number
              << " on " << pushed->branch << " with " << ops::RunKindName(pushed->run.kind)
              << " run " << pushed->run.id << ".\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterPushModelCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<PushArgs>();
  CLI::App* cmd = app.add_subcommand(
      "push-model", "Commit model files and record their training run, atomically");
  cmd->add_option("FILE", args->files, "Model files to push")->required();
  cmd->add_option("--to", args->to,
                  "Repository folder to put the files in (as TO/BASENAME); without it each "
                  "file must be inside the working copy, or goes to the root with --repo");
  cmd->add_option("-m,--message", args->message, "The changeset message")->required();
  cmd->add_option("--kind", args->options.kind, "Run kind (default: train)");
  AddRunOptionFlags(cmd, &args->options);
  cmd->add_option("--branch", args->branch, "Branch to push to with --repo (default: main)");
  AddTargetFlags(cmd, &args->target);
  cmd->add_flag("--json", args->json,
                "Print {\"repository\", \"branch\", \"changeset\", \"replayed\", \"paths\", "
                "\"run_id\", \"run\": run}");
  SetHelpFooter(
      cmd,
      "  mlvc push-model models/resnet50.pt -m 'lr 0.1' --params params.yaml \\\n"
      "      --metrics metrics.json --input imagenet-mini/train@main --env requirements.txt\n"
      "  MLVC_SERVER=host:7070 MLVC_TOKEN=... mlvc push-model out/model.pt --to models \\\n"
      "      --repo resnet50 --branch exp/lr-0.1 -m 'CI build 42' --metric loss=0.3 --json\n",
      std::string(
          "Uploads the files (only the chunks the server lacks), then submits the changeset\n"
          "and records the run against it in one call: either both land or neither (e.g. an\n"
          "unknown --input leaves no changeset). The run's outputs default to the pushed\n"
          "paths. In a working copy only the pushed paths are committed; other edits stay.\n"
          "Unchanged files are refused (exit 6): record the run with 'mlvc run record'.\n") +
          kRunOptionsDetails +
          "The run in --json has the shape of 'mlvc run record --json'.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunPush(*args); }; });
}

}  // namespace mlvc::client::cli
