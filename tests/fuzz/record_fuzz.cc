// Fuzz target: params and metrics files of the run record (common/record/params_file and
// yaml_load), parsed by the client before a run is sent and by the server when it records
// one. Each input is parsed as JSON, as YAML and with the format guessed, then as a
// `--param K=V` argument. Invariants checked besides "never crashes":
//   - a parsed map keeps the documented limits (key count, key length, no empty key);
//   - every number is finite and prints (FormatParamValue) in a form that reads back
//     (ParseKeyValue) as the same number, since `mlvc params` output is meant to be pasted
//     back as `--param`;
//   - the metrics steps (RequireNumeric, SplitMetricSeries) accept or refuse without
//     crashing, and a split keeps every value exactly once.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "common/record/params_file.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace rec = mlvc::common;

void CheckNumberRoundTrip(double d) {
  FUZZ_CHECK(std::isfinite(d));
  absl::StatusOr<std::pair<std::string, rec::ParamValue>> back =
      rec::ParseKeyValue("k=" + rec::FormatParamValue(d));
  FUZZ_CHECK(back.ok());
  const double* again = std::get_if<double>(&back->second);
  FUZZ_CHECK(again != nullptr && *again == d);
}

void CheckParsed(const rec::ParamMap& map) {
  FUZZ_CHECK(map.size() <= rec::kMaxRecordKeys);
  for (const auto& [key, value] : map) {
    FUZZ_CHECK(!key.empty() && key.size() <= rec::kMaxRecordKeyBytes);
    if (const double* d = std::get_if<double>(&value)) CheckNumberRoundTrip(*d);
  }
  absl::StatusOr<std::map<std::string, double>> metrics = rec::RequireNumeric(map);
  if (!metrics.ok()) return;
  FUZZ_CHECK(metrics->size() == map.size());
  absl::StatusOr<rec::SplitMetricValues> split = rec::SplitMetricSeries(*metrics);
  if (!split.ok()) return;
  size_t values = split->singles.size();
  for (const auto& [key, points] : split->series) {
    FUZZ_CHECK(!points.empty());
    FUZZ_CHECK(split->singles.count(key) == 0);
    for (size_t i = 1; i < points.size(); ++i) FUZZ_CHECK(points[i - 1].step < points[i].step);
    values += points.size();
  }
  FUZZ_CHECK(values <= metrics->size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (rec::RecordFileFormat format :
       {rec::RecordFileFormat::kJson, rec::RecordFileFormat::kYaml,
        rec::RecordFileFormat::kUnknown}) {
    absl::StatusOr<rec::ParamMap> map = rec::ParseRecordText(input, format, "fuzz");
    if (map.ok()) CheckParsed(*map);
  }
  absl::StatusOr<std::pair<std::string, rec::ParamValue>> kv = rec::ParseKeyValue(input);
  if (kv.ok()) {
    FUZZ_CHECK(!kv->first.empty());
    if (const double* d = std::get_if<double>(&kv->second)) CheckNumberRoundTrip(*d);
  }
  return 0;
}
