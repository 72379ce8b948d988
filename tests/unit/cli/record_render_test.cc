// client/cli/record_render: the JSON shapes scripts rely on and the human tables.
#include <catch2/catch.hpp>

#include <string>

#include "client/cli/record_render.h"

namespace mlvc::client::cli {
namespace {

remote::RunInfo SampleRun() {
  remote::RunInfo run;
  run.id = 7;
  run.repository = "resnet50";
  run.number = 12;
  run.kind = remote::RunKind::kTrain;
  run.name = "train";
  run.user = "ci";
  run.recorded_at_micros = 1700000000000001;
  run.params = {{"lr", "0.1"}, {"optimizer", "adam"}};
  run.metrics = {{"loss", 0.9, 0}, {"loss", 0.4, 1}, {"accuracy", 0.91, {}}};
  run.inputs = {{"imagenet-mini", "train", 3, std::string(64, 'a'), true}};
  run.outputs = {{"models/m.pt", std::string(64, 'b')}};
  run.environment.file_name = "requirements.txt";
  run.environment.file_content_id = std::string(64, 'c');
  run.environment.packages = {{"numpy", "1.26.0"}, {"torch", "2.1.0"}};
  run.environment.vars = {{"gpu", "A100"}};
  return run;
}

TEST_CASE("RunJson has the documented shape", "[record_render]") {
  nlohmann::json doc = RunJson(SampleRun());
  CHECK(doc["id"] == 7);
  CHECK(doc["repository"] == "resnet50");
  CHECK(doc["number"] == 12);
  CHECK(doc["kind"] == "train");
  CHECK(doc["status"] == "succeeded");
  CHECK(doc["user"] == "ci");
  CHECK(doc["recorded_at"] == "2023-11-14T22:13:20.000001Z");
  CHECK(doc["params"]["lr"] == "0.1");
  CHECK(doc["metrics"]["loss"] == 0.4);
  CHECK(doc["metrics"]["accuracy"] == 0.91);
  REQUIRE(doc["series"]["loss"].size() == 2);
  CHECK(doc["series"]["loss"][1]["step"] == 1);
  CHECK_FALSE(doc["series"].contains("accuracy"));
  CHECK(doc["inputs"][0]["repository"] == "imagenet-mini");
  CHECK(doc["inputs"][0]["number"] == 3);
  CHECK(doc["inputs"][0]["directory"] == true);
  CHECK(doc["outputs"][0]["path"] == "models/m.pt");
  CHECK(doc["environment"]["file_name"] == "requirements.txt");
  CHECK(doc["environment"]["packages"]["torch"] == "2.1.0");
  CHECK(doc["environment"]["vars"]["gpu"] == "A100");
}

TEST_CASE("MetricDiffTable shows both sides and the signed change", "[record_render]") {
  std::vector<ops::MetricDiffRow> rows =
      ops::DiffMetrics({{"eval.accuracy", 0.9}, {"train.loss", 0.4}},
                       {{"eval.accuracy", 0.925}, {"train.loss", 0.5}, {"eval.top5", 0.99}});
  std::string table = MetricDiffTable("main", "exp", rows);
  CHECK(table ==
        "Metric         main  exp    Change\n"
        "eval.accuracy  0.9   0.925  +0.025\n"
        "eval.top5      -     0.99   -\n"
        "train.loss     0.4   0.5    +0.1\n");
  nlohmann::json doc = MetricDiffJson(rows);
  CHECK(doc[1]["metric"] == "eval.top5");
  CHECK(doc[1]["a"].is_null());
  CHECK(doc[1]["b"] == 0.99);
  CHECK(doc[1]["change"].is_null());
}

TEST_CASE("MetricHistoryTable marks improvements and deltas", "[record_render]") {
  std::vector<remote::MetricPointInfo> points = {
      {3, 0.80, 0, true, 1, remote::RunKind::kEval, "ana", "baseline\nmore"},
      {5, 0.85, 0.05, true, 2, remote::RunKind::kEval, "bo", "lr 0.01"},
      {8, 0.82, -0.03, false, 3, remote::RunKind::kEval, "cy", "new aug"}};
  CHECK(MetricHistoryTable(points) ==
        "CHANGESET  VALUE  DELTA            AUTHOR  MESSAGE\n"
        "@3         0.8           improved  ana     baseline\n"
        "@5         0.85   +0.05  improved  bo      lr 0.01\n"
        "@8         0.82   -0.03            cy      new aug\n");
  nlohmann::json p = MetricPointJson(points[1]);
  CHECK(p["number"] == 5);
  CHECK(p["improved"] == true);
  CHECK(p["kind"] == "eval");
}

TEST_CASE("SinceTrainingText lists data config and dependencies apart from code", "[record_render]") {
  remote::ChangesSinceInfo since;
  since.head = 9;
  remote::ChangeSummary change;
  change.changeset.number = 9;
  change.changeset.author = "bo";
  change.changeset.message = "tweak";
  since.changes.push_back(change);
  since.net_paths = {{"configs/train.yaml", remote::ChangeAction::kModify, remote::PathClass::kConfig},
                     {"data/labels.csv", remote::ChangeAction::kAdd, remote::PathClass::kData},
                     {"requirements.txt", remote::ChangeAction::kModify,
                      remote::PathClass::kDependencies},
                     {"train.py", remote::ChangeAction::kModify, remote::PathClass::kCode}};
  std::string text = SinceTrainingText(since, {{"torch", "2.1.0", "2.2.0"}, {"rich", "", "13.0"}});
  CHECK(text ==
        "1 changeset(s) since training, up to @9:\n"
        "  @9  bo  tweak\n"
        "Changed code:\n  M train.py\n"
        "Changed data:\n  A data/labels.csv\n"
        "Changed config:\n  M configs/train.yaml\n"
        "Changed dependencies:\n  M requirements.txt\n"
        "Packages changed:\n  ~ torch 2.1.0 -> 2.2.0\n  + rich 13.0\n");
  nlohmann::json doc = ChangesSinceJson(since);
  CHECK(doc["head"] == 9);
  CHECK(doc["by_class"]["data"] == nlohmann::json::array({"data/labels.csv"}));
  CHECK(doc["by_class"]["code"] == nlohmann::json::array({"train.py"}));
  CHECK(doc["by_class"]["model"].empty());
  CHECK(doc["net_paths"][0]["class"] == "config");
  CHECK(doc["net_paths"][1]["action"] == "added");
}

TEST_CASE("ExplainJson gathers params metrics lineage and releases", "[record_render]") {
  remote::ModelExplanation e;
  e.path = "models/m.pt";
  e.number = 14;
  e.content_id = std::string(64, 'b');
  e.training = SampleRun();
  remote::RunInfo eval;
  eval.id = 9;
  eval.kind = remote::RunKind::kEval;
  eval.metrics = {{"accuracy", 0.93, {}}};
  remote::RunInfo older = eval;
  older.id = 8;
  older.metrics = {{"accuracy", 0.5, {}}};
  e.evaluations = {eval, older};
  e.releases = {{"v1.0", 14, {"prod"}}};
  nlohmann::json doc = ExplainJson(e);
  CHECK(doc["path"] == "models/m.pt");
  CHECK(doc["code_number"] == 12);
  CHECK(doc["training"]["id"] == 7);
  CHECK(doc["params"]["lr"] == "0.1");
  CHECK(doc["metrics"]["train.loss"] == 0.4);
  CHECK(doc["metrics"]["eval.accuracy"] == 0.93);
  CHECK(doc["inputs"][0]["content_id"] == std::string(64, 'a'));
  CHECK(doc["parent_model"].is_null());
  CHECK(doc["evaluations"].size() == 2);
  CHECK(doc["releases"][0]["live_in"][0] == "prod");
  CHECK(doc["environment"]["packages"]["numpy"] == "1.26.0");
  std::string text = ExplainText(e);
  CHECK(text.find("Trained by run 7 on code @12") != std::string::npos);
  CHECK(text.find("imagenet-mini/train/@3") != std::string::npos);
  CHECK(text.find("v1.0 (@14) live in prod") != std::string::npos);

  remote::ModelExplanation untrained;
  untrained.path = "models/x.pt";
  nlohmann::json bare = ExplainJson(untrained);
  CHECK(bare["training"].is_null());
  CHECK(bare["code_number"].is_null());
  CHECK(bare["params"].empty());
}

TEST_CASE("EnvDifferenceJson and text list added removed and changed", "[record_render]") {
  common::EnvDifference diff = common::EnvDiff({{"torch", "2.1.0"}, {"six", "1.16"}},
                                               {{"torch", "2.2.0"}, {"rich", "13"}});
  nlohmann::json doc = EnvDifferenceJson(diff);
  CHECK(doc["added"][0]["name"] == "rich");
  CHECK(doc["removed"][0]["old_version"] == "1.16");
  CHECK(doc["changed"][0]["new_version"] == "2.2.0");
  CHECK(EnvDifferenceText(diff) == "+ rich 13\n- six 1.16\n~ torch 2.1.0 -> 2.2.0\n");
  CHECK(EnvDifferenceText({}) == "No package differences.\n");
}

TEST_CASE("PolicyJson and PolicyText spell the rules", "[record_render]") {
  remote::PolicyInfo policy;
  policy.require_runs = {remote::RunKind::kValidation};
  policy.require_metrics = {{"eval.accuracy", ">=", 0.92}};
  policy.require_reviews = 1;
  nlohmann::json doc = PolicyJson(policy);
  CHECK(doc["require_runs"] == nlohmann::json::array({"validation"}));
  CHECK(doc["require_metrics"] == nlohmann::json::array({"eval.accuracy>=0.92"}));
  CHECK(doc["require_reviews"] == 1);
  CHECK(PolicyText("main", {policy, "", 0}) ==
        "Policy of main:\n  require a succeeded validation run\n  require eval.accuracy>=0.92\n"
        "  require 1 approval(s)\n");
  CHECK(PolicyText("dev", {}) == "Branch dev has no policy.\n");
}

TEST_CASE("SignedNumber prints the sign of a delta", "[record_render]") {
  CHECK(SignedNumber(0.5) == "+0.5");
  CHECK(SignedNumber(-2) == "-2");
  CHECK(SignedNumber(0) == "0");
  CHECK(SignedNumber(0.5 - 0.4) == "+0.1");
}

}  // namespace
}  // namespace mlvc::client::cli
