// `mlvc diff [P...]`: local edits against the base versions.
// `mlvc diff REF1 REF2`: two versions compared on the server (no working copy needed).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/repo_target.h"
#include "client/ops/branch_ops.h"
#include "client/ops/diff.h"
#include "client/ops/local_ops.h"

namespace mlvc::client::cli {
namespace {

struct DiffArgs {
  std::vector<std::string> paths;
  bool json = false;
  std::string repo;
  std::string server;
};

char ActionLetter(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd:
      return 'A';
    case remote::ChangeAction::kModify:
      return 'M';
    case remote::ChangeAction::kDelete:
      return 'D';
  }
  return 'M';
}

bool IsText(const remote::FileChange& f) {
  return (!f.from.has_value() || f.from->kind == remote::EntryKind::kText) &&
         (!f.to.has_value() || f.to->kind == remote::EntryKind::kText);
}

// Two refs, compared by the server: status lines ("M path"), then each text diff; a binary
// or large file says so instead.
int RunRefDiff(const DiffArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<ops::RefDiff> diff =
      ops::DiffRefs(target->endpoint, target->repository, args.paths[0], args.paths[1], {});
  if (!diff.ok()) return ReportError(diff.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const remote::FileChange& f : diff->files) {
      const char* action = f.action == remote::ChangeAction::kAdd      ? "add"
                           : f.action == remote::ChangeAction::kDelete ? "delete"
                                                                       : "modify";
      nlohmann::json item = {{"path", f.path},
                             {"action", action},
                             {"kind", IsText(f) ? "text" : "binary"}};
      if (!f.unified_diff.empty()) item["diff"] = f.unified_diff;
      files.push_back(std::move(item));
    }
    PrintJson({{"from", diff->from_number}, {"to", diff->to_number}, {"files", files}});
    return kExitOk;
  }
  std::cout << "Comparing @" << diff->from_number << " (" << args.paths[0] << ") with @"
            << diff->to_number << " (" << args.paths[1] << "): " << diff->files.size()
            << (diff->files.size() == 1 ? " file differs\n" : " files differ\n");
  for (const remote::FileChange& f : diff->files) {
    std::cout << ActionLetter(f.action) << ' ' << f.path << '\n';
  }
  for (const remote::FileChange& f : diff->files) {
    if (!f.unified_diff.empty()) {
      std::cout << '\n' << f.unified_diff;
      if (f.unified_diff.back() != '\n') std::cout << '\n';
    } else if (!IsText(f)) {
      std::cout << "\nBinary file " << f.path << " differs\n";
    } else if (f.action == remote::ChangeAction::kModify &&
               f.from->content_id != f.to->content_id) {
      std::cout << "\nLarge file " << f.path << " differs\n";
    }
  }
  return kExitOk;
}

// Two arguments are refs, not paths, when --repo is given, when there is no working copy,
// when both start with '@', or when neither exists on disk.
bool LooksLikeRefs(const DiffArgs& args, bool in_working_copy) {
  if (args.paths.size() != 2) return false;
  if (!args.repo.empty() || !in_working_copy) return true;
  if (args.paths[0].starts_with('@') && args.paths[1].starts_with('@')) return true;
  std::error_code ec;
  return !std::filesystem::exists(args.paths[0], ec) &&
         !std::filesystem::exists(args.paths[1], ec);
}

int RunDiff(const DiffArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (LooksLikeRefs(args, wc.ok())) return RunRefDiff(args);
  if (!args.repo.empty()) {
    return ReportError("--repo compares two versions: give exactly two refs", kExitUsage);
  }
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, args.paths);
  if (!relpaths.ok()) return ReportError(relpaths.status(), server);
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  absl::StatusOr<std::vector<ops::FileDiffText>> diffs = ops::Diff(*wc, *endpoint, *relpaths);
  if (!diffs.ok()) return ReportError(diffs.status(), server);

  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const ops::FileDiffText& diff : *diffs) {
      const char* kind = diff.kind == ops::FileDiffText::Kind::kText     ? "text"
                         : diff.kind == ops::FileDiffText::Kind::kBinary ? "binary"
                                                                         : "large";
      nlohmann::json item = {{"path", diff.path}, {"kind", kind}};
      if (diff.kind == ops::FileDiffText::Kind::kText) item["diff"] = diff.text;
      doc.push_back(std::move(item));
    }
    PrintJson(doc);
    return kExitOk;
  }
  for (const ops::FileDiffText& diff : *diffs) {
    switch (diff.kind) {
      case ops::FileDiffText::Kind::kText:
        std::cout << diff.text;
        if (!diff.text.empty() && diff.text.back() != '\n') std::cout << '\n';
        break;
      case ops::FileDiffText::Kind::kBinary:
        std::cout << "Binary file " << diff.path << " differs\n";
        break;
      case ops::FileDiffText::Kind::kLarge:
        std::cout << "Large file " << diff.path << " differs\n";
        break;
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterDiffCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "Show local edits against the base version as a unified diff");
  cmd->add_option("PATH", args->paths,
                  "Only these files or folders; or two refs (@N, branch, label) to compare");
  cmd->add_option("--repo", args->repo, kRepoFlagHelp);
  cmd->add_option("--server", args->server, kServerFlagHelp);
  cmd->add_flag("--json", args->json,
                "Print [{\"path\", \"kind\": \"text|binary|large\", \"diff\"}]");
  SetHelpFooter(cmd,
                "  mlvc diff\n  mlvc diff configs/train.yaml\n  mlvc diff @3 @7\n"
                "  mlvc diff main exp/mixup --repo resnet50\n",
                "Each text file's diff is headed '--- a/PATH' and '+++ b/PATH'; a binary file\n"
                "prints 'Binary file PATH differs'.\n"
                "With two refs (changesets @N, branches or labels) the server compares those\n"
                "versions: first one 'A|M|D PATH' line per file, then the diffs (text files\n"
                "up to 1 MiB). Two arguments are taken as refs with --repo, outside a working\n"
                "copy, when both start with '@', or when neither exists on disk.\n"
                "--json with refs: {\"from\", \"to\", \"files\": [{\"path\", \"action\", "
                "\"kind\", \"diff\"}]}.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunDiff(*args); }; });
}

}  // namespace mlvc::client::cli
