#include "common/record/params_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/record/yaml_load.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace mlvc::common {
namespace {

// absl::string_view is not std::string_view in this abseil: convert at the call.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Collects flattened keys, enforcing the key limits as it goes so a huge file stops early.
class Flattener {
 public:
  explicit Flattener(std::string_view label) : label_(label) {}

  absl::Status Add(const std::string& key, ParamValue value) {
    if (key.size() > kMaxRecordKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(Absl(label_), ": key '", key.substr(0, 64),
                                                     "...' is longer than ",
                                                     kMaxRecordKeyBytes, " bytes"));
    }
    if (map_.size() >= kMaxRecordKeys) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(label_), ": more than ", kMaxRecordKeys, " keys"));
    }
    if (!map_.emplace(key, std::move(value)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(label_), ": two entries flatten to the key '", key, "'"));
    }
    return absl::OkStatus();
  }

  // Called once per value entered, at nesting `depth`.
  absl::Status Enter(int depth) {
    if (depth > kMaxRecordDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(label_), ": nested deeper than ", kMaxRecordDepth, " levels"));
    }
    if (++values_ > kMaxRecordValues) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(label_), ": more than ", kMaxRecordValues,
                       " values (a YAML alias counts each time it is used)"));
    }
    return absl::OkStatus();
  }

  // `prefix` joined with a mapping key; empty keys would make "a..b" ambiguous.
  absl::StatusOr<std::string> Join(const std::string& prefix, const std::string& key) const {
    if (key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(label_), ": empty key", prefix.empty() ? "" : " under '", prefix,
          prefix.empty() ? "" : "'"));
    }
    return prefix.empty() ? key : absl::StrCat(prefix, ".", key);
  }

  std::string_view label() const { return label_; }
  ParamMap Take() { return std::move(map_); }

 private:
  std::string_view label_;
  ParamMap map_;
  size_t values_ = 0;
};

std::string JoinIndex(const std::string& prefix, size_t i) {
  return prefix.empty() ? std::to_string(i) : absl::StrCat(prefix, ".", i);
}

absl::Status FlattenJson(const nlohmann::json& j, const std::string& prefix, int depth,
                         Flattener& out) {
  RETURN_IF_ERROR(out.Enter(depth));
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [k, v] : j.items()) {
        ASSIGN_OR_RETURN(std::string key, out.Join(prefix, k));
        RETURN_IF_ERROR(FlattenJson(v, key, depth + 1, out));
      }
      return absl::OkStatus();
    case nlohmann::json::value_t::array:
      for (size_t i = 0; i < j.size(); ++i) {
        RETURN_IF_ERROR(FlattenJson(j[i], JoinIndex(prefix, i), depth + 1, out));
      }
      return absl::OkStatus();
    case nlohmann::json::value_t::boolean:
      return out.Add(prefix, j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return out.Add(prefix, j.get<double>());
    case nlohmann::json::value_t::string:
      return out.Add(prefix, j.get<std::string>());
    case nlohmann::json::value_t::null:
      return out.Add(prefix, std::string("null"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(out.label()), ": unsupported value at '", prefix, "'"));
  }
}

// A plain (unquoted) scalar typed as the YAML 1.2 core schema does for bools and numbers.
// Null spellings stay strings ("null"), as JSON null does. Numbers must be finite decimal.
ParamValue TypePlainScalar(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "~" || s == "Null" || s == "NULL" || s.empty()) return std::string("null");
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (!digits.empty() && (absl::ascii_isdigit(static_cast<unsigned char>(digits.front())) ||
                          digits.front() == '-' || digits.front() == '.')) {
    double d = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ec == std::errc() && end == digits.data() + digits.size() && std::isfinite(d)) {
      return d;
    }
  }
  return std::string(s);
}

absl::Status FlattenYaml(const YAML::Node& n, const std::string& prefix, int depth,
                         Flattener& out) {
  RETURN_IF_ERROR(out.Enter(depth));
  switch (n.Type()) {
    case YAML::NodeType::Map:
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Absl(out.label()), ": a key under '", prefix, "' is not a scalar (line ",
              kv.first.Mark().line + 1, ")"));
        }
        ASSIGN_OR_RETURN(std::string key, out.Join(prefix, kv.first.Scalar()));
        RETURN_IF_ERROR(FlattenYaml(kv.second, key, depth + 1, out));
      }
      return absl::OkStatus();
    case YAML::NodeType::Sequence:
      for (size_t i = 0; i < n.size(); ++i) {
        RETURN_IF_ERROR(FlattenYaml(n[i], JoinIndex(prefix, i), depth + 1, out));
      }
      return absl::OkStatus();
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!": only plain ones get typed.
      if (n.Tag() == "!") return out.Add(prefix, n.Scalar());
      return out.Add(prefix, TypePlainScalar(n.Scalar()));
    case YAML::NodeType::Null:
      return out.Add(prefix, std::string("null"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(out.label()), ": unsupported value at '", prefix, "'"));
  }
}

absl::StatusOr<ParamMap> ParseJson(std::string_view text, std::string_view label) {
  if (internal::MaxBracketDepth(text) > kMaxRecordDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(label), ": nested deeper than ", kMaxRecordDepth, " levels"));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number beyond double's range ("1e999") throws out_of_range.
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: ...";
    // the bracketed id means nothing to a user.
    std::string_view what = e.what();
    if (size_t close = what.find("] "); close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
    return absl::InvalidArgumentError(absl::StrCat(Absl(label), ": malformed JSON: ", Absl(what)));
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(Absl(label), ": the top level is not an object"));
  }
  Flattener out(label);
  RETURN_IF_ERROR(FlattenJson(j, "", 0, out));
  return out.Take();
}

absl::StatusOr<ParamMap> ParseYaml(std::string_view text, std::string_view label) {
  ASSIGN_OR_RETURN(YAML::Node root, internal::LoadYaml(text, label, kMaxRecordDepth));
  if (root.IsNull()) return ParamMap();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(Absl(label), ": the top level is not a mapping"));
  }
  Flattener out(label);
  RETURN_IF_ERROR(FlattenYaml(root, "", 0, out));
  return out.Take();
}

}  // namespace

RecordFileFormat RecordFormatFromFileName(std::string_view file_name) {
  absl::string_view name = Absl(file_name);
  if (absl::EndsWithIgnoreCase(name, ".json")) return RecordFileFormat::kJson;
  if (absl::EndsWithIgnoreCase(name, ".yaml") || absl::EndsWithIgnoreCase(name, ".yml")) {
    return RecordFileFormat::kYaml;
  }
  return RecordFileFormat::kUnknown;
}

absl::StatusOr<ParamMap> ParseRecordText(std::string_view text, RecordFileFormat format,
                                         std::string_view label) {
  if (text.size() > kMaxRecordFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(Absl(label), ": larger than ",
                                                   kMaxRecordFileBytes, " bytes"));
  }
  if (format == RecordFileFormat::kUnknown) {
    size_t first = text.find_first_not_of(" \t\r\n");
    format = first != std::string_view::npos && text[first] == '{' ? RecordFileFormat::kJson
                                                                    : RecordFileFormat::kYaml;
  }
  return format == RecordFileFormat::kJson ? ParseJson(text, label) : ParseYaml(text, label);
}

absl::StatusOr<ParamMap> ParseRecordFile(std::string_view file_name, std::string_view content) {
  return ParseRecordText(content, RecordFormatFromFileName(file_name), file_name);
}

absl::StatusOr<std::pair<std::string, ParamValue>> ParseKeyValue(std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected KEY=VALUE, got '", Absl(arg), "' (no '=')"));
  }
  std::string key(absl::StripAsciiWhitespace(Absl(arg.substr(0, eq))));
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected KEY=VALUE, got '", Absl(arg), "' (empty key)"));
  }
  if (key.size() > kMaxRecordKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("key is longer than ", kMaxRecordKeyBytes, " bytes"));
  }
  std::string_view value = arg.substr(eq + 1);
  ParamValue typed = value.empty() ? ParamValue(std::string()) : TypePlainScalar(value);
  return std::make_pair(std::move(key), std::move(typed));
}

absl::StatusOr<std::map<std::string, double>> RequireNumeric(const ParamMap& values) {
  std::map<std::string, double> out;
  for (const auto& [key, value] : values) {
    const double* d = std::get_if<double>(&value);
    if (d == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric '", key, "' is not a number: '", FormatParamValue(value), "'"));
    }
    out.emplace_hint(out.end(), key, *d);
  }
  return out;
}

namespace {

// "12" -> 12; nullopt unless the whole text is a non-negative decimal index.
std::optional<size_t> IndexOf(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  size_t out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    out = out * 10 + static_cast<size_t>(c - '0');
  }
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  return out;
}

// The series under `prefix` ("loss") from its flattened keys (every key of `metrics` in
// [first, last) starts with "loss."), or nullopt when they do not have a series' shape.
absl::StatusOr<std::optional<std::vector<MetricSeriesPoint>>> SeriesUnder(
    const std::string& prefix, std::map<std::string, double>::const_iterator first,
    std::map<std::string, double>::const_iterator last) {
  std::map<size_t, double> plain;
  std::map<size_t, std::pair<std::optional<double>, std::optional<double>>> pairs;
  for (auto it = first; it != last; ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size() + 1);
    const size_t dot = rest.find('.');
    std::optional<size_t> index = IndexOf(rest.substr(0, dot));
    if (!index.has_value()) return std::nullopt;
    if (dot == std::string_view::npos) {
      plain[*index] = it->second;
    } else if (rest.substr(dot + 1) == "step") {
      pairs[*index].first = it->second;
    } else if (rest.substr(dot + 1) == "value") {
      pairs[*index].second = it->second;
    } else {
      return std::nullopt;
    }
  }
  if (!plain.empty() && !pairs.empty()) return std::nullopt;
  std::vector<MetricSeriesPoint> points;
  if (!plain.empty()) {
    if (plain.rbegin()->first != plain.size() - 1) return std::nullopt;
    for (const auto& [index, value] : plain) {
      points.push_back({static_cast<int64_t>(index), value});
    }
  } else {
    if (pairs.rbegin()->first != pairs.size() - 1) return std::nullopt;
    for (const auto& [index, step_value] : pairs) {
      if (!step_value.first.has_value() || !step_value.second.has_value()) return std::nullopt;
      const double step = *step_value.first;
      if (!(step >= -9.2e18 && step <= 9.2e18) || step != std::floor(step)) {
        return absl::InvalidArgumentError(absl::StrCat("metric series '", prefix,
                                                       "': step ", step,
                                                       " is not a whole number"));
      }
      points.push_back({static_cast<int64_t>(step), *step_value.second});
    }
  }
  std::sort(points.begin(), points.end(),
            [](const MetricSeriesPoint& a, const MetricSeriesPoint& b) { return a.step < b.step; });
  for (size_t i = 1; i < points.size(); ++i) {
    if (points[i].step == points[i - 1].step) {
      return absl::InvalidArgumentError(absl::StrCat("metric series '", prefix, "' has step ",
                                                     points[i].step, " twice"));
    }
  }
  return points;
}

}  // namespace

absl::StatusOr<SplitMetricValues> SplitMetricSeries(const std::map<std::string, double>& metrics) {
  SplitMetricValues out;
  // Candidate series keys: every proper dotted prefix whose next segment is an index. The
  // longest such prefix wins ("a.loss" over "a"), so nested series stay apart.
  std::set<std::string> candidates;
  for (const auto& [key, value] : metrics) {
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      const size_t next = key.find('.', dot + 1);
      if (IndexOf(std::string_view(key).substr(dot + 1, next == std::string::npos
                                                            ? std::string::npos
                                                            : next - dot - 1))
              .has_value()) {
        candidates.insert(key.substr(0, dot));
      }
    }
  }
  std::set<std::string> taken;  // keys consumed by a series
  for (auto c = candidates.rbegin(); c != candidates.rend(); ++c) {
    const std::string start = *c + ".";
    auto first = metrics.lower_bound(start);
    auto last = first;
    bool overlaps = false;
    while (last != metrics.end() && last->first.compare(0, start.size(), start) == 0) {
      overlaps = overlaps || taken.count(last->first) > 0;
      ++last;
    }
    if (overlaps || first == last) continue;
    ASSIGN_OR_RETURN(std::optional<std::vector<MetricSeriesPoint>> points,
                     SeriesUnder(*c, first, last));
    if (!points.has_value()) continue;
    for (auto it = first; it != last; ++it) taken.insert(it->first);
    out.series[*c] = *std::move(points);
  }
  for (const auto& [key, value] : metrics) {
    if (taken.count(key) == 0) out.singles.emplace(key, value);
  }
  for (const auto& [key, points] : out.series) {
    if (out.singles.count(key) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric '", key, "' is both a single value and a series"));
    }
  }
  return out;
}

std::string FormatParamValue(const ParamValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const std::string* s = std::get_if<std::string>(&value)) return *s;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), std::get<double>(value));
  return std::string(buf, ec == std::errc() ? end : buf);
}

}  // namespace mlvc::common
