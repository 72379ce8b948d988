// `mlvc label create NAME [REF] [-m NOTES] | label list | label delete NAME`: immutable names
// for changesets (releases). Inside a working copy or with --repo.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/repo_target.h"
#include "client/ops/branch_ops.h"

namespace mlvc::client::cli {
namespace {

struct LabelArgs {
  std::string server;
  std::string repo;
  std::string name;
  std::string ref;
  std::string notes;
  bool json = false;
};

nlohmann::json LabelJson(const remote::LabelInfo& label) {
  return {{"name", label.name},
          {"number", label.number},
          {"notes", label.notes},
          {"created_by", label.created_by},
          {"created_at", FormatIsoTime(label.created_at_micros)}};
}

int RunCreate(const LabelArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  // Default: the version the working copy holds (what was built and tested), else main.
  std::string ref = args.ref;
  if (ref.empty() && target->wc_branch.has_value()) ref = absl::StrCat("@", target->wc_base);
  absl::StatusOr<remote::LabelInfo> label =
      ops::CreateLabel(target->endpoint, target->repository, args.name, ref, args.notes);
  if (!label.ok()) return ReportError(label.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(LabelJson(*label));
  } else {
    std::cout << "Created label " << label->name << " on @" << label->number << ".\n";
  }
  return kExitOk;
}

int RunList(const LabelArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<std::vector<remote::LabelInfo>> labels =
      ops::ListLabels(target->endpoint, target->repository);
  if (!labels.ok()) return ReportError(labels.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::LabelInfo& l : *labels) doc.push_back(LabelJson(l));
    PrintJson(doc);
    return kExitOk;
  }
  for (const remote::LabelInfo& l : *labels) {
    std::string notes = l.notes.substr(0, l.notes.find('\n'));
    std::cout << l.name << "  @" << l.number << "  " << l.created_by << "  "
              << FormatHumanTime(l.created_at_micros);
    if (!notes.empty()) std::cout << "  " << notes;
    std::cout << '\n';
  }
  return kExitOk;
}

int RunDelete(const LabelArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::Status status = ops::DeleteLabel(target->endpoint, target->repository, args.name);
  if (!status.ok()) return ReportError(status, target->endpoint.server);
  if (args.json) {
    PrintJson({{"deleted", args.name}});
  } else {
    std::cout << "Deleted label " << args.name << ".\n";
  }
  return kExitOk;
}

void AddTargetFlags(CLI::App* cmd, LabelArgs* args) {
  cmd->add_option("--repo", args->repo, kRepoFlagHelp);
  cmd->add_option("--server", args->server, kServerFlagHelp);
}

}  // namespace

void RegisterLabelCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* label = app.add_subcommand("label", "Create, list and delete labels (releases)");
  label->require_subcommand(1);
  SetHelpFooter(label, "  mlvc label create v1.0 -m 'first release'\n  mlvc label list\n");
  {
    auto args = std::make_shared<LabelArgs>();
    CLI::App* cmd = label->add_subcommand("create", "Give a changeset an immutable name");
    cmd->add_option("NAME", args->name, "The label, e.g. v1.2.0")->required();
    cmd->add_option("REF", args->ref,
                    "Changeset @N, branch (its head now) or label (default: the working "
                    "copy's version, else main)");
    cmd->add_option("-m,--notes", args->notes, "Release notes");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print {\"name\", \"number\", \"notes\", \"created_by\", \"created_at\"}");
    SetHelpFooter(cmd,
                  "  mlvc label create v1.0 -m 'first release'\n"
                  "  mlvc label create v1.1 integration --repo resnet50\n"
                  "  mlvc label create v0.9 @12\n",
                  "NAME: one segment of A-Z a-z 0-9 . _ -, 1-100 characters, starting with a\n"
                  "letter or digit, not ending with '.' or '.lock', without '..', not all\n"
                  "digits (v1.2.0 works). Branches and labels share names. A label never\n"
                  "moves; check it out with 'mlvc checkout SERVER/REPO@NAME'.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunCreate(*args); }; });
  }
  {
    auto args = std::make_shared<LabelArgs>();
    CLI::App* cmd = label->add_subcommand("list", "List labels by name");
    cmd->alias("ls");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print [{\"name\", \"number\", \"notes\", \"created_by\", \"created_at\"}]");
    SetHelpFooter(cmd, "  mlvc label list\n  mlvc label list --json --repo resnet50\n",
                  "Prints 'NAME  @N  AUTHOR  TIME  NOTES' (first line of the notes).\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
  {
    auto args = std::make_shared<LabelArgs>();
    CLI::App* cmd = label->add_subcommand(
        "delete", "Delete a label (maintainers only; recorded in the audit log)");
    cmd->add_option("NAME", args->name, "The label to delete")->required();
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print {\"deleted\"}");
    SetHelpFooter(cmd, "  mlvc label delete v1.0-rc1\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunDelete(*args); }; });
  }
}

}  // namespace mlvc::client::cli
