// End to end through the real binaries: the whole ML workflow, as a team and its CI would
// run it, then every question's command asked of the record it left.
//
//   imagenet-mini   a dataset repository (train.csv)
//   resnet50        main <- integration <- exp/lr-0.1, exp/lr-0.01
//   1. each experiment branch changes params.yaml; CI (its own user and sparse checkout)
//      push-models a model with metrics, the dataset as input and requirements.txt
//   2. an eval baseline on integration, the better experiment merged in, eval again
//   3. main gets a policy; the merge into main is refused until a validation run exists
//   4. release v1.0, deploy to prod
//   5. a later change (code + torch upgrade + new model) lowers accuracy; released as v1.1
//      and deployed; `rollback --env prod` puts v1.0 back
// Then: params, lineage (dataset content id), since-training (code, dependencies), env diff,
// regressions, metrics history, release list, deployments, explain @prod.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {
namespace {

using Catch::Matchers::Contains;
using nlohmann::json;

json Json(const ProcessResult& r) {
  INFO(r.Describe());
  return json::parse(r.out);
}

std::string Requirements(const std::string& torch) {
  return "torch==" + torch + "\nnumpy==1.26.0\npillow==10.0.1\n";
}

std::string Params(const std::string& lr) {
  return "optimizer:\n  name: sgd\n  lr: " + lr + "\nepochs: 30\n";
}

struct Team {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};  // researcher, maintainer of both repositories
  MlvcClient ci{server.CreateServiceAccount("ci")};  // CI runners use service accounts
  std::string home = alice.home();
  std::string wc = alice.Sub("resnet50");  // alice's working copy, switched between branches

  std::string Url(const std::string& repo) const { return server.address() + "/" + repo; }

  // What CI does for one training: a sparse checkout of `branch` with only what training
  // reads, the trained model written, then one push-model call.
  json CiPush(const std::string& branch, const std::string& model_bytes,
              const std::string& accuracy, const std::string& folder) {
    const std::string dir = ci.Sub(folder);
    MLVC_OK(ci, ci.home(), "checkout", Url("resnet50") + "@" + branch, folder, "--paths",
            "params.yaml", "requirements.txt", "train.py", "models");
    WriteFile(dir + "/models/resnet50.pt", model_bytes);
    WriteFile(dir + "/metrics.json", R"({"accuracy": )" + accuracy +
                                         R"(, "loss": 0.4, "loss_curve": [0.9, 0.6, 0.4]})");
    return Json(MLVC_OK(ci, dir, "push-model", "models/resnet50.pt", "-m",
                        "CI: train on " + branch, "--params", "params.yaml", "--metrics",
                        "metrics.json", "--input", "imagenet-mini/train.csv@main", "--env",
                        "requirements.txt", "--env-var", "gpu=A100", "--json"));
  }

  // Records a run of `kind` against the head of the branch alice's working copy is on.
  json Record(const std::string& kind, const std::string& accuracy) {
    MLVC_OK(alice, wc, "update");
    return Json(MLVC_OK(alice, wc, "run", "record", "--kind", kind, "--metric",
                        "accuracy=" + accuracy, "--json"));
  }
};

TEST_CASE("the ML workflow from experiments to rollback and every question answered",
          "[e2e][record][workflow][sanitized]") {
  Team t;
  const std::string& home = t.home;

  // --- the dataset repository ---
  MLVC_OK(t.alice, home, "repo", "create", "imagenet-mini", "--server", t.server.address());
  MLVC_OK(t.alice, home, "checkout", t.Url("imagenet-mini"), "imagenet-mini");
  const std::string data_wc = t.alice.Sub("imagenet-mini");
  WriteFile(data_wc + "/train.csv", "path,label\nn01/1.jpg,cat\nn02/7.jpg,dog\n");
  MLVC_OK(t.alice, data_wc, "add", "train.csv");
  MLVC_OK(t.alice, data_wc, "commit", "-m", "first split");
  const std::string dataset_id = HashTree(data_wc).at("train.csv");

  // --- the model repository: main, integration, two experiments ---
  MLVC_OK(t.alice, home, "repo", "create", "resnet50", "--server", t.server.address());
  t.server.Grant("ci", "resnet50", "writer");
  t.server.Grant("ci", "imagenet-mini", "reader");
  MLVC_OK(t.alice, home, "checkout", t.Url("resnet50"), "resnet50");
  WriteFile(t.wc + "/train.py", "def train(lr):\n    return 'sgd'\n");
  WriteFile(t.wc + "/params.yaml", Params("0.05"));
  WriteFile(t.wc + "/requirements.txt", Requirements("2.1.0"));
  MLVC_OK(t.alice, t.wc, "add", "train.py", "params.yaml", "requirements.txt");
  MLVC_OK(t.alice, t.wc, "commit", "-m", "training code");
  MLVC_OK(t.alice, t.wc, "branch", "create", "integration");
  for (const std::string lr : {"0.1", "0.01"}) {
    MLVC_OK(t.alice, t.wc, "branch", "create", "exp/lr-" + lr, "--from", "main");
    MLVC_OK(t.alice, t.wc, "switch", "exp/lr-" + lr);
    WriteFile(t.wc + "/params.yaml", Params(lr));
    MLVC_OK(t.alice, t.wc, "commit", "-m", "lr " + lr);
  }

  // --- 1. CI trains each experiment ---
  json push_fast = t.CiPush("exp/lr-0.1", "weights trained at lr 0.1", "0.86", "ci-fast");
  json push_slow = t.CiPush("exp/lr-0.01", "weights trained at lr 0.01", "0.93", "ci-slow");
  CHECK(push_slow["run"]["kind"] == "train");
  CHECK(push_slow["run"]["user"] == "ci");
  CHECK(push_slow["run"]["params"]["optimizer.lr"] == "0.01");
  REQUIRE(push_slow["run"]["inputs"].size() == 1);
  CHECK(push_slow["run"]["inputs"][0]["content_id"] == dataset_id);
  // A list in the metrics file is a training curve: a series with a step per point.
  REQUIRE(push_slow["run"]["series"]["loss_curve"].size() == 3);
  CHECK(push_slow["run"]["series"]["loss_curve"][2]["step"] == 2);
  CHECK(push_slow["run"]["series"]["loss_curve"][2]["value"] == 0.4);
  CHECK_FALSE(push_slow["run"]["metrics"].contains("loss_curve.0"));

  // Compare the experiments, then merge the better one into integration.
  json params_diff =
      Json(MLVC_OK(t.alice, t.wc, "params", "diff", "exp/lr-0.1", "exp/lr-0.01", "--json"));
  bool lr_differs = false;
  for (const auto& p : params_diff["params"]) {
    if (p["param"] == "optimizer.lr") lr_differs = p["a"] == "0.1" && p["b"] == "0.01";
  }
  CHECK(lr_differs);
  json metrics_diff =
      Json(MLVC_OK(t.alice, t.wc, "metrics", "diff", "exp/lr-0.1", "exp/lr-0.01", "--json"));
  CHECK(metrics_diff.dump().find("train.accuracy") != std::string::npos);

  // --- 2. integration: baseline eval, merge the winner, eval again ---
  MLVC_OK(t.alice, t.wc, "switch", "integration");
  json baseline = t.Record("eval", "0.80");
  json merged = Json(MLVC_OK(t.alice, t.wc, "merge", "exp/lr-0.01", "--into", "integration",
                             "-m", "merge lr 0.01", "--json"));
  (void)merged;
  json eval_good = t.Record("eval", "0.93");
  CHECK(eval_good["number"].get<int64_t>() > baseline["number"].get<int64_t>());
  const int64_t v10_number = eval_good["number"].get<int64_t>();

  // --- 3. main's policy: refused without a validation, accepted with one ---
  MLVC_OK(t.alice, t.wc, "policy", "set", "main", "--require-run", "validation",
          "--require-metric", "validation.accuracy>=0.90");
  auto refused = MLVC_REFUSED(6, t.alice, t.wc, "merge", "integration", "--into", "main", "-m",
                              "release candidate");
  CHECK_THAT(refused.err, Contains("validation"));
  t.Record("validation", "0.93");
  MLVC_OK(t.alice, t.wc, "merge", "integration", "--into", "main", "-m", "release candidate");

  // --- 4. release v1.0 and deploy it ---
  MLVC_OK(t.alice, t.wc, "switch", "main");
  MLVC_OK(t.alice, t.wc, "release", "create", "v1.0", "main", "--notes", "first release");
  MLVC_OK(t.alice, t.wc, "deploy", "v1.0", "--env", "prod", "-m", "go live");

  // --- 5. a later change lowers accuracy; v1.1 released and deployed, then rolled back ---
  MLVC_OK(t.alice, t.wc, "switch", "integration");
  WriteFile(t.wc + "/train.py", "def train(lr):\n    return 'adamw'\n");
  WriteFile(t.wc + "/requirements.txt", Requirements("2.2.0"));
  MLVC_OK(t.alice, t.wc, "commit", "-m", "switch to adamw on torch 2.2");
  json push_late = t.CiPush("integration", "weights trained with adamw", "0.91", "ci-late");
  const int64_t late_number = push_late["changeset"].get<int64_t>();
  json eval_late = t.Record("eval", "0.91");
  t.Record("validation", "0.91");
  MLVC_OK(t.alice, t.wc, "merge", "integration", "--into", "main", "-m", "adamw");
  MLVC_OK(t.alice, t.wc, "release", "create", "v1.1", "main", "--notes", "adamw");
  MLVC_OK(t.alice, t.wc, "deploy", "v1.1", "--env", "prod");
  json rolled = Json(MLVC_OK(t.alice, t.wc, "rollback", "--env", "prod", "--json"));
  CHECK(rolled["version"] == "v1.0");
  CHECK(rolled["kind"] == "rollback");
  CHECK(rolled["previous_version"] == "v1.1");

  // --- the questions ---
  const std::string model = "models/resnet50.pt";

  // Which hyperparameters was the model in prod trained with?
  json params = Json(MLVC_OK(t.alice, t.wc, "params", model + "@prod", "--json"));
  CHECK(params["params"]["optimizer.lr"] == "0.01");
  CHECK(params["run_id"] == push_slow["run_id"]);

  // Which dataset was it trained on? (content id computed here from the file itself)
  json lineage = Json(MLVC_OK(t.alice, t.wc, "lineage", model + "@v1.0", "--json"));
  REQUIRE(lineage["inputs"].size() == 1);
  CHECK(lineage["inputs"][0]["repository"] == "imagenet-mini");
  CHECK(lineage["inputs"][0]["content_id"] == dataset_id);
  CHECK(lineage["code_number"] == push_slow["changeset"]);
  CHECK(lineage["environment"]["packages"]["torch"] == "2.1.0");

  // What code and which dependencies changed since it was trained (up to main's head)?
  json since = Json(MLVC_OK(t.alice, t.wc, "since-training", model + "@v1.0", "--json"));
  const json& by_class = since["since_training"]["by_class"];
  CHECK(by_class["code"] == json::array({"train.py"}));
  CHECK(by_class["dependencies"] == json::array({"requirements.txt"}));
  CHECK(by_class["model"] == json::array({model}));
  REQUIRE(since["environment_changes"].size() == 1);
  CHECK(since["environment_changes"][0]["name"] == "torch");
  CHECK(since["environment_changes"][0]["old_version"] == "2.1.0");
  CHECK(since["environment_changes"][0]["new_version"] == "2.2.0");
  json env_diff = Json(MLVC_OK(t.alice, t.wc, "env", "diff", "v1.0", "v1.1", "--json"));
  REQUIRE(env_diff["changed"].size() == 1);
  CHECK(env_diff["changed"][0]["name"] == "torch");
  CHECK(env_diff["added"].empty());
  CHECK(env_diff["removed"].empty());

  // Which change made it worse? The adamw changeset, by its author, with train.py in it.
  json regressions = Json(MLVC_OK(t.alice, t.wc, "regressions", "eval.accuracy", "--branch",
                                  "integration", "--json"));
  REQUIRE(regressions["regressions"].size() == 1);
  const json& regression = regressions["regressions"][0];
  CHECK(regression["number"] == eval_late["number"]);
  CHECK(regression["previous_number"] == v10_number);
  bool names_code_change = false;
  for (const auto& change : regression["changes"]) {
    for (const auto& p : change["paths"]) {
      if (p["path"] == "train.py") {
        names_code_change = change["message"] == "switch to adamw on torch 2.2";
      }
    }
  }
  CHECK(names_code_change);
  CHECK(late_number == eval_late["number"].get<int64_t>());
  auto below = MLVC_OK(t.alice, t.wc, "regressions", "eval.accuracy", "--branch", "integration",
                       "--below", "0.92", "--json");
  CHECK(Json(below)["regressions"].size() == 1);

  // Which changes made it better? The merge of lr 0.01, marked as an improvement.
  json history = Json(MLVC_OK(t.alice, t.wc, "metrics", "history", "eval.accuracy", "--branch",
                              "integration", "--json"));
  REQUIRE(history["points"].size() == 3);
  CHECK(history["points"][0]["number"] == baseline["number"]);
  CHECK(history["points"][1]["number"] == v10_number);
  CHECK(history["points"][1]["improved"] == true);
  CHECK(history["points"][2]["improved"] == false);
  CHECK(history["points"][2]["delta"].get<double>() < 0);

  // Which version was last released, and what runs in prod?
  json releases = Json(MLVC_OK(t.alice, t.wc, "release", "list", "--json"));
  REQUIRE(releases.size() == 2);
  CHECK(releases[0]["version"] == "v1.1");
  json live = Json(MLVC_OK(t.alice, t.wc, "deployments", "--env", "prod", "--live", "--json"));
  REQUIRE(live.size() == 1);
  CHECK(live[0]["version"] == "v1.0");
  json prod_history = Json(MLVC_OK(t.alice, t.wc, "deployments", "--env", "prod", "--json"));
  CHECK(prod_history.size() == 3);
  // Both listings page: --limit, then --after the last item of the previous page.
  json first_release = Json(MLVC_OK(t.alice, t.wc, "release", "list", "-n", "1", "--json"));
  REQUIRE(first_release.size() == 1);
  json next_release = Json(MLVC_OK(t.alice, t.wc, "release", "list", "-n", "1", "--after",
                                   first_release[0]["version"].get<std::string>(), "--json"));
  REQUIRE(next_release.size() == 1);
  CHECK(next_release[0]["version"] == "v1.0");
  MLVC_REFUSED(5, t.alice, t.wc, "release", "list", "--after", "v9.9");
  json page = Json(MLVC_OK(t.alice, t.wc, "deployments", "--env", "prod", "-n", "2", "--after",
                           std::to_string(prod_history[0]["id"].get<int64_t>()), "--json"));
  REQUIRE(page.size() == 2);
  CHECK(page[0]["id"] == prod_history[1]["id"]);
  CHECK(page[1]["id"] == prod_history[2]["id"]);

  // explain puts it together for the model live in prod.
  json explain = Json(MLVC_OK(t.alice, t.wc, "explain", model + "@prod", "--json"));
  CHECK(explain["params"]["optimizer.lr"] == "0.01");
  CHECK(explain["inputs"][0]["content_id"] == dataset_id);
  bool v10_live_in_prod = false;
  for (const auto& r : explain["releases"]) {
    if (r["version"] == "v1.0") v10_live_in_prod = r["live_in"] == json::array({"prod"});
  }
  CHECK(v10_live_in_prod);

  // @prod is a ref like any other: a checkout of it holds v1.0's model.
  MLVC_OK(t.alice, home, "checkout", t.Url("resnet50") + "@prod", "prod-copy");
  CHECK(ReadFile(t.alice.Sub("prod-copy/" + model)) == "weights trained at lr 0.01");
}

}  // namespace
}  // namespace mlvc::testing
