// `mlvc branch create NAME [--from REF] | branch list | branch delete NAME` and
// `mlvc switch NAME`. Branch commands run inside a working copy or with --repo; switch needs
// a working copy.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/progress.h"
#include "client/cli/repo_target.h"
#include "client/ops/branch_ops.h"
#include "client/ops/server_ops.h"

namespace mlvc::client::cli {
namespace {

struct BranchArgs {
  std::string server;
  std::string repo;
  std::string name;
  std::string from;
  bool json = false;
};

// "@5" and "5" both mean changeset 5; the server accepts either.
int RunCreate(const BranchArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  // Default source: the branch the working copy follows, else main.
  std::string from = args.from;
  if (from.empty() && target->wc_branch.has_value()) from = *target->wc_branch;
  absl::StatusOr<remote::BranchInfo> branch =
      ops::CreateBranch(target->endpoint, target->repository, args.name, from);
  if (!branch.ok()) return ReportError(branch.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"name", branch->name}, {"head", branch->head}});
  } else {
    std::cout << "Created branch " << branch->name << " at @" << branch->head << ".\n";
  }
  return kExitOk;
}

int RunList(const BranchArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<std::vector<remote::BranchInfo>> branches =
      ops::ListBranches(target->endpoint, target->repository);
  if (!branches.ok()) return ReportError(branches.status(), target->endpoint.server);
  const std::string current = target->wc_branch.value_or("");
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::BranchInfo& b : *branches) {
      doc.push_back({{"name", b.name}, {"head", b.head}, {"current", b.name == current}});
    }
    PrintJson(doc);
    return kExitOk;
  }
  for (const remote::BranchInfo& b : *branches) {
    std::cout << (b.name == current ? "* " : "  ") << b.name << "  @" << b.head << '\n';
  }
  return kExitOk;
}

int RunDelete(const BranchArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::Status status = ops::DeleteBranch(target->endpoint, target->repository, args.name);
  if (!status.ok()) return ReportError(status, target->endpoint.server);
  if (args.json) {
    PrintJson({{"deleted", args.name}});
  } else {
    std::cout << "Deleted branch " << args.name << ".\n";
  }
  return kExitOk;
}

int RunSwitch(const BranchArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  std::unique_ptr<ProgressRenderer> bar = MakeProgressBar(args.json);
  const ops::ProgressCallback callback = PrintFileEvents(args.json, bar.get());
  absl::StatusOr<ops::UpdateResult> result =
      ops::Switch(*wc, *endpoint, args.name, callback, bar.get());
  if (bar) bar->Clear();
  if (!result.ok()) return ReportError(result.status(), server);
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const ops::FileEvent& event : result->events) {
      nlohmann::json item = {{"path", event.path}, {"action", EventWord(event.action)}};
      if (event.changeset != 0) item["changeset"] = event.changeset;
      files.push_back(std::move(item));
    }
    PrintJson({{"branch", args.name}, {"changeset", result->number}, {"files", files},
               {"transfer", TransferJson(result->transfer)}});
  } else {
    std::cout << "Switched to branch " << args.name << " at @" << result->number << ".\n";
  }
  return kExitOk;
}

void AddTargetFlags(CLI::App* cmd, BranchArgs* args) {
  cmd->add_option("--repo", args->repo, kRepoFlagHelp);
  cmd->add_option("--server", args->server, kServerFlagHelp);
}

}  // namespace

void RegisterBranchCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* branch = app.add_subcommand("branch", "Create, list and delete branches");
  branch->require_subcommand(1);
  SetHelpFooter(branch, "  mlvc branch create exp/lr-3e-4\n  mlvc branch list\n"
                        "  mlvc branch delete exp/lr-3e-4\n");
  {
    auto args = std::make_shared<BranchArgs>();
    CLI::App* cmd = branch->add_subcommand(
        "create", "Create a branch on the server (instant, whatever the repository's size)");
    cmd->add_option("NAME", args->name, "The new branch's name")->required();
    cmd->add_option("--from", args->from,
                    "Start at this branch, label or changeset @N (default: the working "
                    "copy's branch, else main)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print {\"name\", \"head\"}");
    SetHelpFooter(cmd,
                  "  mlvc branch create exp/mixup\n"
                  "  mlvc branch create hotfix --from v1.0\n"
                  "  mlvc branch create exp/a --from @12 --repo resnet50\n",
                  "NAME: '/'-separated segments of A-Z a-z 0-9 . _ -, each starting with a\n"
                  "letter or digit, not ending with '.' or '.lock'; at most 200 characters;\n"
                  "not all digits. Branches and labels share names. The working copy keeps\n"
                  "following its branch; run 'mlvc switch NAME' to move it.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunCreate(*args); }; });
  }
  {
    auto args = std::make_shared<BranchArgs>();
    CLI::App* cmd = branch->add_subcommand("list", "List branches with their heads");
    cmd->alias("ls");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print [{\"name\", \"head\", \"current\"}]");
    SetHelpFooter(cmd, "  mlvc branch list\n  mlvc branch list --json --repo resnet50\n",
                  "Prints 'NAME  @HEAD' per branch; '*' marks the working copy's branch.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
  {
    auto args = std::make_shared<BranchArgs>();
    CLI::App* cmd = branch->add_subcommand(
        "delete", "Delete a branch (its changesets stay; main cannot be deleted)");
    cmd->add_option("NAME", args->name, "The branch to delete")->required();
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print {\"deleted\"}");
    SetHelpFooter(cmd, "  mlvc branch delete exp/lr-3e-4\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunDelete(*args); }; });
  }
  {
    auto args = std::make_shared<BranchArgs>();
    CLI::App* cmd = app.add_subcommand(
        "switch", "Make the working copy follow another branch and update to its head");
    cmd->add_option("NAME", args->name, "The branch to follow")->required();
    cmd->add_flag("--json", args->json,
                  "Print {\"branch\", \"changeset\", \"files\": [{\"path\", \"action\"}]}");
    SetHelpFooter(cmd, "  mlvc switch exp/mixup\n  mlvc switch main\n",
                  "Only files that differ between the versions are rewritten. Local edits\n"
                  "are kept: an edited file that also differs on NAME is treated as by\n"
                  "'mlvc update' (merged, or kept with a conflict to resolve), never lost.\n"
                  "NAME must be a branch: a label never moves (check it out instead).\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunSwitch(*args); }; });
  }
}

}  // namespace mlvc::client::cli
