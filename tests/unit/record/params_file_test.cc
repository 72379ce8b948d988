#include "common/record/params_file.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catch2/catch.hpp"

namespace mlvc::common {
namespace {

double Num(const ParamMap& m, const std::string& key) { return std::get<double>(m.at(key)); }
std::string Str(const ParamMap& m, const std::string& key) {
  return std::get<std::string>(m.at(key));
}

TEST_CASE("record: Nested JSON and YAML flatten to the same dotted keys", "[record]") {
  auto json = ParseRecordFile("params.json", R"({
    "optimizer": {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]},
    "epochs": 10, "augment": true, "tag": "v1"})");
  auto yaml = ParseRecordFile("params.yaml", R"(
optimizer:
  name: adam
  lr: 0.001
  betas: [0.9, 0.999]
epochs: 10
augment: true
tag: "v1"
)");
  REQUIRE(json.ok());
  REQUIRE(yaml.ok());
  CHECK(*json == *yaml);
  CHECK(json->size() == 7);
  CHECK(Str(*json, "optimizer.name") == "adam");
  CHECK(Num(*json, "optimizer.lr") == 0.001);
  CHECK(Num(*yaml, "optimizer.betas.0") == 0.9);
  CHECK(Num(*yaml, "optimizer.betas.1") == 0.999);
  CHECK(Num(*yaml, "epochs") == 10);
  CHECK(std::get<bool>(yaml->at("augment")) == true);
}

TEST_CASE("record: Arrays of mappings flatten with their index", "[record]") {
  auto m = ParseRecordFile("p.yml", "layers:\n  - units: 64\n  - units: 32\n    act: relu\n");
  REQUIRE(m.ok());
  CHECK(m->size() == 3);
  CHECK(Num(*m, "layers.0.units") == 64);
  CHECK(Num(*m, "layers.1.units") == 32);
  CHECK(Str(*m, "layers.1.act") == "relu");
}

TEST_CASE("record: Flat files and quoted YAML scalars keep their types", "[record]") {
  auto m = ParseRecordFile("p.yaml", "lr: 0.1\nseed: '42'\nname: resnet\nuse_amp: false\n"
                                     "note: ~\nver: 1.2.3\n");
  REQUIRE(m.ok());
  CHECK(Num(*m, "lr") == 0.1);
  CHECK(Str(*m, "seed") == "42");  // quoted: a string
  CHECK(Str(*m, "name") == "resnet");
  CHECK(std::get<bool>(m->at("use_amp")) == false);
  CHECK(Str(*m, "note") == "null");
  CHECK(Str(*m, "ver") == "1.2.3");
}

TEST_CASE("record: Unknown extensions are recognized by content", "[record]") {
  auto json = ParseRecordFile("params", R"({"a": {"b": 1}})");
  auto yaml = ParseRecordFile("params.conf", "a:\n  b: 1\n");
  REQUIRE(json.ok());
  REQUIRE(yaml.ok());
  CHECK(*json == *yaml);
  CHECK(RecordFormatFromFileName("X.JSON") == RecordFileFormat::kJson);
  CHECK(RecordFormatFromFileName("x.yml") == RecordFileFormat::kYaml);
  CHECK(RecordFormatFromFileName("x.txt") == RecordFileFormat::kUnknown);
}

TEST_CASE("record: Empty YAML is an empty map and empty containers add no key", "[record]") {
  auto empty = ParseRecordFile("p.yaml", "");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  auto m = ParseRecordFile("p.json", R"({"a": {}, "b": [], "c": 1})");
  REQUIRE(m.ok());
  CHECK(m->size() == 1);
}

TEST_CASE("record: Malformed JSON is INVALID_ARGUMENT with line and column", "[record]") {
  auto m = ParseRecordFile("params.json", "{\n  \"lr\": 0.1,\n  \"epochs\" 10\n}");
  REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
  std::string msg(m.status().message());
  CHECK(msg.find("params.json") != std::string::npos);
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("column") != std::string::npos);
  CHECK(msg.find("json.exception") == std::string::npos);
}

TEST_CASE("record: A JSON number beyond double's range is INVALID_ARGUMENT", "[record]") {
  for (const char* text : {R"({"loss": 1e999})", R"({"lr": -7E7777})", "7E7777"}) {
    INFO(text);
    auto m = ParseRecordFile("metrics.json", text);
    REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
    std::string msg(m.status().message());
    CHECK(msg.find("metrics.json: malformed JSON: number overflow") != std::string::npos);
    CHECK(msg.find("json.exception") == std::string::npos);
  }
}

TEST_CASE("record: Malformed YAML is INVALID_ARGUMENT with line and column", "[record]") {
  auto m = ParseRecordFile("params.yaml", "lr: 0.1\noptimizer: [adam\nepochs: 3\n");
  REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
  std::string msg(m.status().message());
  CHECK(msg.find("params.yaml: malformed YAML at line") != std::string::npos);
  CHECK(msg.find("column") != std::string::npos);
}

TEST_CASE("record: A top level that is not a mapping is INVALID_ARGUMENT", "[record]") {
  CHECK(ParseRecordFile("p.json", "[1, 2]").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRecordFile("p.yaml", "- 1\n- 2\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRecordFile("p.yaml", "just text").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: Keys that flatten to the same dotted key are INVALID_ARGUMENT", "[record]") {
  auto m = ParseRecordFile("p.json", R"({"a.b": 1, "a": {"b": 2}})");
  REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(m.status().message()).find("'a.b'") != std::string::npos);
  CHECK(ParseRecordFile("p.json", R"({"": 1})").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: Aliases that expand past the value limit are refused quickly", "[record]") {
  // Each level lists the previous one ten times: 10^9 empty lists, and not one key.
  std::string laughs = "l0: &l0 [[], [], [], [], [], [], [], [], [], []]\n";
  for (int i = 1; i < 9; ++i) {
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", *l" : "*l") + std::to_string(i - 1);
    laughs += "]\n";
  }
  auto m = ParseRecordFile("p.yaml", laughs);
  REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(m.status().message()).find("more than 100000 values") != std::string::npos);

  std::string empties = "{\"a\": [";
  for (size_t i = 0; i < kMaxRecordValues; ++i) empties += i ? ",[]" : "[]";
  empties += "]}";
  CHECK(ParseRecordFile("p.json", empties).status().code() ==
        absl::StatusCode::kInvalidArgument);

  // Anchors used a few times, as configs share blocks, still work.
  auto shared = ParseRecordFile("p.yaml", "base: &b {lr: 0.1, wd: 0.01}\nrun1: *b\nrun2: *b\n");
  REQUIRE(shared.ok());
  CHECK(Num(*shared, "run2.wd") == 0.01);
}

TEST_CASE("record: Oversized and too deep files are refused", "[record]") {
  std::string big = "a: '" + std::string(kMaxRecordFileBytes, 'x') + "'\n";
  CHECK(ParseRecordFile("p.yaml", big).status().code() == absl::StatusCode::kInvalidArgument);

  std::string many = "{";
  for (size_t i = 0; i <= kMaxRecordKeys; ++i) {
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  }
  many += "}";
  auto m = ParseRecordFile("p.json", many);
  REQUIRE(m.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(m.status().message()).find("more than") != std::string::npos);

  std::string deep(200, '[');
  deep = "a: " + deep + std::string(200, ']') + "\n";
  CHECK(ParseRecordFile("p.yaml", deep).status().code() == absl::StatusCode::kInvalidArgument);
  std::string deep_json = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  CHECK(ParseRecordFile("p.json", deep_json).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: ParseKeyValue splits at the first equals sign and types the value", "[record]") {
  auto lr = ParseKeyValue("optimizer.lr=0.01");
  REQUIRE(lr.ok());
  CHECK(lr->first == "optimizer.lr");
  CHECK(std::get<double>(lr->second) == 0.01);
  auto expr = ParseKeyValue("filter=a=b");
  REQUIRE(expr.ok());
  CHECK(expr->first == "filter");
  CHECK(std::get<std::string>(expr->second) == "a=b");
  auto flag = ParseKeyValue("amp=true");
  REQUIRE(flag.ok());
  CHECK(std::get<bool>(flag->second));
  auto empty = ParseKeyValue("note=");
  REQUIRE(empty.ok());
  CHECK(std::get<std::string>(empty->second).empty());
}

TEST_CASE("record: ParseKeyValue refuses a missing equals sign or an empty key", "[record]") {
  CHECK(ParseKeyValue("lr").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseKeyValue("=0.1").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseKeyValue("  =0.1").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: RequireNumeric converts metrics and names a non-numeric key", "[record]") {
  auto ok = ParseRecordFile("m.json", R"({"eval": {"accuracy": 0.93, "loss": 0.2}})");
  REQUIRE(ok.ok());
  auto nums = RequireNumeric(*ok);
  REQUIRE(nums.ok());
  CHECK(nums->at("eval.accuracy") == 0.93);
  CHECK(nums->at("eval.loss") == 0.2);

  auto bad = ParseRecordFile("m.yaml", "loss: 0.2\nacc: high\n");
  REQUIRE(bad.ok());
  auto r = RequireNumeric(*bad);
  REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(r.status().message() == "metric 'acc' is not a number: 'high'");

  auto flag = RequireNumeric(ParamMap{{"converged", true}});
  CHECK(flag.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: FormatParamValue prints the shortest round-trip form", "[record]") {
  CHECK(FormatParamValue(0.1) == "0.1");
  CHECK(FormatParamValue(32.0) == "32");
  CHECK(FormatParamValue(true) == "true");
  CHECK(FormatParamValue(std::string("adam")) == "adam");
}

// Numeric values of a metrics file, as the client parses it.
std::map<std::string, double> Metrics(std::string_view name, std::string_view text) {
  auto parsed = ParseRecordFile(name, text);
  REQUIRE(parsed.ok());
  auto numeric = RequireNumeric(*parsed);
  REQUIRE(numeric.ok());
  return *numeric;
}

TEST_CASE("record: lists in a metrics file become series with steps", "[record]") {
  auto split = SplitMetricSeries(Metrics("m.json", R"({"accuracy": 0.93,
      "loss": [0.9, 0.7, 0.5],
      "val": {"loss": [{"step": 100, "value": 0.8}, {"step": 50, "value": 0.95}]}})"));
  REQUIRE(split.ok());
  CHECK(split->singles == std::map<std::string, double>{{"accuracy", 0.93}});
  REQUIRE(split->series.size() == 2);
  CHECK(split->series.at("loss") ==
        std::vector<MetricSeriesPoint>{{0, 0.9}, {1, 0.7}, {2, 0.5}});
  // Sorted by step, whatever the file's order.
  CHECK(split->series.at("val.loss") == std::vector<MetricSeriesPoint>{{50, 0.95}, {100, 0.8}});

  // The same from YAML.
  auto yaml = SplitMetricSeries(Metrics("m.yaml", "loss:\n  - 0.9\n  - 0.7\n"));
  REQUIRE(yaml.ok());
  CHECK(yaml->series.at("loss").size() == 2);
}

TEST_CASE("record: shapes that are not series stay single values", "[record]") {
  // Mixed list and mapping entries, a gap in the indexes, a mapping without "value": all
  // keep their dotted keys.
  std::map<std::string, double> in = {{"a.0", 1}, {"a.x", 2},          {"b.0", 1},
                                      {"b.2", 3}, {"c.0.step", 1},     {"top1.5", 0.5}};
  auto split = SplitMetricSeries(in);
  REQUIRE(split.ok());
  CHECK(split->series.empty());
  CHECK(split->singles == in);
}

TEST_CASE("record: a series naming a step twice or a fractional step is refused", "[record]") {
  auto twice = SplitMetricSeries(Metrics(
      "m.json", R"({"loss": [{"step": 1, "value": 0.9}, {"step": 1, "value": 0.8}]})"));
  REQUIRE(twice.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(twice.status().message() == "metric series 'loss' has step 1 twice");
  auto fraction =
      SplitMetricSeries(Metrics("m.json", R"({"loss": [{"step": 1.5, "value": 0.9}]})"));
  CHECK(fraction.status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlvc::common
