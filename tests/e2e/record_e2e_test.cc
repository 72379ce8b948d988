// End to end through the real binaries: the ML record's client commands — run
// record, runs, run show, push-model (in a working copy and with --repo), params, metrics,
// metrics diff, metrics history, regressions, lineage, since-training, env diff, explain,
// review approve, policy set/show/check — their --json shapes, and the user errors: bad
// params/metrics files, non-numeric metrics, unknown inputs, policy refusals, and a
// push-model whose run cannot be recorded leaving no changeset.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
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

// Repositories "imagenet-mini" (a train/ folder of two files) and "resnet50" (code, params,
// requirements), the latter checked out in `wc`.
struct Record {
  MlvcServer server;
  MlvcClient alice{server.admin_token()};
  std::string home = alice.home();
  std::string wc = alice.Sub("resnet50");
  std::string data_wc = alice.Sub("imagenet-mini");

  Record() {
    MLVC_OK(alice, home, "repo", "create", "imagenet-mini", "--server", server.address());
    MLVC_OK(alice, home, "repo", "create", "resnet50", "--server", server.address());
    MLVC_OK(alice, home, "checkout", server.address() + "/imagenet-mini", "imagenet-mini");
    WriteFile(data_wc + "/train/n01.jpg", "cat pixels");
    WriteFile(data_wc + "/train/n02.jpg", "dog pixels");
    MLVC_OK(alice, data_wc, "add", "train");
    MLVC_OK(alice, data_wc, "commit", "-m", "first images");
    MLVC_OK(alice, home, "checkout", server.address() + "/resnet50", "resnet50");
    WriteFile(wc + "/train.py", "print('train')\n");
    WriteFile(wc + "/params.yaml", "optimizer:\n  lr: 0.1\n  name: sgd\nepochs: 30\n");
    WriteFile(wc + "/requirements.txt", "torch==2.1.0\nnumpy==1.26.0\n");
    MLVC_OK(alice, wc, "add", "train.py", "params.yaml", "requirements.txt");
    MLVC_OK(alice, wc, "commit", "-m", "code");
  }

  // Runs `mlvc ARGS... --json` in the working copy and parses the output.
  template <typename... Args>
  json Ok(const std::string& cwd, Args... args) {
    return Json(MLVC_OK(alice, cwd, args..., "--json"));
  }
  int64_t Head(const std::string& repo) {
    json branches = Json(MLVC_OK(alice, home, "branch", "list", "--json", "--repo", repo,
                                 "--server", server.address()));
    for (const auto& b : branches) {
      if (b["name"] == "main") return b["head"].get<int64_t>();
    }
    FAIL("no main branch");
    return 0;
  }
  // A CI-style push of models/resnet50.pt with `content`.
  json Push(const std::string& content, const std::string& message,
            const std::vector<std::string>& extra = {}) {
    WriteFile(wc + "/models/resnet50.pt", content);
    std::vector<std::string> args = {"push-model",   "models/resnet50.pt", "-m",
                                     message,        "--params",           "params.yaml",
                                     "--input",      "imagenet-mini/train@main",
                                     "--env",        "requirements.txt",   "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = alice.Run(wc, args);
    INFO(r.Describe());
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

TEST_CASE("push-model in a working copy commits only the model and records its run",
          "[e2e][record]") {
  Record d;
  WriteFile(d.wc + "/metrics.json", R"({"loss": 0.31, "top": {"accuracy": 0.71}})");
  WriteFile(d.wc + "/train.py", "print('train v2')\n");  // a local edit that must stay local
  const int64_t before = d.Head("resnet50");
  json pushed = d.Push("weights v1", "train resnet50",
                       {"--metrics", "metrics.json", "--env-var", "gpu=A100"});
  CHECK(pushed["repository"] == "resnet50");
  CHECK(pushed["branch"] == "main");
  CHECK(pushed["changeset"] == before + 1);
  CHECK(pushed["paths"] == json::array({"models/resnet50.pt"}));
  const json& run = pushed["run"];
  CHECK(pushed["run_id"] == run["id"]);
  CHECK(run["kind"] == "train");
  CHECK(run["number"] == before + 1);
  CHECK(run["params"]["optimizer.lr"] == "0.1");
  CHECK(run["params"]["epochs"] == "30");
  CHECK(run["metrics"]["loss"] == 0.31);
  CHECK(run["metrics"]["top.accuracy"] == 0.71);
  REQUIRE(run["inputs"].size() == 1);
  CHECK(run["inputs"][0]["repository"] == "imagenet-mini");
  CHECK(run["inputs"][0]["path"] == "train");
  CHECK(run["inputs"][0]["directory"] == true);
  CHECK(run["inputs"][0]["content_id"].get<std::string>().size() == 64);
  REQUIRE(run["outputs"].size() == 1);
  CHECK(run["outputs"][0]["path"] == "models/resnet50.pt");
  CHECK(run["environment"]["file_name"] == "requirements.txt");
  CHECK(run["environment"]["packages"]["torch"] == "2.1.0");
  CHECK(run["environment"]["vars"]["gpu"] == "A100");

  // The other edit is still local; the model is committed.
  json status = d.Ok(d.wc, "status");
  bool train_modified = false;
  for (const auto& s : status) {
    CHECK(s["path"] != "models/resnet50.pt");
    if (s["path"] == "train.py") train_modified = s["status"] == "modified";
  }
  CHECK(train_modified);

  // runs, run show, params, lineage answer from the same record.
  json runs = d.Ok(d.wc, "runs");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["id"] == run["id"]);
  json shown = d.Ok(d.wc, "run", "show", std::to_string(run["id"].get<int64_t>()));
  CHECK(shown == run);
  json params = d.Ok(d.wc, "params", "models/resnet50.pt");
  CHECK(params["run_id"] == run["id"]);
  CHECK(params["params"]["optimizer.name"] == "sgd");
  json lineage = d.Ok(d.wc, "lineage", "models/resnet50.pt");
  CHECK(lineage["code_number"] == before + 1);
  CHECK(lineage["inputs"][0]["content_id"] == run["inputs"][0]["content_id"]);
  CHECK(lineage["environment"]["packages"]["numpy"] == "1.26.0");
  CHECK(lineage["parent_model"].is_null());
  auto text = MLVC_OK(d.alice, d.wc, "lineage", "models/resnet50.pt");
  CHECK_THAT(text.out, Contains("imagenet-mini/train/@"));
}

TEST_CASE("run record with metrics gives metrics history - diff and regressions",
          "[e2e][record]") {
  Record d;
  d.Push("weights v1", "train");
  auto eval = [&](const std::string& accuracy) {
    return d.Ok(d.wc, "run", "record", "--kind", "eval", "--metric", "accuracy=" + accuracy);
  };
  json first = eval("0.80");
  CHECK(first["kind"] == "eval");
  const int64_t n1 = first["number"];

  WriteFile(d.wc + "/train.py", "print('better')\n");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "better code");
  json second = eval("0.85");
  const int64_t n2 = second["number"];
  CHECK(n2 > n1);

  WriteFile(d.wc + "/data/labels.csv", "a,b\n");
  MLVC_OK(d.alice, d.wc, "add", "data");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "relabel");
  json third = eval("0.70");
  const int64_t n3 = third["number"];

  // Outside the working copy, with --repo and an explicit changeset.
  json validation = Json(MLVC_OK(d.alice, d.home, "run", "record", "@" + std::to_string(n1),
                                 "--kind", "validation", "--repo", "resnet50", "--server",
                                 d.server.address(), "--json"));
  CHECK(validation["number"] == n1);
  CHECK(validation["kind"] == "validation");

  json metrics = d.Ok(d.wc, "metrics", "@" + std::to_string(n2));
  CHECK(metrics["number"] == n2);
  CHECK(metrics["metrics"]["eval.accuracy"] == 0.85);

  json diff = d.Ok(d.wc, "metrics", "diff", "@" + std::to_string(n1), "@" + std::to_string(n3));
  bool found = false;
  for (const auto& row : diff["metrics"]) {
    if (row["metric"] != "eval.accuracy") continue;
    found = true;
    CHECK(row["a"] == 0.80);
    CHECK(row["b"] == 0.70);
    CHECK(row["change"].get<double>() == Approx(-0.10));
  }
  CHECK(found);
  auto table = MLVC_OK(d.alice, d.wc, "metrics", "diff", "@" + std::to_string(n1),
                       "@" + std::to_string(n3));
  CHECK_THAT(table.out, Contains("eval.accuracy") && Contains("-0.1"));

  json history = d.Ok(d.wc, "metrics", "history", "eval.accuracy");
  REQUIRE(history["points"].size() == 3);
  CHECK(history["points"][0]["number"] == n1);
  CHECK(history["points"][0]["improved"] == true);
  CHECK(history["points"][1]["improved"] == true);
  CHECK(history["points"][1]["delta"].get<double>() == Approx(0.05));
  CHECK(history["points"][2]["improved"] == false);
  CHECK(history["points"][2]["message"] == "relabel");

  json regressions = d.Ok(d.wc, "regressions", "eval.accuracy");
  REQUIRE(regressions["regressions"].size() == 1);
  const json& r = regressions["regressions"][0];
  CHECK(r["number"] == n3);
  CHECK(r["previous_number"] == n2);
  bool data_path = false;
  for (const auto& change : r["changes"]) {
    for (const auto& p : change["paths"]) {
      if (p["path"] == "data/labels.csv") data_path = p["class"] == "data";
    }
  }
  CHECK(data_path);
  CHECK(d.Ok(d.wc, "regressions", "eval.accuracy", "--below", "0.5")["regressions"].empty());
  CHECK(d.Ok(d.wc, "regressions", "eval.accuracy", "--drop", "0.1")["regressions"].size() == 1);
}

TEST_CASE("since-training - env diff and explain answer about a model", "[e2e][record]") {
  Record d;
  json v1 = d.Push("weights v1", "train v1");
  const int64_t trained = v1["changeset"];
  WriteFile(d.wc + "/train.py", "print('new loop')\n");
  WriteFile(d.wc + "/data/split.csv", "train,val\n");
  WriteFile(d.wc + "/requirements.txt", "torch==2.2.0\nnumpy==1.26.0\nrich==13.0\n");
  MLVC_OK(d.alice, d.wc, "add", "data");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "new loop and deps");

  json since = d.Ok(d.wc, "since-training", "models/resnet50.pt");
  CHECK(since["training_number"] == trained);
  REQUIRE(since["since_training"]["changes"].size() == 1);
  CHECK(since["since_training"]["changes"][0]["message"] == "new loop and deps");
  CHECK(since["since_training"]["by_class"]["code"] == json::array({"train.py"}));
  CHECK(since["since_training"]["by_class"]["data"] == json::array({"data/split.csv"}));
  CHECK(since["since_training"]["by_class"]["dependencies"] == json::array({"requirements.txt"}));
  bool torch_changed = false;
  for (const auto& c : since["environment_changes"]) {
    if (c["name"] == "torch") torch_changed = c["old_version"] == "2.1.0" && c["new_version"] == "2.2.0";
  }
  CHECK(torch_changed);
  auto text = MLVC_OK(d.alice, d.wc, "since-training", "models/resnet50.pt");
  CHECK_THAT(text.out, Contains("Changed data:") && Contains("~ torch 2.1.0 -> 2.2.0"));

  json v2 = d.Push("weights v2", "train v2");
  json env = d.Ok(d.wc, "env", "diff", "@" + std::to_string(trained),
                  "@" + std::to_string(v2["changeset"].get<int64_t>()));
  REQUIRE(env["changed"].size() == 1);
  CHECK(env["changed"][0]["name"] == "torch");
  REQUIRE(env["added"].size() == 1);
  CHECK(env["added"][0]["name"] == "rich");
  CHECK(env["removed"].empty());
  json by_model = d.Ok(d.wc, "env", "diff", "models/resnet50.pt@" + std::to_string(trained),
                       "models/resnet50.pt@main");
  CHECK(by_model["a"]["run_id"] == v1["run_id"]);
  CHECK(by_model["b"]["run_id"] == v2["run_id"]);

  json pdiff = d.Ok(d.wc, "params", "diff", "models/resnet50.pt@" + std::to_string(trained),
                    "main", "--all");
  CHECK(pdiff["params"].size() == 3);

  json explain = d.Ok(d.wc, "explain", "models/resnet50.pt");
  CHECK(explain["training"]["id"] == v2["run_id"]);
  CHECK(explain["params"]["optimizer.lr"] == "0.1");
  CHECK(explain["inputs"][0]["repository"] == "imagenet-mini");
  CHECK(explain["since_training"]["changes"].empty());
  CHECK(explain["releases"].is_array());
  auto explained = MLVC_OK(d.alice, d.wc, "explain", "models/resnet50.pt@" + std::to_string(trained));
  CHECK_THAT(explained.out, Contains("Hyperparameters:") && Contains("optimizer.lr = 0.1"));
}

TEST_CASE("push-model with --repo works outside a working copy", "[e2e][record]") {
  Record d;
  const std::string out = d.alice.Sub("ci/out/model.onnx");
  WriteFile(out, "onnx v1");
  auto push = [&](const std::string& message) {
    return Json(MLVC_OK(d.alice, d.alice.Sub("ci"), "push-model", "out/model.onnx", "--to",
                        "models", "--repo", "resnet50", "--server", d.server.address(), "-m",
                        message, "--metric", "loss=0.5", "--json"));
  };
  json first = push("CI build 1");
  CHECK(first["paths"] == json::array({"models/model.onnx"}));
  CHECK(first["run"]["outputs"][0]["path"] == "models/model.onnx");
  WriteFile(out, "onnx v2");
  json second = push("CI build 2");
  CHECK(second["changeset"] == first["changeset"].get<int64_t>() + 1);
  CHECK(second["run"]["outputs"][0]["content_id"] != first["run"]["outputs"][0]["content_id"]);
  // Nothing was left behind in the temporary folder's place, and the working copy sees it.
  MLVC_OK(d.alice, d.wc, "update");
  CHECK(ReadFile(d.wc + "/models/model.onnx") == "onnx v2");
  // Same content again: nothing to push.
  auto same = MLVC_REFUSED(6, d.alice, d.alice.Sub("ci"), "push-model", "out/model.onnx", "--to",
                           "models", "--repo", "resnet50", "--server", d.server.address(), "-m",
                           "again");
  CHECK_THAT(same.err, Contains("unchanged"));
  // No working copy and no --repo.
  MLVC_REFUSED(12, d.alice, d.alice.Sub("ci"), "push-model", "out/model.onnx", "-m", "x");
  // In a working copy, --to copies a file from outside it into place.
  WriteFile(out, "onnx v3");
  json copied = Json(MLVC_OK(d.alice, d.wc, "push-model", out, "--to", "models", "-m",
                             "from CI folder", "--json"));
  CHECK(copied["paths"] == json::array({"models/model.onnx"}));
  CHECK(ReadFile(d.wc + "/models/model.onnx") == "onnx v3");
  // Without --to, a file outside the working copy is refused.
  MLVC_REFUSED(5, d.alice, d.wc, "push-model", out, "-m", "outside");
  MLVC_REFUSED(4, d.alice, d.wc, "push-model", "models/none.pt", "-m", "missing");
}

TEST_CASE("bad run records are refused with nothing recorded", "[e2e][record]") {
  Record d;
  WriteFile(d.wc + "/bad.json", "{\"lr\": ");
  WriteFile(d.wc + "/words.yaml", "accuracy: high\n");
  auto bad_params = MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "train",
                                 "--params", "bad.json");
  CHECK_THAT(bad_params.err, Contains("bad.json") && Contains("malformed JSON"));
  auto words = MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "eval", "--metrics",
                            "words.yaml");
  CHECK_THAT(words.err, Contains("metric 'accuracy' is not a number"));
  auto flag = MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "eval", "--metric",
                           "acc=high");
  CHECK_THAT(flag.err, Contains("metric 'acc' is not a number: 'high'"));
  MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "eval", "--input", "nopath");
  WriteFile(d.wc + "/environment.yml", "dependencies: [numpy\n");
  auto env = MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "train", "--env",
                          "environment.yml");
  CHECK_THAT(env.err, Contains("environment.yml"));
  MLVC_REFUSED(5, d.alice, d.wc, "run", "record", "--kind", "train", "--env", "nothing.txt");
  MLVC_REFUSED(2, d.alice, d.wc, "run", "record", "--metric", "acc=1");  // --kind missing
  auto unknown_repo = MLVC_REFUSED(4, d.alice, d.wc, "run", "record", "--kind", "train",
                                   "--input", "no-such-repo/train@main");
  auto unknown_path = MLVC_REFUSED(4, d.alice, d.wc, "run", "record", "--kind", "train",
                                   "--input", "imagenet-mini/nothing@main");
  auto unknown_ref = MLVC_REFUSED(4, d.alice, d.wc, "run", "record", "--kind", "train",
                                  "--input", "imagenet-mini/train@no-such-branch");
  MLVC_REFUSED(4, d.alice, d.wc, "run", "show", "999");
  CHECK(d.Ok(d.wc, "runs").empty());

  // push-model whose run cannot be recorded: no changeset, no run.
  const int64_t head = d.Head("resnet50");
  WriteFile(d.wc + "/models/resnet50.pt", "weights");
  auto refused = MLVC_REFUSED(4, d.alice, d.wc, "push-model", "models/resnet50.pt", "-m",
                              "train", "--input", "imagenet-mini/missing@main");
  CHECK_THAT(refused.err, Contains("missing"));
  CHECK(d.Head("resnet50") == head);
  CHECK(d.Ok(d.wc, "runs").empty());
  // The working copy was not moved either: the model is still only scheduled for addition.
  CHECK(HasLine(MLVC_OK(d.alice, d.wc, "status").out, "A models/resnet50.pt"));
  // A bad params file is refused before anything is uploaded or committed.
  MLVC_REFUSED(5, d.alice, d.wc, "push-model", "models/resnet50.pt", "-m", "train", "--params",
               "bad.json");
  CHECK(d.Head("resnet50") == head);
  // Then it goes through once the input is right.
  json ok = d.Push("weights", "train");
  CHECK(ok["changeset"] == head + 1);

  // Questions about things that are not there.
  MLVC_REFUSED(4, d.alice, d.wc, "lineage", "train.py");
  MLVC_REFUSED(4, d.alice, d.wc, "params", "nothing.pt");
  MLVC_REFUSED(4, d.alice, d.wc, "metrics", "@999");
  MLVC_REFUSED(2, d.alice, d.wc, "regressions", "eval.accuracy", "--below", "1", "--drop", "1");
}

TEST_CASE("policy set - show - check gate a merge until the runs and metrics are there",
          "[e2e][record]") {
  Record d;
  auto bad_rule = MLVC_REFUSED(5, d.alice, d.wc, "policy", "set", "main", "--require-metric",
                               "accuracy>=high");
  CHECK_THAT(bad_rule.err, Contains("accuracy>=high"));
  MLVC_REFUSED(2, d.alice, d.wc, "policy", "set", "main");
  json set = d.Ok(d.wc, "policy", "set", "main", "--require-run", "validation",
                  "--require-metric", "eval.accuracy>=0.9");
  CHECK(set["require_runs"] == json::array({"validation"}));
  CHECK(set["require_metrics"] == json::array({"eval.accuracy>=0.9"}));
  json shown = d.Ok(d.wc, "policy", "show", "main");
  CHECK(shown["require_metrics"] == set["require_metrics"]);
  CHECK(shown["set_by"].get<std::string>().size() > 0);

  // Work happens on a branch; main is protected.
  MLVC_OK(d.alice, d.wc, "branch", "create", "exp/lr-0.01");
  MLVC_OK(d.alice, d.wc, "switch", "exp/lr-0.01");
  WriteFile(d.wc + "/params.yaml", "optimizer:\n  lr: 0.01\n");
  MLVC_OK(d.alice, d.wc, "commit", "-m", "lower lr");

  auto unmet = MLVC_EXPECT(6, d.alice, d.wc, "policy", "check", "main", "exp/lr-0.01", "--json");
  json check = json::parse(unmet.out);
  CHECK(check["meets"] == false);
  CHECK(check["unmet"].size() == 2);
  auto refused = MLVC_REFUSED(6, d.alice, d.wc, "merge", "exp/lr-0.01", "--into", "main", "-m",
                              "promote");
  CHECK_THAT(refused.err, Contains("validation"));

  d.Ok(d.wc, "run", "record", "--kind", "validation");
  d.Ok(d.wc, "run", "record", "--kind", "eval", "--metric", "accuracy=0.95");
  json met = d.Ok(d.wc, "policy", "check", "main", "exp/lr-0.01");
  CHECK(met["meets"] == true);
  CHECK(met["unmet"].empty());
  MLVC_OK(d.alice, d.wc, "merge", "exp/lr-0.01", "--into", "main", "-m", "promote");

  json approval = d.Ok(d.wc, "review", "approve", "-m", "checked");
  CHECK(approval["approvers"].size() == 1);

  json cleared = d.Ok(d.wc, "policy", "set", "main", "--clear");
  CHECK(cleared["require_runs"].empty());
  auto none = MLVC_OK(d.alice, d.wc, "policy", "show", "main");
  CHECK_THAT(none.out, Contains("has no policy"));
}

TEST_CASE("reviews count toward a policy and only maintainers set one", "[e2e][record]") {
  Record d;
  MlvcClient carol(d.server.CreateUserWithRole("carol", "resnet50", "writer"));
  const std::string server = d.server.address();
  auto denied = MLVC_REFUSED(8, carol, carol.home(), "policy", "set", "main", "--require-review",
                             "1", "--repo", "resnet50", "--server", server);
  CHECK_THAT(denied.err, Contains("maintainer"));
  d.Ok(d.wc, "policy", "set", "main", "--require-review", "1");

  // A direct push into the protected branch is refused, and leaves nothing.
  const int64_t head = d.Head("resnet50");
  WriteFile(d.wc + "/models/resnet50.pt", "weights");
  MLVC_REFUSED(6, d.alice, d.wc, "push-model", "models/resnet50.pt", "-m", "direct");
  CHECK(d.Head("resnet50") == head);
  CHECK(d.Ok(d.wc, "runs").empty());

  MLVC_OK(d.alice, d.wc, "branch", "create", "exp/a");
  MLVC_OK(d.alice, d.wc, "switch", "exp/a");
  json pushed = d.Push("weights", "train on a branch");
  const std::string at = "@" + std::to_string(pushed["changeset"].get<int64_t>());
  MLVC_EXPECT(6, d.alice, d.wc, "policy", "check", "main", at);
  // The author's own approval does not count; carol's does.
  d.Ok(d.wc, "review", "approve", at);
  MLVC_EXPECT(6, d.alice, d.wc, "policy", "check", "main", at);
  json approval = Json(MLVC_OK(carol, carol.home(), "review", "approve", at, "-m", "ok",
                               "--repo", "resnet50", "--server", server, "--json"));
  CHECK(approval["approvers"] == json::array({"admin", "carol"}));
  CHECK(d.Ok(d.wc, "policy", "check", "main", at)["meets"] == true);
}

TEST_CASE("runs and metrics history page with limit and after", "[e2e][record]") {
  Record d;
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    WriteFile(d.wc + "/train.py", "print(" + std::to_string(i) + ")\n");
    MLVC_OK(d.alice, d.wc, "commit", "-m", "step " + std::to_string(i));
    json run = d.Ok(d.wc, "run", "record", "--kind", "eval", "--metric",
                    "loss=" + std::to_string(1.0 - 0.1 * i));
    ids.push_back(run["id"]);
  }
  json page1 = d.Ok(d.wc, "runs", "--limit", "2");
  REQUIRE(page1.size() == 2);
  CHECK(page1[0]["id"] == ids[2]);
  CHECK(page1[1]["id"] == ids[1]);
  json page2 = d.Ok(d.wc, "runs", "--limit", "2", "--after",
                    std::to_string(page1[1]["id"].get<int64_t>()));
  REQUIRE(page2.size() == 1);
  CHECK(page2[0]["id"] == ids[0]);
  CHECK(d.Ok(d.wc, "runs", "--kind", "train").empty());

  json h1 = d.Ok(d.wc, "metrics", "history", "eval.loss", "--lower-is-better", "--limit", "2");
  REQUIRE(h1["points"].size() == 2);
  CHECK(h1["points"][1]["improved"] == true);
  json h2 = d.Ok(d.wc, "metrics", "history", "eval.loss", "--lower-is-better", "--limit", "2",
                 "--after", std::to_string(h1["points"][1]["number"].get<int64_t>()));
  REQUIRE(h2["points"].size() == 1);
  CHECK(h2["points"][0]["value"].get<double>() == Approx(0.8));
  MLVC_REFUSED(2, d.alice, d.wc, "runs", "--limit", "-1");
}

}  // namespace
}  // namespace mlvc::testing
