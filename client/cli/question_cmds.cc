// The questions asked of a model, one command each: `params`, `params diff`,
// `metrics`, `metrics diff`, `metrics history`, `regressions`, `lineage`, `since-training`,
// `env diff`, `explain`. Read-only; inside a working copy (default ref: its branch) or with
// --repo. JSON shapes are in record_render.h and each command's --help.
#include <iostream>
#include <memory>
#include <optional>
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
namespace {

struct QuestionArgs {
  TargetFlags target;
  std::string subject;  // MODEL[@REF], @REF or METRIC
  std::string a;
  std::string b;
  std::string branch;
  bool lower_is_better = false;
  bool all = false;
  int limit = 0;
  int64_t after = 0;
  std::optional<double> below;
  std::optional<double> drop;
  bool json = false;
};

// MODEL[@REF] with the default ref filled in.
ops::PathAtRef ModelTarget(const std::string& arg, const RepoTarget& target) {
  ops::PathAtRef model = ops::SplitPathAtRef(arg, /*default_is_path=*/true);
  model.ref = StripAt(model.ref);
  if (model.ref.empty()) model.ref = DefaultQuestionRef(target);
  return model;
}

// A side of `params diff` / `env diff`: REF or MODEL@REF.
ops::PathAtRef SideTarget(const std::string& arg) {
  ops::PathAtRef side = ops::SplitPathAtRef(arg, /*default_is_path=*/false);
  side.ref = StripAt(side.ref);
  return side;
}

nlohmann::json SideJson(const std::string& label, const remote::FoundRun& found) {
  return {{"label", label}, {"number", found.number}, {"run_id", found.run.id},
          {"run_number", found.run.number}};
}

int RunParams(const QuestionArgs& args) {
  if (args.subject.empty()) {
    return ReportError("say which model: 'mlvc params MODEL[@REF]' or 'mlvc params diff A B'",
                       kExitUsage);
  }
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  ops::PathAtRef model = ModelTarget(args.subject, *target);
  absl::StatusOr<remote::FoundRun> found =
      ops::FindTrainingRun(target->endpoint, target->repository, model);
  if (!found.ok()) return ReportError(found.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"model", model.path},
               {"number", found->number},
               {"run_id", found->run.id},
               {"run_number", found->run.number},
               {"params", RunJson(found->run)["params"]}});
  } else {
    std::cout << "# " << model.path << " at @" << found->number << ": training run "
              << found->run.id << " on @" << found->run.number << "\n";
    std::cout << ParamsText(found->run.params);
  }
  return kExitOk;
}

int RunParamsDiff(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::FoundRun> a =
      ops::FindTrainingRun(target->endpoint, target->repository, SideTarget(args.a));
  if (!a.ok()) return ReportError(a.status(), target->endpoint.server);
  absl::StatusOr<remote::FoundRun> b =
      ops::FindTrainingRun(target->endpoint, target->repository, SideTarget(args.b));
  if (!b.ok()) return ReportError(b.status(), target->endpoint.server);
  std::vector<ops::ParamDiffRow> rows = ops::DiffParams(a->run.params, b->run.params, args.all);
  if (args.json) {
    PrintJson({{"a", SideJson(args.a, *a)}, {"b", SideJson(args.b, *b)},
               {"params", ParamDiffJson(rows)}});
  } else if (rows.empty()) {
    std::cout << "No param differences between run " << a->run.id << " and run " << b->run.id
              << ".\n";
  } else {
    std::cout << ParamDiffTable(args.a, args.b, rows);
  }
  return kExitOk;
}

int RunMetrics(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  std::string ref = StripAt(args.subject);
  if (ref.empty()) ref = DefaultQuestionRef(*target);
  absl::StatusOr<ops::RefMetrics> metrics =
      ops::MetricsAt(target->endpoint, target->repository, ref);
  if (!metrics.ok()) return ReportError(metrics.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(RefMetricsJson(*metrics));
  } else if (metrics->values.empty()) {
    std::cout << "No metrics recorded at @" << metrics->number << " or before it.\n";
  } else {
    std::cout << MetricsText(metrics->values);
  }
  return kExitOk;
}

int RunMetricsDiff(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<ops::RefMetrics> a =
      ops::MetricsAt(target->endpoint, target->repository, StripAt(args.a));
  if (!a.ok()) return ReportError(a.status(), target->endpoint.server);
  absl::StatusOr<ops::RefMetrics> b =
      ops::MetricsAt(target->endpoint, target->repository, StripAt(args.b));
  if (!b.ok()) return ReportError(b.status(), target->endpoint.server);
  std::vector<ops::MetricDiffRow> rows = ops::DiffMetrics(a->values, b->values);
  if (args.json) {
    PrintJson({{"a", {{"label", args.a}, {"number", a->number}}},
               {"b", {{"label", args.b}, {"number", b->number}}},
               {"metrics", MetricDiffJson(rows)}});
  } else if (rows.empty()) {
    std::cout << "No metrics at either side.\n";
  } else {
    std::cout << MetricDiffTable(args.a, args.b, rows);
  }
  return kExitOk;
}

std::string QuestionBranch(const QuestionArgs& args, const RepoTarget& target) {
  if (!args.branch.empty()) return args.branch;
  return DefaultQuestionRef(target);
}

int RunMetricsHistory(const QuestionArgs& args) {
  if (args.limit < 0 || args.after < 0) {
    return ReportError("--limit and --after must not be negative", kExitUsage);
  }
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  remote::MetricHistoryQuery query;
  query.repository = target->repository;
  query.metric = args.subject;
  query.branch = QuestionBranch(args, *target);
  query.higher_is_better = !args.lower_is_better;
  query.limit = args.limit;
  query.after_number = args.after;
  absl::StatusOr<std::vector<remote::MetricPointInfo>> points =
      ops::MetricHistory(target->endpoint, query);
  if (!points.ok()) return ReportError(points.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : *points) list.push_back(MetricPointJson(p));
    PrintJson({{"metric", args.subject},
               {"branch", query.branch.empty() ? "main" : query.branch},
               {"higher_is_better", query.higher_is_better},
               {"points", list}});
  } else if (points->empty()) {
    std::cout << "No values of " << args.subject << " on "
              << (query.branch.empty() ? "main" : query.branch) << ".\n";
  } else {
    std::cout << MetricHistoryTable(*points);
  }
  return kExitOk;
}

int RunRegressions(const QuestionArgs& args) {
  if (args.below.has_value() && args.drop.has_value()) {
    return ReportError("give --below or --drop, not both", kExitUsage);
  }
  if (args.drop.has_value() && *args.drop < 0) {
    return ReportError("--drop must not be negative", kExitUsage);
  }
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  remote::RegressionQuery query;
  query.repository = target->repository;
  query.metric = args.subject;
  query.branch = QuestionBranch(args, *target);
  query.higher_is_better = !args.lower_is_better;
  query.below = args.below;
  query.drop = args.drop;
  query.limit = args.limit;
  absl::StatusOr<std::vector<remote::RegressionInfo>> found =
      ops::FindRegressions(target->endpoint, query);
  if (!found.ok()) return ReportError(found.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *found) list.push_back(RegressionJson(r));
    PrintJson({{"metric", args.subject},
               {"branch", query.branch.empty() ? "main" : query.branch},
               {"regressions", list}});
  } else {
    std::cout << RegressionsText(args.subject, *found);
  }
  return kExitOk;
}

// Explain, and the questions answered from it (lineage, since-training). `need_training`:
// NOT_FOUND when the model has no recorded training run.
absl::StatusOr<remote::ModelExplanation> Explain(const QuestionArgs& args,
                                                 const RepoTarget& target, bool need_training) {
  ops::PathAtRef model = ModelTarget(args.subject, target);
  absl::StatusOr<remote::ModelExplanation> e =
      ops::ExplainModel(target.endpoint, target.repository, model.path, model.ref);
  if (!e.ok()) return e.status();
  if (need_training && !e->training.has_value()) {
    return absl::NotFoundError(absl::StrCat("no training run is recorded for '", model.path,
                                            "' as it is at @", e->number));
  }
  return e;
}

int RunLineage(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::ModelExplanation> e = Explain(args, *target, true);
  if (!e.ok()) return ReportError(e.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(LineageJson(*e));
  } else {
    std::cout << LineageText(*e);
  }
  return kExitOk;
}

int RunSinceTraining(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::ModelExplanation> e = Explain(args, *target, true);
  if (!e.ok()) return ReportError(e.status(), target->endpoint.server);
  if (args.json) {
    PrintJson({{"path", e->path},
               {"number", e->number},
               {"run_id", e->training->id},
               {"training_number", e->training->number},
               {"since_training", ChangesSinceJson(e->since_training)},
               {"environment_changes", PackageChangesJson(e->environment_changes)}});
  } else {
    std::cout << e->path << " was trained on @" << e->training->number << " (run "
              << e->training->id << ").\n";
    std::cout << SinceTrainingText(e->since_training, e->environment_changes);
  }
  return kExitOk;
}

int RunExplain(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::ModelExplanation> e = Explain(args, *target, false);
  if (!e.ok()) return ReportError(e.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(ExplainJson(*e));
  } else {
    std::cout << ExplainText(*e);
  }
  return kExitOk;
}

int RunEnvDiff(const QuestionArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.target.server, args.target.repo);
  if (!target.ok()) return ReportError(target.status(), args.target.server);
  absl::StatusOr<remote::FoundRun> a =
      ops::FindTrainingRun(target->endpoint, target->repository, SideTarget(args.a));
  if (!a.ok()) return ReportError(a.status(), target->endpoint.server);
  absl::StatusOr<remote::FoundRun> b =
      ops::FindTrainingRun(target->endpoint, target->repository, SideTarget(args.b));
  if (!b.ok()) return ReportError(b.status(), target->endpoint.server);
  common::EnvDifference diff = common::EnvDiff(ops::PackagesOf(a->run), ops::PackagesOf(b->run));
  if (args.json) {
    nlohmann::json doc = EnvDifferenceJson(diff);
    doc["a"] = SideJson(args.a, *a);
    doc["b"] = SideJson(args.b, *b);
    PrintJson(doc);
  } else {
    std::cout << EnvDifferenceText(diff);
  }
  return kExitOk;
}

CLI::App* Question(CLI::App* parent, const std::string& name, const std::string& description,
                   QuestionArgs* args, const std::string& json_help) {
  CLI::App* cmd = parent->add_subcommand(name, description);
  AddTargetFlags(cmd, &args->target);
  cmd->add_flag("--json", args->json, json_help);
  return cmd;
}

constexpr char kRefHelp[] =
    "REF: @N, a branch (its head), a label or an environment (the release live there);\n"
    "default: the working copy's branch, else main.\n";

}  // namespace

void RegisterQuestionCommands(CLI::App& app, Invocation& invocation) {
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* params = Question(&app, "params", "The hyperparameters a model was trained with",
                                args.get(),
                                "Print {\"model\", \"number\", \"run_id\", \"run_number\", "
                                "\"params\": {K: TEXT}}");
    params->add_option("MODEL", args->subject, "MODEL[@REF]: the model file's path");
    SetHelpFooter(params, "  mlvc params models/resnet50.pt\n  mlvc params models/resnet50.pt@v1.0\n",
                  std::string("The params of the training run that produced the model's content\n"
                              "at REF. ") + kRefHelp);
    auto diff_args = std::make_shared<QuestionArgs>();
    CLI::App* diff = Question(params, "diff", "Compare the params of two training runs",
                              diff_args.get(),
                              "Print {\"a\": {\"label\", \"number\", \"run_id\", \"run_number\"}, "
                              "\"b\": {...}, \"params\": [{\"param\", \"a\", \"b\"}]}");
    diff->add_option("A", diff_args->a, "REF or MODEL@REF")->required();
    diff->add_option("B", diff_args->b, "REF or MODEL@REF")->required();
    diff->add_flag("--all", diff_args->all, "List equal params too");
    SetHelpFooter(diff,
                  "  mlvc params diff exp/lr-0.1 exp/lr-0.01\n"
                  "  mlvc params diff models/m.pt@v1.0 models/m.pt@main\n",
                  "A side is REF (the newest training run at REF or before it) or MODEL@REF\n"
                  "(the training run that produced that model). Only differing params unless\n"
                  "--all; a missing side prints '-' (null in JSON).\n");
    diff->callback([&invocation, diff_args]() {
      invocation.run = [diff_args]() { return RunParamsDiff(*diff_args); };
    });
    params->callback([&invocation, args, params]() {
      if (!params->get_subcommands().empty()) return;
      invocation.run = [args]() { return RunParams(*args); };
    });
  }
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* metrics = Question(&app, "metrics", "The metrics recorded at a changeset",
                                 args.get(),
                                 "Print {\"number\", \"runs\": [{\"id\", \"kind\", \"number\"}], "
                                 "\"metrics\": {KIND.KEY: NUMBER}}");
    metrics->add_option("REF", args->subject, "@REF (default: the working copy's branch, else main)");
    SetHelpFooter(metrics, "  mlvc metrics\n  mlvc metrics @exp/lr-0.1\n  mlvc metrics @42 --json\n",
                  std::string("The newest train, eval and validation runs at REF or its nearest\n"
                              "ancestor, keys prefixed with the kind (eval.accuracy). ") +
                      kRefHelp);
    auto diff_args = std::make_shared<QuestionArgs>();
    CLI::App* diff = Question(metrics, "diff", "Compare metrics side by side", diff_args.get(),
                              "Print {\"a\": {\"label\", \"number\"}, \"b\": {...}, \"metrics\": "
                              "[{\"metric\", \"a\", \"b\", \"change\"}]}");
    diff->add_option("A", diff_args->a, "REF")->required();
    diff->add_option("B", diff_args->b, "REF")->required();
    SetHelpFooter(diff, "  mlvc metrics diff main exp/lr-0.1\n  mlvc metrics diff @12 @15 --json\n",
                  "Like 'dvc metrics diff': every metric of either side, with B - A.\n");
    diff->callback([&invocation, diff_args]() {
      invocation.run = [diff_args]() { return RunMetricsDiff(*diff_args); };
    });
    auto history_args = std::make_shared<QuestionArgs>();
    CLI::App* history = Question(metrics, "history", "A metric along a branch, with deltas",
                                 history_args.get(),
                                 "Print {\"metric\", \"branch\", \"higher_is_better\", \"points\": "
                                 "[{\"number\", \"value\", \"delta\", \"improved\", \"run_id\", "
                                 "\"kind\", \"author\", \"message\"}]}");
    history->add_option("METRIC", history_args->subject,
                        "Metric key, optionally prefixed with a kind (eval.accuracy)")
        ->required();
    history->add_option("--branch", history_args->branch,
                        "Branch whose first-parent history to walk (default: the working "
                        "copy's, else main)");
    history->add_flag("--lower-is-better", history_args->lower_is_better,
                      "For losses and errors: a lower value is an improvement");
    history->add_option("--limit", history_args->limit, "At most this many points");
    history->add_option("--after", history_args->after,
                        "Only changesets above this number (the last of the previous page)");
    SetHelpFooter(history,
                  "  mlvc metrics history eval.accuracy\n"
                  "  mlvc metrics history train.loss --lower-is-better --branch integration\n",
                  "One line per evaluated changeset, oldest first: '@N  VALUE  DELTA  improved\n"
                  "AUTHOR  MESSAGE'; 'improved' marks a value better than every earlier one.\n");
    history->callback([&invocation, history_args]() {
      invocation.run = [history_args]() { return RunMetricsHistory(*history_args); };
    });
    metrics->callback([&invocation, args, metrics]() {
      if (!metrics->get_subcommands().empty()) return;
      invocation.run = [args]() { return RunMetrics(*args); };
    });
  }
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* cmd = Question(&app, "regressions", "The changes after which a metric got worse",
                             args.get(),
                             "Print {\"metric\", \"branch\", \"regressions\": [{\"number\", "
                             "\"value\", \"previous_number\", \"previous_value\", \"delta\", "
                             "\"run_id\", \"author\", \"message\", \"changes\": [change]}]}");
    cmd->add_option("METRIC", args->subject, "Metric key (eval.accuracy)")->required();
    cmd->add_option("--branch", args->branch, "Branch (default: the working copy's, else main)");
    cmd->add_option("--below", args->below,
                    "Report where the metric fell past this threshold (above it with "
                    "--lower-is-better)");
    cmd->add_option("--drop", args->drop, "Report drops larger than this (absolute)");
    cmd->add_flag("--lower-is-better", args->lower_is_better, "For losses and errors");
    cmd->add_option("--limit", args->limit, "At most this many regressions");
    SetHelpFooter(cmd,
                  "  mlvc regressions eval.accuracy\n"
                  "  mlvc regressions eval.accuracy --below 0.9 --branch main\n"
                  "  mlvc regressions eval.loss --lower-is-better --drop 0.05 --json\n",
                  "Each regression lists the suspects: the changesets between the previous\n"
                  "evaluated changeset and the worse one, with author, message and paths.\n"
                  "change: {\"number\", \"author\", \"message\", \"created_at\", \"paths\":\n"
                  "[{\"path\", \"action\", \"class\"}]}.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunRegressions(*args); }; });
  }
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* cmd = Question(&app, "lineage", "What a model was trained on", args.get(),
                             "Print {\"path\", \"number\", \"content_id\", \"code_number\", "
                             "\"training\": run, \"inputs\": [input], \"environment\", "
                             "\"parent_model\": input|null}");
    cmd->add_option("MODEL", args->subject, "MODEL[@REF]: the model file's path")->required();
    SetHelpFooter(cmd, "  mlvc lineage models/resnet50.pt\n  mlvc lineage models/resnet50.pt@prod\n",
                  std::string("The training run that produced the model's content: its inputs\n"
                              "with their content ids, the code changeset, the environment and\n"
                              "the parent model when fine-tuned. Exit 4 when none is recorded.\n") +
                      kRefHelp);
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunLineage(*args); }; });
  }
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* cmd = Question(&app, "since-training", "What changed since a model was trained",
                             args.get(),
                             "Print {\"path\", \"number\", \"run_id\", \"training_number\", "
                             "\"since_training\": {\"head\", \"changes\": [change], "
                             "\"net_paths\": [{\"path\", \"action\", \"class\"}], \"by_class\": "
                             "{CLASS: [path]}}, \"environment_changes\": [{\"name\", "
                             "\"old_version\", \"new_version\"}]}");
    cmd->add_option("MODEL", args->subject, "MODEL[@REF]: the model file's path")->required();
    SetHelpFooter(cmd, "  mlvc since-training models/resnet50.pt\n",
                  std::string("The changesets between the training changeset and the branch head\n"
                              "(REF's branch, else main), with data, config, dependency and model\n"
                              "paths listed apart from code, and the packages whose version\n"
                              "changed. Classes: code, data, config, model, dependencies.\n") +
                      kRefHelp);
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunSinceTraining(*args); }; });
  }
  {
    CLI::App* env = app.add_subcommand("env", "Compare the environments of training runs");
    env->require_subcommand(1);
    SetHelpFooter(env, "  mlvc env diff v1.0 main\n");
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* cmd = Question(env, "diff", "Packages added, removed or changed between two runs",
                             args.get(),
                             "Print {\"a\": {\"label\", \"number\", \"run_id\", \"run_number\"}, "
                             "\"b\": {...}, \"added\", \"removed\", \"changed\": [{\"name\", "
                             "\"old_version\", \"new_version\"}]}");
    cmd->add_option("A", args->a, "REF or MODEL@REF")->required();
    cmd->add_option("B", args->b, "REF or MODEL@REF")->required();
    SetHelpFooter(cmd, "  mlvc env diff v1.0 main\n  mlvc env diff models/m.pt@prod models/m.pt@main\n",
                  "Compares the environment files of the training runs at A and B (as\n"
                  "'params diff' picks them): '+ NAME VERSION', '- NAME VERSION',\n"
                  "'~ NAME OLD -> NEW'.\n");
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunEnvDiff(*args); }; });
  }
  {
    auto args = std::make_shared<QuestionArgs>();
    CLI::App* cmd = Question(&app, "explain", "Everything known about a model, in one answer",
                             args.get(),
                             "Print the lineage fields plus \"evaluations\": [run], \"params\", "
                             "\"metrics\": {KIND.KEY: NUMBER}, \"since_training\", "
                             "\"environment_changes\", \"releases\": [{\"version\", \"number\", "
                             "\"live_in\"}]");
    cmd->add_option("MODEL", args->subject, "MODEL_PATH[@REF]: the model file's path")->required();
    SetHelpFooter(cmd, "  mlvc explain models/resnet50.pt\n  mlvc explain models/resnet50.pt@prod --json\n",
                  std::string("Answers: which params, which data (lineage), how it scored, what\n"
                              "code, data and dependencies changed since, where it was released\n"
                              "and is live. ") +
                      kRefHelp);
    cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunExplain(*args); }; });
  }
}

}  // namespace mlvc::client::cli
