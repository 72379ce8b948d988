// How the ML record commands print: one JSON shape per answer (--json; stable, documented in
// each command's --help and the README, asserted by scripts and the workflow test) and the
// human tables. Pure: values in, text or JSON out, so it is unit-tested without a server.
//
// Shapes (times ISO 8601 UTC; numbers as JSON numbers; absent values null):
//   run:      {"id","repository","number","kind","name","status","user","started_at",
//              "finished_at","recorded_at","params":{KEY:TEXT},"metrics":{KEY:NUMBER},
//              "series":{KEY:[{"step","value"}]},"inputs":[INPUT],"outputs":[{"path",
//              "content_id"}],"environment":{"file_name","file_content_id",
//              "packages":{NAME:VERSION},"vars":{KEY:VALUE}}}
//   input:    {"repository","path","number","content_id","directory"}
//   change:   {"number","author","message","created_at","paths":[{"path","action","class"}]}
//   package change: {"name","old_version","new_version"} ("" when added/removed)
// Requires: client/ops (names), client/remote types, nlohmann-json. Used by: client/cli
// record commands and tests/unit/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/ops/record_ops.h"
#include "client/remote/remote_types.h"
#include "common/record/environment_file.h"
#include "nlohmann/json.hpp"

namespace mlvc::client::cli {

// Left-aligned columns separated by two spaces, trailing spaces trimmed, one line per row.
std::string Table(const std::vector<std::vector<std::string>>& rows);

// "2026-01-02T03:04:05.000006Z" and "2026-01-02 03:04:05 UTC".
std::string RecordIsoTime(int64_t micros);
std::string RecordHumanTime(int64_t micros);
// "+0.012", "-3", "0": six significant digits (for deltas).
std::string SignedNumber(double value);

nlohmann::json RunJson(const remote::RunInfo& run);
nlohmann::json InputJson(const remote::RunInput& input);
nlohmann::json ChangeJson(const remote::ChangeSummary& change);
nlohmann::json ClassifiedPathJson(const remote::ClassifiedPath& path);
nlohmann::json ChangesSinceJson(const remote::ChangesSinceInfo& since);
nlohmann::json PackageChangesJson(const std::vector<remote::PackageVersionChange>& changes);
// {"added":[change],"removed":[change],"changed":[change]}
nlohmann::json EnvDifferenceJson(const common::EnvDifference& diff);
nlohmann::json MetricPointJson(const remote::MetricPointInfo& point);
nlohmann::json RegressionJson(const remote::RegressionInfo& regression);
nlohmann::json PolicyJson(const remote::PolicyInfo& policy);
// {"path","number","content_id","training":run|null,"parent_model":input|null,
//  "inputs":[input],"environment":{...}|null}
nlohmann::json LineageJson(const remote::ModelExplanation& explanation);
// {"path","number","content_id","training":run|null,"evaluations":[run],"parent_model",
//  "params":{},"metrics":{"train.K":V,"eval.K":V,...},"since_training":{...},
//  "environment_changes":[package change],"releases":[{"version","number","live_in"}]}
nlohmann::json ExplainJson(const remote::ModelExplanation& explanation);
// {"number","runs":[{"id","kind","number"}],"metrics":{KIND.KEY:V}}
nlohmann::json RefMetricsJson(const ops::RefMetrics& metrics);
// [{"metric","a","b","change"}] (null where a side lacks the key)
nlohmann::json MetricDiffJson(const std::vector<ops::MetricDiffRow>& rows);
nlohmann::json ParamDiffJson(const std::vector<ops::ParamDiffRow>& rows);

// Human forms.
std::string RunText(const remote::RunInfo& run);
std::string RunsTable(const std::vector<remote::RunInfo>& runs);
std::string ParamsText(const std::vector<remote::RunParam>& params);
std::string MetricsText(const std::map<std::string, double>& values);
// "Metric  A  B  Change" columns, like `dvc metrics diff`.
std::string MetricDiffTable(const std::string& a_label, const std::string& b_label,
                            const std::vector<ops::MetricDiffRow>& rows);
std::string ParamDiffTable(const std::string& a_label, const std::string& b_label,
                           const std::vector<ops::ParamDiffRow>& rows);
// One line per point: "@N  VALUE  DELTA  [improved]  AUTHOR  MESSAGE".
std::string MetricHistoryTable(const std::vector<remote::MetricPointInfo>& points);
std::string RegressionsText(const std::string& metric,
                            const std::vector<remote::RegressionInfo>& regressions);
std::string LineageText(const remote::ModelExplanation& explanation);
// Changesets since training, with data/config/dependency/model paths listed apart from code.
std::string SinceTrainingText(const remote::ChangesSinceInfo& since,
                              const std::vector<remote::PackageVersionChange>& packages);
std::string EnvDifferenceText(const common::EnvDifference& diff);
std::string ExplainText(const remote::ModelExplanation& explanation);
std::string PolicyText(const std::string& branch, const remote::BranchPolicyInfo& policy);

}  // namespace mlvc::client::cli
