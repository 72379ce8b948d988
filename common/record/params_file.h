// Params and metrics files of the run record (`mlvc run record --params FILE --metrics FILE`,
// `--param K=V`): JSON or YAML, flat or nested, flattened to dotted keys with typed scalar
// values. Pure: callers read the file and pass its name (for the format and messages) and
// its bytes, so client and server parse the same way.
// Requires: abseil, nlohmann-json, yaml-cpp. Used by: client cli (run record, push-model),
// server core (run recording, policies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::common {

// Limits on one params or metrics file: they keep a run's record small enough to store in
// one row set and to answer about quickly, and bound the parser's work on hostile input.
inline constexpr size_t kMaxRecordFileBytes = 1 << 20;
inline constexpr size_t kMaxRecordKeys = 10000;
inline constexpr size_t kMaxRecordKeyBytes = 1024;
inline constexpr int kMaxRecordDepth = 64;
// Values (mappings, lists and scalars) visited while flattening, a YAML alias counted each
// time it is used: without it, aliases of aliases of empty lists make a file of a few hundred
// bytes that adds no key yet takes hours to walk.
inline constexpr size_t kMaxRecordValues = 100000;

// A scalar value: a number (JSON number or plain YAML number), a string, or a bool.
using ParamValue = std::variant<double, std::string, bool>;

// Flattened keys ("optimizer.lr", "layers.0") to values, sorted by key.
using ParamMap = std::map<std::string, ParamValue>;

enum class RecordFileFormat { kUnknown, kJson, kYaml };

// The format named by `file_name`'s extension (".json"; ".yaml" or ".yml"; any case), or
// kUnknown.
RecordFileFormat RecordFormatFromFileName(std::string_view file_name);

// Parses `text` as `format`; kUnknown guesses from the content (JSON when the first
// non-blank character is '{', YAML otherwise). The top level must be a mapping (an empty
// YAML document is an empty mapping); nested mappings join keys with '.', array elements
// take their index ("key.0"). JSON null and YAML null become the string "null"; empty
// mappings and arrays contribute no key. YAML plain scalars are typed by the YAML 1.2 core
// schema (true/false, numbers); quoted YAML scalars are always strings.
// `label` (usually the file name) prefixes error messages.
// Returns INVALID_ARGUMENT for malformed text (with the line and column the parser reports),
// a top level that is not a mapping, a key that is empty or not a scalar, two keys that
// flatten to the same dotted key, nesting deeper than kMaxRecordDepth, more than
// kMaxRecordFileBytes, more than kMaxRecordKeys keys or a key longer than kMaxRecordKeyBytes,
// more than kMaxRecordValues values.
absl::StatusOr<ParamMap> ParseRecordText(std::string_view text, RecordFileFormat format,
                                         std::string_view label);

// ParseRecordText with the format chosen by RecordFormatFromFileName(file_name) and the file
// name as label. Same errors.
absl::StatusOr<ParamMap> ParseRecordFile(std::string_view file_name, std::string_view content);

// One "K=V" of `--param` / `--metric`: split at the first '='; the key is trimmed of spaces,
// the value is typed like a plain YAML scalar ("0.1" a number, "true" a bool, else a string).
// Returns INVALID_ARGUMENT when there is no '=', the key is empty or longer than
// kMaxRecordKeyBytes.
absl::StatusOr<std::pair<std::string, ParamValue>> ParseKeyValue(std::string_view arg);

// Metrics are numbers: returns key -> value, or INVALID_ARGUMENT naming the first key whose
// value is not a number ("metric 'acc' is not a number: 'high'"; a bool is not a number).
absl::StatusOr<std::map<std::string, double>> RequireNumeric(const ParamMap& values);

// Numeric metrics split into single values and series (training curves). A metrics file
// writes a series as a list under its key, which flattening turned into "loss.0", "loss.1",
// ...: either of plain numbers (step = the index) or of {step, value} mappings ("loss.0.step",
// "loss.0.value"). A key K becomes a series when every key under "K." has one of those two
// shapes, the indexes are 0..n-1 and each {step, value} has both; anything else stays single
// values with their dotted keys. Series points are sorted by step; INVALID_ARGUMENT when a
// series names a step twice or a step is not a whole number in int64 range.
struct MetricSeriesPoint {
  int64_t step = 0;
  double value = 0;
  friend bool operator==(const MetricSeriesPoint&, const MetricSeriesPoint&) = default;
};
struct SplitMetricValues {
  std::map<std::string, double> singles;
  std::map<std::string, std::vector<MetricSeriesPoint>> series;
};
absl::StatusOr<SplitMetricValues> SplitMetricSeries(const std::map<std::string, double>& metrics);

// The value as text: numbers in their shortest round-trip form ("0.1", "32", "1e-05"),
// bools as "true"/"false", strings as they are.
std::string FormatParamValue(const ParamValue& value);

}  // namespace mlvc::common
