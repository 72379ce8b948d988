#include "client/ops/record_ops.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/ops/checkout.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "client/ops/ops_internal.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "common/record/params_file.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

// Reads a params/metrics/environment file named on the command line; every failure is the
// user's (a wrong name, a folder), hence INVALID_ARGUMENT.
absl::StatusOr<std::string> ReadOptionFile(const std::string& what, const std::string& path,
                                           size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " '", path,
                                                   "': not an existing regular file"));
  }
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", path, "' is larger than ",
                                                   max_bytes, " bytes"));
  }
  absl::StatusOr<std::string> text = internal::ReadSmallFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " '", path, "': ",
                                                   text.status().message()));
  }
  return text;
}

// Splits "K=V" at the first '=' for --env-var (values stay text).
absl::StatusOr<std::pair<std::string, std::string>> SplitEnvVar(const std::string& arg) {
  size_t eq = arg.find('=');
  std::string key = eq == std::string::npos ? "" : std::string(absl::StripAsciiWhitespace(arg.substr(0, eq)));
  if (eq == std::string::npos || key.empty()) {
    return absl::InvalidArgumentError("--env-var '" + arg + "' is not KEY=VALUE");
  }
  return std::make_pair(key, arg.substr(eq + 1));
}

std::string Basename(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

// ---- pure parts ----

absl::StatusOr<remote::RunKind> ParseRunKind(const std::string& word) {
  std::string w = absl::AsciiStrToLower(word);
  if (w == "train" || w == "training") return remote::RunKind::kTrain;
  if (w == "eval" || w == "evaluation") return remote::RunKind::kEval;
  if (w == "validation" || w == "validate") return remote::RunKind::kValidation;
  return absl::InvalidArgumentError("run kind '" + word +
                                    "' is not one of train, eval, validation");
}

std::string RunKindName(remote::RunKind kind) {
  switch (kind) {
    case remote::RunKind::kTrain: return "train";
    case remote::RunKind::kEval: return "eval";
    case remote::RunKind::kValidation: return "validation";
    case remote::RunKind::kUnspecified: break;
  }
  return "unspecified";
}

std::string RunStatusName(remote::RunStatus status) {
  switch (status) {
    case remote::RunStatus::kFailed: return "failed";
    case remote::RunStatus::kRunning: return "running";
    case remote::RunStatus::kSucceeded:
    case remote::RunStatus::kUnspecified: break;
  }
  return "succeeded";
}

std::string PathClassName(remote::PathClass path_class) {
  switch (path_class) {
    case remote::PathClass::kData: return "data";
    case remote::PathClass::kConfig: return "config";
    case remote::PathClass::kModel: return "model";
    case remote::PathClass::kDependencies: return "dependencies";
    case remote::PathClass::kCode:
    case remote::PathClass::kUnspecified: break;
  }
  return "code";
}

absl::StatusOr<remote::RunInputSpec> ParseInputSpec(const std::string& arg) {
  remote::RunInputSpec spec;
  std::string rest = arg;
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    spec.ref = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (spec.ref.empty()) {
      return absl::InvalidArgumentError("--input '" + arg + "' has an empty ref after '@'");
    }
  }
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size()) {
    return absl::InvalidArgumentError(
        "--input '" + arg +
        "' is not REPO/PATH[@REF] (use ./PATH for a path of this repository)");
  }
  spec.repository = rest.substr(0, slash);
  if (spec.repository == ".") spec.repository.clear();
  absl::StatusOr<std::string> path = common::NormalizeRepoRelpath(rest.substr(slash + 1));
  if (!path.ok() || path->empty()) {
    return absl::InvalidArgumentError("--input '" + arg + "' has an invalid path");
  }
  spec.path = *path;
  return spec;
}

PathAtRef SplitPathAtRef(const std::string& arg, bool default_is_path) {
  size_t at = arg.rfind('@');
  if (at == std::string::npos) {
    return default_is_path ? PathAtRef{arg, ""} : PathAtRef{"", arg};
  }
  return PathAtRef{arg.substr(0, at), arg.substr(at + 1)};
}

absl::StatusOr<PreparedRun> PrepareRun(const RunOptions& options, remote::RunKind default_kind) {
  PreparedRun run;
  remote::RunSpec& spec = run.spec;
  if (options.kind.empty()) {
    if (default_kind == remote::RunKind::kUnspecified) {
      return absl::InvalidArgumentError("say which kind of run this is: --kind train|eval|validation");
    }
    spec.kind = default_kind;
  } else {
    ASSIGN_OR_RETURN(spec.kind, ParseRunKind(options.kind));
  }
  spec.name = options.name;

  common::ParamMap params;
  if (!options.params_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadOptionFile("params file", options.params_file,
                                                      common::kMaxRecordFileBytes));
    ASSIGN_OR_RETURN(params, common::ParseRecordFile(options.params_file, text));
  }
  for (const std::string& kv : options.params) {
    absl::StatusOr<std::pair<std::string, common::ParamValue>> parsed = common::ParseKeyValue(kv);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("--param " + std::string(parsed.status().message()));
    }
    params[parsed->first] = parsed->second;
  }
  for (const auto& [key, value] : params) {
    spec.params.push_back({key, common::FormatParamValue(value)});
  }

  common::ParamMap metric_values;
  if (!options.metrics_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadOptionFile("metrics file", options.metrics_file,
                                                      common::kMaxRecordFileBytes));
    ASSIGN_OR_RETURN(metric_values, common::ParseRecordFile(options.metrics_file, text));
  }
  for (const std::string& kv : options.metrics) {
    absl::StatusOr<std::pair<std::string, common::ParamValue>> parsed = common::ParseKeyValue(kv);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("--metric " + std::string(parsed.status().message()));
    }
    metric_values[parsed->first] = parsed->second;
  }
  absl::StatusOr<std::map<std::string, double>> numeric = common::RequireNumeric(metric_values);
  if (!numeric.ok()) {
    std::string where = options.metrics_file.empty() ? "" : " (in " + options.metrics_file + " or --metric)";
    return absl::InvalidArgumentError(std::string(numeric.status().message()) + where);
  }
  for (const auto& [key, value] : *numeric) {
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError("metric '" + key + "' is not a finite number");
    }
  }
  // Lists in a metrics file are training curves: series with a step per point.
  ASSIGN_OR_RETURN(common::SplitMetricValues split, common::SplitMetricSeries(*numeric));
  for (const auto& [key, value] : split.singles) {
    spec.metrics.push_back({key, value, std::nullopt});
  }
  for (const auto& [key, points] : split.series) {
    for (const common::MetricSeriesPoint& p : points) {
      spec.metrics.push_back({key, p.value, p.step});
    }
  }

  for (const std::string& input : options.inputs) {
    ASSIGN_OR_RETURN(remote::RunInputSpec parsed, ParseInputSpec(input));
    spec.inputs.push_back(std::move(parsed));
  }
  for (const std::string& output : options.outputs) {
    absl::StatusOr<std::string> path = common::NormalizeRepoRelpath(output);
    if (!path.ok() || path->empty()) {
      return absl::InvalidArgumentError("--output '" + output + "' is not a valid repository path");
    }
    spec.outputs.push_back(*path);
  }

  if (!options.env_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadOptionFile("environment file", options.env_file,
                                                      common::kMaxEnvFileBytes));
    std::string name = Basename(options.env_file);
    ASSIGN_OR_RETURN(run.packages, common::ParseEnvironmentFile(name, text));
    spec.environment.file_name = name;
    spec.environment.file_content_id = common::Sha256Hex(text);
    run.env_path = options.env_file;
    run.env_size = text.size();
  }
  std::map<std::string, std::string> vars;
  for (const std::string& kv : options.env_vars) {
    ASSIGN_OR_RETURN(auto parsed, SplitEnvVar(kv));
    vars[parsed.first] = parsed.second;
  }
  spec.environment.vars.assign(vars.begin(), vars.end());
  return run;
}

std::map<std::string, double> LatestMetrics(const remote::RunInfo& run,
                                            const std::string& prefix) {
  std::map<std::string, std::pair<int64_t, double>> latest;  // key -> (step, value)
  for (const remote::RunMetric& m : run.metrics) {
    int64_t step = m.step.value_or(INT64_MIN);
    auto [it, inserted] = latest.emplace(m.key, std::make_pair(step, m.value));
    if (!inserted && step >= it->second.first) it->second = {step, m.value};
  }
  std::map<std::string, double> out;
  for (const auto& [key, point] : latest) out[prefix + key] = point.second;
  return out;
}

std::vector<MetricDiffRow> DiffMetrics(const std::map<std::string, double>& a,
                                       const std::map<std::string, double>& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  std::vector<MetricDiffRow> rows;
  for (const std::string& key : keys) {
    MetricDiffRow row;
    row.key = key;
    if (auto it = a.find(key); it != a.end()) row.a = it->second;
    if (auto it = b.find(key); it != b.end()) row.b = it->second;
    if (row.a && row.b) row.change = *row.b - *row.a;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ParamDiffRow> DiffParams(const std::vector<remote::RunParam>& a,
                                     const std::vector<remote::RunParam>& b, bool all) {
  std::map<std::string, ParamDiffRow> rows;
  for (const remote::RunParam& p : a) {
    rows[p.key].key = p.key;
    rows[p.key].a = p.value;
  }
  for (const remote::RunParam& p : b) {
    rows[p.key].key = p.key;
    rows[p.key].b = p.value;
  }
  std::vector<ParamDiffRow> out;
  for (auto& [key, row] : rows) {
    if (all || row.a != row.b) out.push_back(std::move(row));
  }
  return out;
}

common::PackageVersions PackagesOf(const remote::RunInfo& run) {
  common::PackageVersions packages;
  for (const remote::PackageInfo& p : run.environment.packages) packages[p.name] = p.version;
  return packages;
}

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

absl::StatusOr<remote::MetricRuleInfo> ParseMetricRule(const std::string& text) {
  static const char* const kOps[] = {">=", "<=", "==", ">", "<"};
  for (const char* op : kOps) {
    size_t at = text.find(op);
    if (at == std::string::npos) continue;
    remote::MetricRuleInfo rule;
    rule.metric = std::string(absl::StripAsciiWhitespace(text.substr(0, at)));
    rule.op = op;
    std::string value(absl::StripAsciiWhitespace(text.substr(at + std::strlen(op))));
    double number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (rule.metric.empty() || value.empty() || ec != std::errc() ||
        end != value.data() + value.size() || !std::isfinite(number)) {
      break;
    }
    rule.value = number;
    return rule;
  }
  return absl::InvalidArgumentError("metric rule '" + text +
                                    "' is not METRIC OP NUMBER (OP one of >=, >, <=, <, ==), "
                                    "e.g. 'eval.accuracy>=0.92'");
}

std::string FormatMetricRule(const remote::MetricRuleInfo& rule) {
  return rule.metric + rule.op + FormatNumber(rule.value);
}

// ---- with a server ----

absl::Status UploadRunEnvironment(const Endpoint& endpoint, const std::string& repository,
                                  const PreparedRun& run) {
  if (run.env_path.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  const std::string& id = run.spec.environment.file_content_id;
  ASSIGN_OR_RETURN(std::vector<std::string> missing, remote->FindMissing(repository, {id}));
  if (missing.empty()) return absl::OkStatus();
  std::error_code ec;
  std::string abspath = std::filesystem::absolute(run.env_path, ec).string();
  absl::Status uploaded = remote->UploadFile(repository, abspath, id, run.env_size);
  if (absl::IsDataLoss(uploaded)) {
    return absl::DataLossError("environment file '" + run.env_path +
                               "' changed while it was being uploaded; run the command again");
  }
  return uploaded;
}

absl::StatusOr<remote::RunInfo> RecordRun(const Endpoint& endpoint, const std::string& repository,
                                          const std::string& ref, const PreparedRun& run) {
  RETURN_IF_ERROR(UploadRunEnvironment(endpoint, repository, run));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->RecordRun(repository, ref, run.spec, internal::RandomHex());
}

absl::StatusOr<std::vector<remote::RunInfo>> ListRuns(const Endpoint& endpoint,
                                                      const remote::RunQuery& query) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListRuns(query);
}

absl::StatusOr<remote::RunInfo> GetRun(const Endpoint& endpoint, const std::string& repository,
                                       int64_t id) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->GetRun(repository, id);
}

absl::StatusOr<remote::FoundRun> FindTrainingRun(const Endpoint& endpoint,
                                                 const std::string& repository,
                                                 const PathAtRef& target) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->FindRun(repository, target.ref, target.path, remote::RunKind::kTrain);
}

absl::StatusOr<RefMetrics> MetricsAt(const Endpoint& endpoint, const std::string& repository,
                                     const std::string& ref) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  // Resolved first: FindRun's NOT_FOUND below then only means "no run of this kind".
  ASSIGN_OR_RETURN(remote::ResolvedRef resolved, remote->ResolveRef(repository, ref));
  RefMetrics out;
  out.number = resolved.number;
  std::string at = absl::StrCat("@", resolved.number);
  for (remote::RunKind kind :
       {remote::RunKind::kTrain, remote::RunKind::kEval, remote::RunKind::kValidation}) {
    absl::StatusOr<remote::FoundRun> found = remote->FindRun(repository, at, "", kind);
    if (absl::IsNotFound(found.status())) continue;
    if (!found.ok()) return found.status();
    for (const auto& [key, value] : LatestMetrics(found->run, RunKindName(kind) + ".")) {
      out.values[key] = value;
    }
    out.runs.push_back(std::move(found->run));
  }
  return out;
}

absl::StatusOr<remote::ModelExplanation> ExplainModel(const Endpoint& endpoint,
                                                      const std::string& repository,
                                                      const std::string& path,
                                                      const std::string& ref) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ExplainModel(repository, path, ref);
}

absl::StatusOr<std::vector<remote::MetricPointInfo>> MetricHistory(
    const Endpoint& endpoint, const remote::MetricHistoryQuery& query) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->MetricHistory(query);
}

absl::StatusOr<std::vector<remote::RegressionInfo>> FindRegressions(
    const Endpoint& endpoint, const remote::RegressionQuery& query) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->FindRegressions(query);
}

absl::StatusOr<remote::ApprovalInfo> Approve(const Endpoint& endpoint,
                                             const std::string& repository,
                                             const std::string& ref, const std::string& note) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ApproveChangeset(repository, ref, note);
}

absl::StatusOr<remote::PolicyInfo> SetPolicy(const Endpoint& endpoint,
                                             const std::string& repository,
                                             const std::string& branch,
                                             const remote::PolicyInfo& policy) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->SetPolicy(repository, branch, policy);
}

absl::StatusOr<remote::BranchPolicyInfo> GetPolicy(const Endpoint& endpoint,
                                                   const std::string& repository,
                                                   const std::string& branch) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->GetPolicy(repository, branch);
}

absl::StatusOr<remote::PolicyCheckInfo> CheckPolicy(const Endpoint& endpoint,
                                                    const std::string& repository,
                                                    const std::string& branch,
                                                    const std::string& ref) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CheckPolicy(repository, branch, ref);
}

}  // namespace mlvc::client::ops
