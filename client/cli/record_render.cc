#include "client/cli/record_render.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace mlvc::client::cli {
namespace {

std::string ActionWord(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd: return "added";
    case remote::ChangeAction::kDelete: return "deleted";
    case remote::ChangeAction::kModify: break;
  }
  return "modified";
}

char ActionLetter(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd: return 'A';
    case remote::ChangeAction::kDelete: return 'D';
    case remote::ChangeAction::kModify: break;
  }
  return 'M';
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

nlohmann::json OptionalNumber(const std::optional<double>& value) {
  return value.has_value() ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string OptionalText(const std::optional<double>& value) {
  return value.has_value() ? ops::FormatNumber(*value) : "-";
}


std::string InputText(const remote::RunInput& input) {
  std::string repo = input.repository.empty() ? "" : input.repository + "/";
  return absl::StrCat(repo, input.path, input.directory ? "/" : "", "@", input.number, "  ",
                      input.content_id);
}

// The classes listed apart from code, in this order.
const std::vector<remote::PathClass>& OrderedClasses() {
  static const std::vector<remote::PathClass> kClasses = {
      remote::PathClass::kCode, remote::PathClass::kData, remote::PathClass::kConfig,
      remote::PathClass::kDependencies, remote::PathClass::kModel};
  return kClasses;
}

remote::PathClass Normalized(remote::PathClass c) {
  return c == remote::PathClass::kUnspecified ? remote::PathClass::kCode : c;
}

std::string PackageChangeText(const remote::PackageVersionChange& c) {
  if (c.old_version.empty() && !c.new_version.empty()) {
    return "  + " + c.name + " " + c.new_version;
  }
  if (c.new_version.empty() && !c.old_version.empty()) {
    return "  - " + c.name + " " + c.old_version;
  }
  return "  ~ " + c.name + " " + c.old_version + " -> " + c.new_version;
}

std::map<std::string, double> ExplainMetrics(const remote::ModelExplanation& e) {
  std::map<std::string, double> out;
  if (e.training.has_value()) out = ops::LatestMetrics(*e.training, "train.");
  // Evaluations come newest first: the first run of each kind gives that kind's values.
  std::map<remote::RunKind, bool> seen;
  for (const remote::RunInfo& run : e.evaluations) {
    if (seen[run.kind]) continue;
    seen[run.kind] = true;
    for (const auto& [k, v] : ops::LatestMetrics(run, ops::RunKindName(run.kind) + ".")) {
      out[k] = v;
    }
  }
  return out;
}

}  // namespace

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string RecordIsoTime(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

std::string RecordHumanTime(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

std::string SignedNumber(double value) {
  if (value == 0) return "0";
  // Six significant digits: a difference of two doubles carries noise in its last digits
  // (0.5 - 0.4 is 0.09999999999999998) that nobody wants to read.
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%+.6g", value);
  return buffer;
}

nlohmann::json InputJson(const remote::RunInput& input) {
  return {{"repository", input.repository}, {"path", input.path},
          {"number", input.number},         {"content_id", input.content_id},
          {"directory", input.directory}};
}

nlohmann::json RunJson(const remote::RunInfo& run) {
  nlohmann::json params = nlohmann::json::object();
  for (const remote::RunParam& p : run.params) params[p.key] = p.value;
  nlohmann::json series = nlohmann::json::object();
  for (const remote::RunMetric& m : run.metrics) {
    if (!m.step.has_value()) continue;
    series[m.key].push_back({{"step", *m.step}, {"value", m.value}});
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : ops::LatestMetrics(run, "")) metrics[k] = v;
  nlohmann::json inputs = nlohmann::json::array();
  for (const remote::RunInput& i : run.inputs) inputs.push_back(InputJson(i));
  nlohmann::json outputs = nlohmann::json::array();
  for (const remote::RunOutput& o : run.outputs) {
    outputs.push_back({{"path", o.path}, {"content_id", o.content_id}});
  }
  nlohmann::json packages = nlohmann::json::object();
  for (const remote::PackageInfo& p : run.environment.packages) packages[p.name] = p.version;
  nlohmann::json vars = nlohmann::json::object();
  for (const auto& [k, v] : run.environment.vars) vars[k] = v;
  return {{"id", run.id},
          {"repository", run.repository},
          {"number", run.number},
          {"kind", ops::RunKindName(run.kind)},
          {"name", run.name},
          {"status", ops::RunStatusName(run.status)},
          {"user", run.user},
          {"started_at", RecordIsoTime(run.started_at_micros)},
          {"finished_at", RecordIsoTime(run.finished_at_micros)},
          {"recorded_at", RecordIsoTime(run.recorded_at_micros)},
          {"params", params},
          {"metrics", metrics},
          {"series", series},
          {"inputs", inputs},
          {"outputs", outputs},
          {"environment",
           {{"file_name", run.environment.file_name},
            {"file_content_id", run.environment.file_content_id},
            {"packages", packages},
            {"vars", vars}}}};
}

nlohmann::json ClassifiedPathJson(const remote::ClassifiedPath& path) {
  return {{"path", path.path},
          {"action", ActionWord(path.action)},
          {"class", ops::PathClassName(Normalized(path.path_class))}};
}

nlohmann::json ChangeJson(const remote::ChangeSummary& change) {
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : change.paths) paths.push_back(ClassifiedPathJson(p));
  return {{"number", change.changeset.number},
          {"author", change.changeset.author},
          {"message", change.changeset.message},
          {"created_at", RecordIsoTime(change.changeset.created_at_micros)},
          {"paths", paths}};
}

nlohmann::json ChangesSinceJson(const remote::ChangesSinceInfo& since) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : since.changes) changes.push_back(ChangeJson(c));
  nlohmann::json net = nlohmann::json::array();
  nlohmann::json by_class = nlohmann::json::object();
  for (remote::PathClass c : OrderedClasses()) by_class[ops::PathClassName(c)] = nlohmann::json::array();
  for (const auto& p : since.net_paths) {
    net.push_back(ClassifiedPathJson(p));
    by_class[ops::PathClassName(Normalized(p.path_class))].push_back(p.path);
  }
  return {{"head", since.head}, {"changes", changes}, {"net_paths", net}, {"by_class", by_class}};
}

nlohmann::json PackageChangesJson(const std::vector<remote::PackageVersionChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) {
    out.push_back({{"name", c.name}, {"old_version", c.old_version}, {"new_version", c.new_version}});
  }
  return out;
}

nlohmann::json EnvDifferenceJson(const common::EnvDifference& diff) {
  auto list = [](const std::vector<common::PackageChange>& changes) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : changes) {
      out.push_back(
          {{"name", c.name}, {"old_version", c.old_version}, {"new_version", c.new_version}});
    }
    return out;
  };
  return {{"added", list(diff.added)}, {"removed", list(diff.removed)}, {"changed", list(diff.changed)}};
}

nlohmann::json MetricPointJson(const remote::MetricPointInfo& point) {
  return {{"number", point.number},   {"value", point.value},
          {"delta", point.delta},     {"improved", point.improved},
          {"run_id", point.run_id},   {"kind", ops::RunKindName(point.kind)},
          {"author", point.author},   {"message", point.message}};
}

nlohmann::json RegressionJson(const remote::RegressionInfo& regression) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : regression.changes) changes.push_back(ChangeJson(c));
  return {{"number", regression.point.number},
          {"value", regression.point.value},
          {"previous_number", regression.previous_number},
          {"previous_value", regression.previous_value},
          {"delta", regression.point.value - regression.previous_value},
          {"run_id", regression.point.run_id},
          {"author", regression.point.author},
          {"message", regression.point.message},
          {"changes", changes}};
}

nlohmann::json PolicyJson(const remote::PolicyInfo& policy) {
  nlohmann::json runs = nlohmann::json::array();
  for (remote::RunKind k : policy.require_runs) runs.push_back(ops::RunKindName(k));
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& r : policy.require_metrics) metrics.push_back(ops::FormatMetricRule(r));
  return {{"require_runs", runs},
          {"require_metrics", metrics},
          {"require_reviews", policy.require_reviews}};
}

nlohmann::json LineageJson(const remote::ModelExplanation& e) {
  nlohmann::json inputs = nlohmann::json::array();
  nlohmann::json environment = nullptr;
  if (e.training.has_value()) {
    for (const auto& i : e.training->inputs) inputs.push_back(InputJson(i));
    environment = RunJson(*e.training)["environment"];
  }
  return {{"path", e.path},
          {"number", e.number},
          {"content_id", e.content_id},
          {"code_number", e.training.has_value() ? nlohmann::json(e.training->number)
                                                 : nlohmann::json(nullptr)},
          {"training", e.training.has_value() ? RunJson(*e.training) : nlohmann::json(nullptr)},
          {"inputs", inputs},
          {"environment", environment},
          {"parent_model",
           e.parent_model.has_value() ? InputJson(*e.parent_model) : nlohmann::json(nullptr)}};
}

nlohmann::json ExplainJson(const remote::ModelExplanation& e) {
  nlohmann::json doc = LineageJson(e);
  nlohmann::json evaluations = nlohmann::json::array();
  for (const auto& r : e.evaluations) evaluations.push_back(RunJson(r));
  doc["evaluations"] = evaluations;
  doc["params"] = e.training.has_value() ? RunJson(*e.training)["params"] : nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : ExplainMetrics(e)) metrics[k] = v;
  doc["metrics"] = metrics;
  doc["since_training"] = ChangesSinceJson(e.since_training);
  doc["environment_changes"] = PackageChangesJson(e.environment_changes);
  nlohmann::json releases = nlohmann::json::array();
  for (const auto& r : e.releases) {
    releases.push_back({{"version", r.version}, {"number", r.number}, {"live_in", r.live_in}});
  }
  doc["releases"] = releases;
  return doc;
}

nlohmann::json RefMetricsJson(const ops::RefMetrics& metrics) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : metrics.runs) {
    runs.push_back({{"id", r.id}, {"kind", ops::RunKindName(r.kind)}, {"number", r.number}});
  }
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [k, v] : metrics.values) values[k] = v;
  return {{"number", metrics.number}, {"runs", runs}, {"metrics", values}};
}

nlohmann::json MetricDiffJson(const std::vector<ops::MetricDiffRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"metric", r.key},
                   {"a", OptionalNumber(r.a)},
                   {"b", OptionalNumber(r.b)},
                   {"change", OptionalNumber(r.change)}});
  }
  return out;
}

nlohmann::json ParamDiffJson(const std::vector<ops::ParamDiffRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"param", r.key},
                   {"a", r.a.has_value() ? nlohmann::json(*r.a) : nlohmann::json(nullptr)},
                   {"b", r.b.has_value() ? nlohmann::json(*r.b) : nlohmann::json(nullptr)}});
  }
  return out;
}

std::string RunText(const remote::RunInfo& run) {
  std::ostringstream out;
  out << "Run " << run.id << " (" << ops::RunKindName(run.kind) << ", "
      << ops::RunStatusName(run.status) << ") on @" << run.number << " of " << run.repository
      << "\n";
  if (!run.name.empty()) out << "  Name:      " << run.name << "\n";
  out << "  By:        " << run.user << " at " << RecordHumanTime(run.recorded_at_micros) << "\n";
  if (!run.params.empty()) {
    out << "  Params:\n";
    for (const auto& p : run.params) out << "    " << p.key << " = " << p.value << "\n";
  }
  std::map<std::string, double> metrics = ops::LatestMetrics(run, "");
  if (!metrics.empty()) {
    out << "  Metrics:\n";
    for (const auto& [k, v] : metrics) out << "    " << k << " = " << ops::FormatNumber(v) << "\n";
  }
  if (!run.inputs.empty()) {
    out << "  Inputs:\n";
    for (const auto& i : run.inputs) out << "    " << InputText(i) << "\n";
  }
  if (!run.outputs.empty()) {
    out << "  Outputs:\n";
    for (const auto& o : run.outputs) out << "    " << o.path << "  " << o.content_id << "\n";
  }
  const remote::RunEnvironment& env = run.environment;
  if (!env.file_name.empty() || !env.vars.empty()) {
    out << "  Environment:";
    if (!env.file_name.empty()) {
      out << " " << env.file_name << " (" << env.packages.size() << " packages, "
          << env.file_content_id << ")";
    }
    out << "\n";
    for (const auto& [k, v] : env.vars) out << "    " << k << " = " << v << "\n";
  }
  return out.str();
}

std::string RunsTable(const std::vector<remote::RunInfo>& runs) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "CHANGESET", "KIND", "STATUS", "USER", "RECORDED", "NAME"}};
  for (const auto& r : runs) {
    rows.push_back({std::to_string(r.id), absl::StrCat("@", r.number), ops::RunKindName(r.kind),
                    ops::RunStatusName(r.status), r.user, RecordHumanTime(r.recorded_at_micros),
                    r.name});
  }
  return Table(rows);
}

std::string ParamsText(const std::vector<remote::RunParam>& params) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : params) rows.push_back({p.key, p.value});
  return Table(rows);
}

std::string MetricsText(const std::map<std::string, double>& values) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, v] : values) rows.push_back({k, ops::FormatNumber(v)});
  return Table(rows);
}

std::string MetricDiffTable(const std::string& a_label, const std::string& b_label,
                            const std::vector<ops::MetricDiffRow>& rows) {
  std::vector<std::vector<std::string>> table = {{"Metric", a_label, b_label, "Change"}};
  for (const auto& r : rows) {
    table.push_back({r.key, OptionalText(r.a), OptionalText(r.b),
                     r.change.has_value() ? SignedNumber(*r.change) : "-"});
  }
  return Table(table);
}

std::string ParamDiffTable(const std::string& a_label, const std::string& b_label,
                           const std::vector<ops::ParamDiffRow>& rows) {
  std::vector<std::vector<std::string>> table = {{"Param", a_label, b_label}};
  for (const auto& r : rows) table.push_back({r.key, r.a.value_or("-"), r.b.value_or("-")});
  return Table(table);
}

std::string MetricHistoryTable(const std::vector<remote::MetricPointInfo>& points) {
  std::vector<std::vector<std::string>> rows = {
      {"CHANGESET", "VALUE", "DELTA", "", "AUTHOR", "MESSAGE"}};
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    rows.push_back({absl::StrCat("@", p.number), ops::FormatNumber(p.value),
                    i == 0 && p.delta == 0 ? "" : SignedNumber(p.delta),
                    p.improved ? "improved" : "", p.author, FirstLine(p.message)});
  }
  return Table(rows);
}

std::string RegressionsText(const std::string& metric,
                            const std::vector<remote::RegressionInfo>& regressions) {
  if (regressions.empty()) return "No regressions of " + metric + ".\n";
  std::ostringstream out;
  for (const auto& r : regressions) {
    out << metric << " fell from " << ops::FormatNumber(r.previous_value) << " at @"
        << r.previous_number << " to " << ops::FormatNumber(r.point.value) << " at @"
        << r.point.number << " (" << SignedNumber(r.point.value - r.previous_value) << ")\n";
    for (const auto& c : r.changes) {
      out << "  @" << c.changeset.number << "  " << c.changeset.author << "  "
          << FirstLine(c.changeset.message) << "\n";
      for (const auto& p : c.paths) {
        out << "      " << ActionLetter(p.action) << " " << p.path << " ("
            << ops::PathClassName(Normalized(p.path_class)) << ")\n";
      }
    }
  }
  return out.str();
}

std::string LineageText(const remote::ModelExplanation& e) {
  std::ostringstream out;
  out << e.path << " at @" << e.number << "  " << e.content_id << "\n";
  if (!e.training.has_value()) {
    out << "  No training run recorded for this content.\n";
    return out.str();
  }
  const remote::RunInfo& run = *e.training;
  out << "  Trained by run " << run.id << " on code @" << run.number << " by " << run.user
      << " at " << RecordHumanTime(run.recorded_at_micros) << "\n";
  out << "  Inputs:\n";
  if (run.inputs.empty()) out << "    (none recorded)\n";
  for (const auto& i : run.inputs) out << "    " << InputText(i) << "\n";
  if (e.parent_model.has_value()) {
    out << "  Fine-tuned from: " << InputText(*e.parent_model) << "\n";
  }
  const remote::RunEnvironment& env = run.environment;
  if (!env.file_name.empty() || !env.vars.empty()) {
    out << "  Environment:";
    if (!env.file_name.empty()) {
      out << " " << env.file_name << " " << env.file_content_id << " (" << env.packages.size()
          << " packages)";
    }
    out << "\n";
    for (const auto& [k, v] : env.vars) out << "    " << k << " = " << v << "\n";
  }
  return out.str();
}

std::string SinceTrainingText(const remote::ChangesSinceInfo& since,
                              const std::vector<remote::PackageVersionChange>& packages) {
  std::ostringstream out;
  if (since.changes.empty()) {
    out << "No changesets since training (head @" << since.head << ").\n";
  } else {
    out << since.changes.size() << " changeset(s) since training, up to @" << since.head
        << ":\n";
    for (const auto& c : since.changes) {
      out << "  @" << c.changeset.number << "  " << c.changeset.author << "  "
          << FirstLine(c.changeset.message) << "\n";
    }
  }
  for (remote::PathClass cls : OrderedClasses()) {
    std::vector<const remote::ClassifiedPath*> paths;
    for (const auto& p : since.net_paths) {
      if (Normalized(p.path_class) == cls) paths.push_back(&p);
    }
    if (paths.empty()) continue;
    out << "Changed " << ops::PathClassName(cls) << ":\n";
    for (const auto* p : paths) out << "  " << ActionLetter(p->action) << " " << p->path << "\n";
  }
  if (!packages.empty()) {
    out << "Packages changed:\n";
    for (const auto& c : packages) out << PackageChangeText(c) << "\n";
  }
  return out.str();
}

std::string EnvDifferenceText(const common::EnvDifference& diff) {
  if (diff.empty()) return "No package differences.\n";
  std::ostringstream out;
  for (const auto& c : diff.added) out << "+ " << c.name << " " << c.new_version << "\n";
  for (const auto& c : diff.removed) out << "- " << c.name << " " << c.old_version << "\n";
  for (const auto& c : diff.changed) {
    out << "~ " << c.name << " " << c.old_version << " -> " << c.new_version << "\n";
  }
  return out.str();
}

std::string ExplainText(const remote::ModelExplanation& e) {
  std::ostringstream out;
  out << LineageText(e);
  if (e.training.has_value() && !e.training->params.empty()) {
    out << "Hyperparameters:\n";
    for (const auto& p : e.training->params) out << "  " << p.key << " = " << p.value << "\n";
  }
  std::map<std::string, double> metrics = ExplainMetrics(e);
  if (!metrics.empty()) {
    out << "Metrics:\n";
    for (const auto& [k, v] : metrics) out << "  " << k << " = " << ops::FormatNumber(v) << "\n";
  }
  if (!e.evaluations.empty()) {
    out << "Evaluations:\n";
    for (const auto& r : e.evaluations) {
      out << "  run " << r.id << " (" << ops::RunKindName(r.kind) << ") on @" << r.number << " by "
          << r.user << "\n";
    }
  }
  if (e.training.has_value()) {
    out << "Since training:\n";
    std::string since = SinceTrainingText(e.since_training, e.environment_changes);
    std::istringstream lines(since);
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  }
  if (e.releases.empty()) {
    out << "Releases: none\n";
  } else {
    out << "Releases:\n";
    for (const auto& r : e.releases) {
      out << "  " << r.version << " (@" << r.number << ")";
      if (!r.live_in.empty()) {
        out << " live in";
        for (const auto& env : r.live_in) out << " " << env;
      }
      out << "\n";
    }
  }
  return out.str();
}

std::string PolicyText(const std::string& branch, const remote::BranchPolicyInfo& policy) {
  if (policy.policy.empty()) return "Branch " + branch + " has no policy.\n";
  std::ostringstream out;
  out << "Policy of " << branch;
  if (!policy.set_by.empty()) {
    out << " (set by " << policy.set_by << " at " << RecordHumanTime(policy.set_at_micros) << ")";
  }
  out << ":\n";
  for (remote::RunKind k : policy.policy.require_runs) {
    out << "  require a succeeded " << ops::RunKindName(k) << " run\n";
  }
  for (const auto& r : policy.policy.require_metrics) {
    out << "  require " << ops::FormatMetricRule(r) << "\n";
  }
  if (policy.policy.require_reviews > 0) {
    out << "  require " << policy.policy.require_reviews << " approval(s)\n";
  }
  return out.str();
}

}  // namespace mlvc::client::cli
