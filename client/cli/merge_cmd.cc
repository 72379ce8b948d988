// `mlvc merge SOURCE --into TARGET [-m MSG] [--preview] [--strategy ours|theirs] [--json]`
// (on the server) and `mlvc merge SOURCE` inside a working copy (merged into its files, to be
// resolved and committed as the merge).
#include <iostream>
#include <memory>
#include <string>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/repo_target.h"
#include "client/ops/merge_ops.h"

namespace mlvc::client::cli {
namespace {

struct MergeArgs {
  std::string source;
  std::string into;
  std::string message;
  std::string strategy;
  std::string server;
  std::string repo;
  bool preview = false;
  bool json = false;
};

remote::MergeStrategy ParseStrategy(const std::string& s) {
  if (s == "ours") return remote::MergeStrategy::kOurs;
  if (s == "theirs") return remote::MergeStrategy::kTheirs;
  return remote::MergeStrategy::kConflict;
}

const char* ActionWord(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd: return "add";
    case remote::ChangeAction::kDelete: return "delete";
    case remote::ChangeAction::kModify: return "modify";
  }
  return "modify";
}

char ActionLetter(const remote::MergedFileInfo& f) {
  if (f.line_merged) return 'G';
  switch (f.action) {
    case remote::ChangeAction::kAdd: return 'A';
    case remote::ChangeAction::kDelete: return 'D';
    case remote::ChangeAction::kModify: return 'U';
  }
  return 'U';
}

nlohmann::json OutcomeJson(const remote::MergeOutcome& out) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : out.files) {
    files.push_back({{"path", f.path}, {"action", ActionWord(f.action)},
                     {"line_merged", f.line_merged}});
  }
  nlohmann::json conflicts = nlohmann::json::array();
  for (const auto& c : out.conflicts) conflicts.push_back({{"path", c.path}, {"reason", c.reason}});
  nlohmann::json doc = {{"changeset", nullptr},      {"base", out.base_number},
                        {"source", out.source_number}, {"target", out.target_number},
                        {"up_to_date", out.up_to_date}, {"files", files},
                        {"conflicts", conflicts}};
  if (out.changeset.has_value()) doc["changeset"] = out.changeset->number;
  return doc;
}

int RunServerMerge(const MergeArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  const std::string& server = target->endpoint.server;
  remote::MergeRequest request;
  request.repository = target->repository;
  request.source = args.source;
  request.target_branch = args.into;
  request.message = args.message;
  request.preview = args.preview;
  request.strategy = ParseStrategy(args.strategy);
  absl::StatusOr<remote::MergeOutcome> out = ops::MergeOnServer(target->endpoint, request);
  if (absl::IsAborted(out.status())) {
    // List every conflict with its reason (the error message may be cut short).
    remote::MergeRequest preview = request;
    preview.preview = true;
    absl::StatusOr<remote::MergeOutcome> details = ops::MergeOnServer(target->endpoint, preview);
    if (args.json && details.ok()) {
      nlohmann::json doc = OutcomeJson(*details);
      doc["error"] = UserMessage(out.status(), server);
      PrintJson(doc);
    } else if (details.ok()) {
      for (const auto& c : details->conflicts) std::cout << "C " << c.path << ": " << c.reason << '\n';
    }
    return ReportError(UserMessage(out.status(), server) + "; nothing was changed. To resolve, run "
                       "'mlvc merge " + args.source + "' in a working copy of '" + args.into +
                       "', fix the conflicts, 'mlvc resolve' them and commit",
                       kExitConflict);
  }
  if (!out.ok()) return ReportError(out.status(), server);
  if (args.json) {
    PrintJson(OutcomeJson(*out));
    return kExitOk;
  }
  if (out->up_to_date) {
    std::cout << "Already up to date: '" << args.into << "' contains " << args.source << " (@"
              << out->source_number << ").\n";
    return kExitOk;
  }
  for (const auto& f : out->files) std::cout << ActionLetter(f) << ' ' << f.path << '\n';
  if (args.preview) {
    for (const auto& c : out->conflicts) std::cout << "C " << c.path << ": " << c.reason << '\n';
    std::cout << "Preview of merging " << args.source << " (@" << out->source_number
              << ") into " << args.into << " (@" << out->target_number << "), base @"
              << out->base_number << ": " << out->files.size() << " files change, "
              << out->conflicts.size() << " conflict; nothing was written.\n";
    return out->conflicts.empty() ? kExitOk : kExitConflict;
  }
  std::cout << "Merged " << args.source << " (@" << out->source_number << ") into " << args.into
            << " as changeset @" << out->changeset->number << ".\n";
  return kExitOk;
}

int RunWcMerge(const MergeArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  ops::ProgressCallback callback;
  if (!args.json) {
    callback = [](const ops::FileEvent& event) { std::cout << DescribeEvent(event) << '\n'; };
  }
  absl::StatusOr<ops::WcMergeResult> result =
      ops::MergeIntoWorkingCopy(*wc, *endpoint, args.source, ParseStrategy(args.strategy), callback);
  if (!result.ok()) return ReportError(result.status(), server);
  if (args.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const ops::FileEvent& e : result->events) {
      files.push_back({{"path", e.path}, {"action", EventWord(e.action)}});
    }
    nlohmann::json conflicts = nlohmann::json::array();
    for (const auto& c : result->conflicts) {
      conflicts.push_back({{"path", c.path}, {"reason", c.reason}});
    }
    PrintJson({{"source", result->source_number}, {"base", result->base_number},
               {"up_to_date", result->up_to_date}, {"files", files}, {"conflicts", conflicts}});
  } else if (result->up_to_date) {
    std::cout << "Already up to date: '" << wc->config().branch << "' contains " << args.source
              << ".\n";
  } else {
    for (const auto& c : result->conflicts) {
      std::cout << "Conflict in " << c.path << ": " << c.reason << '\n';
    }
    std::cout << "Merged " << args.source << " (@" << result->source_number
              << ") into the working copy";
    if (result->conflicts.empty()) {
      std::cout << "; commit to record the merge.\n";
    } else {
      std::cout << " with " << result->conflicts.size()
                << " conflicted files: fix them, run 'mlvc resolve PATH', then commit.\n";
    }
  }
  return result->conflicts.empty() ? kExitOk : kExitConflict;
}

}  // namespace

void RegisterMergeCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand("merge", "Merge a branch (or label, or @N) into another");
  cmd->add_option("SOURCE", args->source, "Branch, label or changeset to merge")->required();
  cmd->add_option("--into", args->into,
                  "Merge on the server into this branch (default: into the working copy)");
  cmd->add_option("-m,--message", args->message, "Changeset message (with --into)");
  cmd->add_flag("--preview", args->preview,
                "Show what would change and what would conflict; write nothing (with --into)");
  cmd->add_option("--strategy", args->strategy,
                  "For binary files changed on both sides: keep ours (the target) or take theirs")
      ->check(CLI::IsMember({"ours", "theirs"}));
  cmd->add_flag("--json", args->json, "Print one JSON document");
  cmd->add_option("--repo", args->repo, kRepoFlagHelp);
  cmd->add_option("--server", args->server, kServerFlagHelp);
  SetHelpFooter(
      cmd,
      "  mlvc merge exp/lr-3e-4 --into integration\n"
      "  mlvc merge exp/mixup --into integration --preview\n"
      "  mlvc merge exp/mixup            (inside a working copy of integration)\n",
      "With --into the server merges SOURCE into TARGET three-way from their merge base and\n"
      "commits one changeset with both parents, printing 'U/A/D path' per file and 'G path'\n"
      "for texts whose lines were merged. When paths conflict nothing is changed: each is\n"
      "printed as 'C path: reason' and the command exits 9; merge again inside a working copy\n"
      "of TARGET to resolve. Without --into, SOURCE is merged into the working copy's files\n"
      "(conflicts left as by 'mlvc update'), and the next 'mlvc commit' records the merge.\n");
  cmd->callback([&invocation, args]() {
    invocation.run = [args]() {
      if (!args->into.empty()) return RunServerMerge(*args);
      if (args->preview || !args->message.empty() || !args->repo.empty()) {
        return ReportError("--preview, -m and --repo need --into TARGET", kExitUsage);
      }
      return RunWcMerge(*args);
    };
  });
}

}  // namespace mlvc::client::cli
