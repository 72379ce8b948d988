// `mlvc run record ...`, `mlvc run show ID`, `mlvc runs [...]`: recording runs against a
// changeset and listing them. Inside a working copy (repository and version from it) or with
// --repo (and --server / MLVC_SERVER).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/record_cmds.h"
#include "client/cli/record_render.h"
#include "client/cli/repo_target.h"
#include "client/ops/record_ops.h"

namespace mlvc::client::cli {

const char kRunOptionsDetails[] =
    "Run options:\n"
    "  --params FILE / --metrics FILE: JSON or YAML (by extension; else guessed), flat or\n"
    "  nested (nested keys are joined with '.'). --param/--metric K=V add to (and override)\n"
    "  the file's keys. Metrics must be numbers.\n"
    "  --input REPO/PATH[@REF]: a dataset or model the run read, resolved by the server to the\n"
    "  content id (folder: tree hash) at REF (default main); REPO '.' is this repository.\n"
    "  --output PATH: a file the run produced (repository path at the run's changeset).\n"
    "  --env FILE: requirements.txt, pip freeze output or conda environment.yml; uploaded and\n"
    "  parsed into packages. --env-var K=V: free facts (image, python, cuda, gpu).\n"
    "A bad file or option (exit 5) is refused before anything is sent.\n";

void AddTargetFlags(CLI::App* cmd, TargetFlags* flags) {
  cmd->add_option("--repo", flags->repo, kRepoFlagHelp);
  cmd->add_option("--server", flags->server, kServerFlagHelp);
}

void AddRunOptionFlags(CLI::App* cmd, ops::RunOptions* o) {
  cmd->add_option("--name", o->name, "Free text name of the run (default: the kind)");
  cmd->add_option("--params", o->params_file, "Params file (JSON or YAML)");
  cmd->add_option("--param", o->params, "A param K=V (repeatable)");
  cmd->add_option("--metrics", o->metrics_file, "Metrics file (JSON or YAML, numbers)");
  cmd->add_option("--metric", o->metrics, "A metric K=V, a number (repeatable)");
  cmd->add_option("--input", o->inputs, "An input REPO/PATH[@REF] (repeatable)");
  cmd->add_option("--output", o->outputs, "An output path of the repository (repeatable)");
  cmd->add_option("--env", o->env_file, "Dependency file of the environment");
  cmd->add_option("--env-var", o->env_vars, "An environment fact K=V (repeatable)");
}

std::string DefaultQuestionRef(const RepoTarget& target) {
  return target.wc_branch.value_or("");
}

std::string StripAt(const std::string& ref) {
  return !ref.empty() && ref.front() == '@' ? ref.substr(1) : ref;
}

namespace {

struct RecordArgs {
  TargetFlags target;
  std::string ref;
  ops::RunOptions options;
  bool json = false;
};

int RunRecord(const RecordArgs& args) {
  // Checked before anything else: a bad file never costs a connection.
  absl::StatusOr<ops::PreparedRun> run = ops::PrepareRun(args.options);
  if (!run.ok()) return ReportError(run.status(), "");
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  // Default: the version the working copy holds (what was trained or evaluated), else main.
  std::string ref = StripAt(args.ref);
  if (ref.empty() && target->wc_branch.has_value()) ref = std::to_string(target->wc_base);
  absl::StatusOr<remote::RunInfo> recorded =
      ops::RecordRun(target->endpoint, target->repository, ref, *run);
  if (!recorded.ok()) return ReportError(recorded.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(RunJson(*recorded));
  } else {
    std::cout << "Recorded " << ops::RunKindName(recorded->kind) << " run " << recorded->id
              << " on @" << recorded->number << " (" << recorded->params.size() << " params, "
              << recorded->metrics.size() << " metrics, " << recorded->inputs.size()
              << " inputs).\n";
  }
  return kExitOk;
}

struct ShowArgs {
  TargetFlags target;
  int64_t id = 0;
  bool json = false;
};

int RunShow(const ShowArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::RunInfo> run = ops::GetRun(target->endpoint, target->repository, args.id);
  if (!run.ok()) return ReportError(run.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(RunJson(*run));
  } else {
    std::cout << RunText(*run);
  }
  return kExitOk;
}

struct ListArgs {
  TargetFlags target;
  std::string branch;
  std::string kind;
  std::string at;
  int limit = 0;
  int64_t after = 0;
  bool json = false;
};

int RunList(const ListArgs& args) {
  remote::RunQuery query;
  if (!args.kind.empty()) {
    absl::StatusOr<remote::RunKind> kind = ops::ParseRunKind(args.kind);
    if (!kind.ok()) return ReportError(kind.status(), "");
    query.kind = *kind;
  }
  if (args.limit < 0 || args.after < 0) {
    return ReportError("--limit and --after must not be negative", kExitUsage);
  }
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  query.repository = target->repository;
  query.branch = args.branch;
  query.limit = args.limit;
  query.before_id = args.after;
  absl::StatusOr<std::vector<remote::RunInfo>> runs = ops::ListRuns(target->endpoint, query);
  if (!runs.ok()) return ReportError(runs.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& r : *runs) doc.push_back(RunJson(r));
    PrintJson(doc);
  } else if (runs->empty()) {
    std::cout << "No runs.\n";
  } else {
    std::cout << RunsTable(*runs);
  }
  return kExitOk;
}

}  // namespace

void RegisterRunCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* run = app.add_subcommand("run", "Record a training, evaluation or validation run");
  run->require_subcommand(1);
  SetHelpFooter(run, "  mlvc run record --kind eval --metrics metrics.json\n  mlvc run show 12\n");
  {
    auto args = std::make_shared<RecordArgs>();
    CLI::App* cmd = run->add_subcommand("record", "Record a run against a changeset");
    cmd->add_option("REF", args->ref,
                    "Changeset the run ran on: @N, branch, label (default: the working copy's "
                    "version, else main)");
    cmd->add_option("--kind", args->options.kind, "train, eval or validation")->required();
    AddRunOptionFlags(cmd, &args->options);
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json, "Print the recorded run (see below)");
    SetHelpFooter(cmd,
                  "  mlvc run record --kind eval --metrics metrics.json\n"
                  "  mlvc run record @12 --kind train --params params.yaml --metric loss=0.31 \\\n"
                  "      --input imagenet-mini/train@v2 --env requirements.txt --repo resnet50\n",
                  std::string(kRunOptionsDetails) +
                      "--json prints the run: {\"id\", \"repository\", \"number\", \"kind\",\n"
                      "\"name\", \"status\", \"user\", \"started_at\", \"finished_at\",\n"
                      "\"recorded_at\", \"params\": {K: TEXT}, \"metrics\": {K: NUMBER},\n"
                      "\"series\": {K: [{\"step\", \"value\"}]}, \"inputs\": [{\"repository\",\n"
                      "\"path\", \"number\", \"content_id\", \"directory\"}], \"outputs\":\n"
                      "[{\"path\", \"content_id\"}], \"environment\": {\"file_name\",\n"
                      "\"file_content_id\", \"packages\": {NAME: VERSION}, \"vars\": {K: V}}}.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunRecord(*args); }; });
  }
  {
    auto args = std::make_shared<ShowArgs>();
    CLI::App* cmd = run->add_subcommand("show", "Show one run");
    cmd->add_option("ID", args->id, "The run id")->required();
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json, "Print the run (the shape of 'run record --json')");
    SetHelpFooter(cmd, "  mlvc run show 12\n  mlvc run show 12 --json --repo resnet50\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunShow(*args); }; });
  }
  {
    auto args = std::make_shared<ListArgs>();
    CLI::App* cmd = app.add_subcommand("runs", "List runs, newest first");
    cmd->add_option("--branch", args->branch,
                    "Only runs on this branch's first-parent history (default: every run)");
    cmd->add_option("--kind", args->kind, "Only runs of this kind (train, eval, validation)");
    cmd->add_option("--limit", args->limit, "At most this many (default 50, at most 1000)");
    cmd->add_option("--after", args->after,
                    "Only runs with an id below this one (the last id of the previous page)");
    AddTargetFlags(cmd, &args->target);
    cmd->add_flag("--json", args->json, "Print [run] (the shape of 'run record --json')");
    SetHelpFooter(cmd,
                  "  mlvc runs\n  mlvc runs --branch exp/lr-0.1 --kind train --json\n"
                  "  mlvc runs --limit 20 --after 180\n",
                  "Prints 'ID  CHANGESET  KIND  STATUS  USER  RECORDED  NAME'. Fewer than\n"
                  "--limit rows means there are no more.\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
}

}  // namespace mlvc::client::cli
