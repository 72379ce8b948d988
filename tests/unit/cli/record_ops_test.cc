// client/ops/record_ops: the pure parts (no server).
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "client/ops/record_ops.h"
#include "common/hash/sha256.h"
#include "tests/support/temp_dir.h"

namespace mlvc::client::ops {
namespace {

using remote::RunKind;

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST_CASE("ParseRunKind accepts the three kinds and refuses others", "[record_ops]") {
  CHECK(*ParseRunKind("train") == RunKind::kTrain);
  CHECK(*ParseRunKind("EVAL") == RunKind::kEval);
  CHECK(*ParseRunKind("validation") == RunKind::kValidation);
  absl::StatusOr<RunKind> bad = ParseRunKind("test");
  REQUIRE(absl::IsInvalidArgument(bad.status()));
  CHECK(std::string(bad.status().message()).find("'test'") != std::string::npos);
  CHECK(RunKindName(RunKind::kEval) == "eval");
}

TEST_CASE("ParseInputSpec splits repository path and ref", "[record_ops]") {
  remote::RunInputSpec a = *ParseInputSpec("imagenet-mini/train@v2");
  CHECK(a.repository == "imagenet-mini");
  CHECK(a.path == "train");
  CHECK(a.ref == "v2");
  remote::RunInputSpec b = *ParseInputSpec("data/sets/x/y.csv");
  CHECK(b.repository == "data");
  CHECK(b.path == "sets/x/y.csv");
  CHECK(b.ref.empty());
  remote::RunInputSpec own = *ParseInputSpec("./models/base.pt@12");
  CHECK(own.repository.empty());
  CHECK(own.path == "models/base.pt");
  CHECK(own.ref == "12");
  remote::RunInputSpec branch = *ParseInputSpec("ds/train@exp/new-split");
  CHECK(branch.path == "train");
  CHECK(branch.ref == "exp/new-split");
}

TEST_CASE("ParseInputSpec refuses malformed inputs", "[record_ops]") {
  for (const char* bad : {"justrepo", "repo/", "/abs", "repo/path@", "repo/../x"}) {
    INFO(bad);
    CHECK(absl::IsInvalidArgument(ParseInputSpec(bad).status()));
  }
}

TEST_CASE("SplitPathAtRef takes the ref after the last at sign", "[record_ops]") {
  PathAtRef m = SplitPathAtRef("models/m.pt@v1.0", true);
  CHECK(m.path == "models/m.pt");
  CHECK(m.ref == "v1.0");
  CHECK(SplitPathAtRef("models/m.pt", true).path == "models/m.pt");
  CHECK(SplitPathAtRef("models/m.pt", true).ref.empty());
  CHECK(SplitPathAtRef("exp/lr-0.1", false).ref == "exp/lr-0.1");
  CHECK(SplitPathAtRef("exp/lr-0.1", false).path.empty());
  PathAtRef at = SplitPathAtRef("@12", false);
  CHECK(at.path.empty());
  CHECK(at.ref == "12");
}

TEST_CASE("PrepareRun flattens params files and lets --param override", "[record_ops]") {
  testing::TempDir dir;
  Write(dir.Sub("params.yaml"), "optimizer:\n  lr: 0.1\n  name: adam\nepochs: 30\n");
  RunOptions options;
  options.kind = "train";
  options.params_file = dir.Sub("params.yaml");
  options.params = {"epochs=40", "seed=7"};
  options.metrics = {"loss=0.25"};
  options.inputs = {"imagenet-mini/train@main"};
  options.outputs = {"models/m.pt"};
  options.env_vars = {"python=3.11", "gpu=A100"};
  PreparedRun run = *PrepareRun(options);
  CHECK(run.spec.kind == RunKind::kTrain);
  REQUIRE(run.spec.params.size() == 4);
  CHECK(run.spec.params[0].key == "epochs");
  CHECK(run.spec.params[0].value == "40");
  CHECK(run.spec.params[1].key == "optimizer.lr");
  CHECK(run.spec.params[1].value == "0.1");
  CHECK(run.spec.params[2].value == "adam");
  CHECK(run.spec.params[3].key == "seed");
  REQUIRE(run.spec.metrics.size() == 1);
  CHECK(run.spec.metrics[0].key == "loss");
  CHECK(run.spec.metrics[0].value == 0.25);
  CHECK_FALSE(run.spec.metrics[0].step.has_value());
  REQUIRE(run.spec.inputs.size() == 1);
  CHECK(run.spec.inputs[0].repository == "imagenet-mini");
  CHECK(run.spec.outputs == std::vector<std::string>{"models/m.pt"});
  REQUIRE(run.spec.environment.vars.size() == 2);
  CHECK(run.spec.environment.vars[0] == std::make_pair(std::string("gpu"), std::string("A100")));
  CHECK(run.env_path.empty());
}

TEST_CASE("PrepareRun reads metrics files and the environment file", "[record_ops]") {
  testing::TempDir dir;
  Write(dir.Sub("metrics.json"), R"({"eval": {"accuracy": 0.93, "top5": 0.99}})");
  const std::string requirements = "torch==2.1.0\nnumpy>=1.26\n";
  Write(dir.Sub("requirements.txt"), requirements);
  RunOptions options;
  options.kind = "eval";
  options.metrics_file = dir.Sub("metrics.json");
  options.env_file = dir.Sub("requirements.txt");
  PreparedRun run = *PrepareRun(options);
  REQUIRE(run.spec.metrics.size() == 2);
  CHECK(run.spec.metrics[0].key == "eval.accuracy");
  CHECK(run.spec.metrics[0].value == 0.93);
  CHECK(run.spec.environment.file_name == "requirements.txt");
  CHECK(run.spec.environment.file_content_id == common::Sha256Hex(requirements));
  CHECK(run.env_size == requirements.size());
  CHECK(run.packages.at("torch") == "2.1.0");
  CHECK(run.packages.at("numpy") == ">=1.26");
}

TEST_CASE("PrepareRun refuses bad files and options before anything is sent", "[record_ops]") {
  testing::TempDir dir;
  Write(dir.Sub("bad.json"), "{\"lr\": ");
  Write(dir.Sub("words.yaml"), "accuracy: high\n");
  Write(dir.Sub("list.yaml"), "- 1\n- 2\n");
  Write(dir.Sub("env.yml"), "dependencies: 3\n");
  struct Case {
    const char* name;
    RunOptions options;
    const char* needle;
  };
  auto with = [](auto edit) {
    RunOptions o;
    o.kind = "train";
    edit(o);
    return o;
  };
  std::vector<Case> cases = {
      {"malformed params", with([&](RunOptions& o) { o.params_file = dir.Sub("bad.json"); }),
       "malformed JSON"},
      {"missing params file", with([&](RunOptions& o) { o.params_file = dir.Sub("none.yaml"); }),
       "cannot read params file"},
      {"params not a mapping", with([&](RunOptions& o) { o.params_file = dir.Sub("list.yaml"); }),
       "list.yaml"},
      {"non-numeric metric file",
       with([&](RunOptions& o) { o.metrics_file = dir.Sub("words.yaml"); }),
       "metric 'accuracy' is not a number"},
      {"non-numeric metric flag", with([](RunOptions& o) { o.metrics = {"acc=high"}; }),
       "metric 'acc' is not a number"},
      {"metric without value", with([](RunOptions& o) { o.metrics = {"acc"}; }), "--metric"},
      {"param without key", with([](RunOptions& o) { o.params = {"=3"}; }), "--param"},
      {"bad input", with([](RunOptions& o) { o.inputs = {"nope"}; }), "REPO/PATH"},
      {"bad output", with([](RunOptions& o) { o.outputs = {"../x"}; }), "--output"},
      {"bad env var", with([](RunOptions& o) { o.env_vars = {"novalue"}; }), "--env-var"},
      {"bad environment file", with([&](RunOptions& o) { o.env_file = dir.Sub("env.yml"); }),
       "env.yml"},
      {"bad kind", with([](RunOptions& o) { o.kind = "deploy"; }), "run kind"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    absl::StatusOr<PreparedRun> run = PrepareRun(c.options);
    REQUIRE(absl::IsInvalidArgument(run.status()));
    CHECK(std::string(run.status().message()).find(c.needle) != std::string::npos);
  }
  RunOptions no_kind;
  CHECK(absl::IsInvalidArgument(PrepareRun(no_kind).status()));
  CHECK(PrepareRun(no_kind, RunKind::kTrain)->spec.kind == RunKind::kTrain);
}

TEST_CASE("LatestMetrics takes the last step of a series and prefixes keys", "[record_ops]") {
  remote::RunInfo run;
  run.metrics = {{"loss", 0.9, 0}, {"loss", 0.3, 2}, {"loss", 0.5, 1}, {"accuracy", 0.8, {}}};
  std::map<std::string, double> latest = LatestMetrics(run, "train.");
  REQUIRE(latest.size() == 2);
  CHECK(latest.at("train.loss") == 0.3);
  CHECK(latest.at("train.accuracy") == 0.8);
}

TEST_CASE("DiffMetrics lists every key with the change from A to B", "[record_ops]") {
  std::vector<MetricDiffRow> rows =
      DiffMetrics({{"eval.accuracy", 0.90}, {"train.loss", 0.4}},
                  {{"eval.accuracy", 0.925}, {"eval.top5", 0.99}});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].key == "eval.accuracy");
  CHECK(*rows[0].change == Approx(0.025));
  CHECK(rows[1].key == "eval.top5");
  CHECK_FALSE(rows[1].a.has_value());
  CHECK_FALSE(rows[1].change.has_value());
  CHECK(rows[2].key == "train.loss");
  CHECK_FALSE(rows[2].b.has_value());
}

TEST_CASE("DiffParams shows differences only unless all", "[record_ops]") {
  std::vector<remote::RunParam> a = {{"lr", "0.1"}, {"epochs", "30"}};
  std::vector<remote::RunParam> b = {{"lr", "0.01"}, {"epochs", "30"}, {"seed", "1"}};
  std::vector<ParamDiffRow> rows = DiffParams(a, b, false);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].key == "lr");
  CHECK(*rows[0].a == "0.1");
  CHECK(*rows[0].b == "0.01");
  CHECK(rows[1].key == "seed");
  CHECK_FALSE(rows[1].a.has_value());
  CHECK(DiffParams(a, b, true).size() == 3);
}

TEST_CASE("ParseMetricRule reads thresholds and refuses malformed ones", "[record_ops]") {
  remote::MetricRuleInfo rule = *ParseMetricRule("eval.accuracy>=0.92");
  CHECK(rule.metric == "eval.accuracy");
  CHECK(rule.op == ">=");
  CHECK(rule.value == 0.92);
  CHECK(ParseMetricRule("loss < 0.3")->op == "<");
  CHECK(ParseMetricRule("loss<=1e-3")->value == 0.001);
  CHECK(ParseMetricRule("f1==1")->op == "==");
  CHECK(FormatMetricRule(*ParseMetricRule(" eval.accuracy >= 0.92 ")) == "eval.accuracy>=0.92");
  for (const char* bad : {"accuracy", ">=0.9", "accuracy>=", "accuracy>=high", "acc=0.9"}) {
    INFO(bad);
    CHECK(absl::IsInvalidArgument(ParseMetricRule(bad).status()));
  }
}

TEST_CASE("FormatNumber uses the shortest round-trip form", "[record_ops]") {
  CHECK(FormatNumber(0.1) == "0.1");
  CHECK(FormatNumber(32) == "32");
  CHECK(FormatNumber(-0.025) == "-0.025");
}

}  // namespace
}  // namespace mlvc::client::ops
