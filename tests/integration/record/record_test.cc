// RecordService on a real, migrated Postgres: recording runs and every error a caller can
// cause, PushModel's atomicity, the questions (history, regressions, changes since, explain)
// on histories with branches and merges, reviews, and policies with their enforcement in
// merge and submit.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrations/embedded_migrations.h"
#include "server/core/path_class.h"
#include "server/core/policy.h"
#include "tests/integration/record/record_test_env.h"

namespace mlvc::server::core {
namespace {

using store::RunMetricRecord;

constexpr int kTrain = RecordEnv::kRunTrainKind;
constexpr int kEval = RecordEnv::kRunEvalKind;
constexpr int kValidation = RecordEnv::kRunValidationKind;

std::string StatusText(const absl::Status& s) { return s.ToString(); }

TEST_CASE("RecordRun stores params metrics inputs outputs and the parsed environment") {
  RecordEnv env;
  const int64_t data_cs = env.Submit("main", {{"imagenet/train.csv", "a,b\n1,2\n"},
                                              {"imagenet/labels.txt", "cat\n"}},
                                     "datasets");
  const int64_t cs = env.Submit("main", {{"train.py", "print(1)\n"}, {"model.pt", "weights-1"}});
  const std::string req = env.PutAs(env.bob, "numpy==1.26.0\nTorch_Vision>=0.16\n# c\n");

  RunSpec spec = RecordEnv::Spec(kTrain, {{"accuracy", 0.91, std::nullopt},
                                          {"loss", 0.9, 0},
                                          {"loss", 0.5, 1},
                                          {"loss", 0.3, 2}});
  spec.name = "resnet train";
  spec.params = {{"optimizer.lr", "0.001"}, {"batch", "64"}};
  spec.inputs = {{"datasets", "imagenet", ""}, {"datasets", "imagenet/train.csv", "@1"},
                 {"", "train.py", ""}};
  spec.outputs = {"model.pt"};
  spec.env_file_name = "requirements.txt";
  spec.env_file_content_id = req;
  spec.env_vars = {{"python", "3.11"}, {"cuda", "12.1"}};
  auto run = env.record->RecordRun(env.bob, "repo", "main", spec, "rec-1");
  INFO(StatusText(run.status()));
  REQUIRE(run.ok());
  CHECK(run->number == cs);
  CHECK(run->kind == kTrain);
  CHECK(run->name == "resnet train");
  CHECK(run->status == 1);
  CHECK(run->user_name == "bob");
  CHECK(run->started_at_micros > 0);
  CHECK(run->finished_at_micros >= run->started_at_micros);
  REQUIRE(run->params.size() == 2);
  CHECK(run->params[0] == std::make_pair(std::string("batch"), std::string("64")));
  REQUIRE(run->metrics.size() == 4);
  CHECK(run->metrics[0].key == "accuracy");
  CHECK_FALSE(run->metrics[0].step.has_value());
  CHECK(run->metrics[3].step == 2);
  REQUIRE(run->inputs.size() == 3);
  CHECK(run->inputs[0].repository == "datasets");
  CHECK(run->inputs[0].directory);
  CHECK(run->inputs[0].number == data_cs);
  CHECK(run->inputs[0].content_id.size() == 64);
  CHECK_FALSE(run->inputs[1].directory);
  CHECK(run->inputs[1].number == 1);
  CHECK(run->inputs[1].content_id == env.Files("datasets", 1).at("imagenet/train.csv").content_id);
  CHECK(run->inputs[2].repository == "repo");
  REQUIRE(run->outputs.size() == 1);
  CHECK(run->outputs[0].content_id == env.Files("repo", cs).at("model.pt").content_id);
  REQUIRE(run->packages.size() == 2);
  CHECK(run->packages[0] == std::make_pair(std::string("numpy"), std::string("1.26.0")));
  CHECK(run->packages[1] == std::make_pair(std::string("torch-vision"), std::string(">=0.16")));
  CHECK(run->env_vars.size() == 2);
  CHECK(run->env_file_content_id == req);

  auto again = env.record->GetRun(env.rita, "repo", run->id);
  REQUIRE(again.ok());
  CHECK(again->metrics.size() == 4);
  CHECK(again->recorded_at_micros == run->recorded_at_micros);

  // A retry with the same record id returns the first run.
  auto retry = env.record->RecordRun(env.bob, "repo", "main", spec, "rec-1");
  REQUIRE(retry.ok());
  CHECK(retry->id == run->id);
  auto list = env.record->ListRuns(env.rita, {"repo", "", 0, 0, 0, 0});
  REQUIRE(list.ok());
  CHECK(list->size() == 1);

  CHECK(absl::IsNotFound(env.record->GetRun(env.rita, "repo", run->id + 100).status()));

  // Recording appended a run.recorded event (release.proto Watch) and an audit row.
  std::vector<store::EventRecord> events;
  REQUIRE(env.store
              ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                auto listed = txn.ListEvents(std::nullopt, 0, 100);
                if (!listed.ok()) return listed.status();
                events = *listed;
                return absl::OkStatus();
              })
              .ok());
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "run.recorded");
  CHECK(absl::StrContains(events[0].payload_json, "\"run\""));
  CHECK(absl::StrContains(events[0].payload_json, std::to_string(run->id)));
}

TEST_CASE("RecordRun refuses bad requests and records nothing") {
  RecordEnv env;
  env.Submit("main", {{"model.pt", "w"}});
  const auto expect = [&](RunSpec spec, absl::StatusCode code, const std::string& text) {
    auto run = env.record->RecordRun(env.alice, "repo", "main", spec, "");
    INFO(StatusText(run.status()));
    CHECK(run.status().code() == code);
    CHECK(absl::StrContains(run.status().message(), text));
  };
  expect(RecordEnv::Spec(0), absl::StatusCode::kInvalidArgument, "kind");
  expect(RecordEnv::Spec(7), absl::StatusCode::kInvalidArgument, "kind");
  expect(RecordEnv::Spec(kEval, {{"acc", std::nan(""), std::nullopt}}),
         absl::StatusCode::kInvalidArgument, "non-finite");
  expect(RecordEnv::Spec(kEval, {{"acc", std::numeric_limits<double>::infinity(), 3}}),
         absl::StatusCode::kInvalidArgument, "non-finite");
  expect(RecordEnv::Spec(kEval, {{"", 1, std::nullopt}}), absl::StatusCode::kInvalidArgument,
         "empty");
  expect(RecordEnv::Spec(kEval, {{std::string(257, 'k'), 1, std::nullopt}}),
         absl::StatusCode::kInvalidArgument, "longer than 256");
  expect(RecordEnv::Spec(kEval, {{"a", 1, 1}, {"a", 2, 1}}), absl::StatusCode::kInvalidArgument,
         "step 1");
  {
    RunSpec s = RecordEnv::Spec(kEval);
    for (int i = 0; i < 10001; ++i) s.params.emplace_back(absl::StrCat("p", i), "1");
    expect(s, absl::StatusCode::kInvalidArgument, "too many params");
  }
  {
    RunSpec s = RecordEnv::Spec(kEval);
    for (int i = 0; i < 100001; ++i) s.metrics.push_back({"loss", 1.0, i});
    expect(s, absl::StatusCode::kInvalidArgument, "too many metric values");
  }
  {
    RunSpec s = RecordEnv::Spec(kEval);
    s.name = std::string(300, 'n');
    expect(s, absl::StatusCode::kInvalidArgument, "name");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.inputs = {{"", "no/such/file.csv", ""}};
    expect(s, absl::StatusCode::kNotFound, "'no/such/file.csv' does not exist");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.inputs = {{"nosuchrepo", "x", ""}};
    expect(s, absl::StatusCode::kNotFound, "unknown repository");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.inputs = {{"", "model.pt", "nosuchbranch"}};
    expect(s, absl::StatusCode::kNotFound, "nosuchbranch");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.inputs = {{"", "../escape", ""}};
    expect(s, absl::StatusCode::kInvalidArgument, "bad input path");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.outputs = {"missing.pt"};
    expect(s, absl::StatusCode::kNotFound, "output 'missing.pt'");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.env_file_name = "environment.yml";
    s.env_file_content_id = env.PutAs(env.alice, "dependencies: [unclosed\n");
    expect(s, absl::StatusCode::kInvalidArgument, "cannot parse the environment file");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.env_file_name = "requirements.txt";
    s.env_file_content_id = std::string(64, 'a');
    expect(s, absl::StatusCode::kNotFound, "has not been uploaded");
  }
  {
    RunSpec s = RecordEnv::Spec(kTrain);
    s.env_file_content_id = "not-hex";
    expect(s, absl::StatusCode::kInvalidArgument, "64 lowercase hex");
  }
  auto bad_ref = env.record->RecordRun(env.alice, "repo", "@99", RecordEnv::Spec(kEval), "");
  CHECK(absl::IsNotFound(bad_ref.status()));
  auto bad_repo = env.record->RecordRun(env.alice, "nope", "", RecordEnv::Spec(kEval), "");
  CHECK(absl::IsNotFound(bad_repo.status()));
  auto bad_id = env.record->RecordRun(env.alice, "repo", "", RecordEnv::Spec(kEval), "a b");
  CHECK(absl::IsInvalidArgument(bad_id.status()));
  // A reader may read but not record.
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.rita, "mlvc.v1.RecordService/RecordRun", "repo")));
  CHECK(env.Authorize(env.rita, "mlvc.v1.RecordService/ListRuns", "repo").ok());

  auto list = env.record->ListRuns(env.alice, {"repo", "", 0, 0, 0, 0});
  REQUIRE(list.ok());
  CHECK(list->empty());
}

TEST_CASE("PushModel submits and records in one transaction") {
  RecordEnv env;
  env.Submit("main", {{"train.py", "v1"}});
  const int64_t before = env.HeadOf("repo", "main");

  SubmitRequest submit =
        env.MakeSubmit("main", {{"models/m.pt", "weights"}}, "repo", &env.bob);
  RunSpec spec = RecordEnv::Spec(kTrain, {{"accuracy", 0.8, std::nullopt}});
  auto pushed = env.record->PushModel(env.bob, submit, spec);
  INFO(StatusText(pushed.status()));
  REQUIRE(pushed.ok());
  const int64_t number = pushed->submit.changeset.changeset.number;
  CHECK(number == before + 1);
  CHECK(pushed->run.number == number);
  REQUIRE(pushed->run.outputs.size() == 1);  // defaults to the submitted paths
  CHECK(pushed->run.outputs[0].path == "models/m.pt");

  // A retry (same submit id) returns the same changeset and run.
  auto retry = env.record->PushModel(env.bob, submit, spec);
  REQUIRE(retry.ok());
  CHECK(retry->submit.replayed);
  CHECK(retry->run.id == pushed->run.id);

  SECTION("a run that fails to record leaves no changeset") {
    SubmitRequest bad =
        env.MakeSubmit("main", {{"models/m.pt", "weights-2"}}, "repo", &env.bob);
    RunSpec bad_spec = RecordEnv::Spec(kTrain);
    bad_spec.inputs = {{"datasets", "no/such", ""}};
    auto failed = env.record->PushModel(env.bob, bad, bad_spec);
    CHECK(absl::IsNotFound(failed.status()));
    CHECK(env.HeadOf("repo", "main") == number);
    auto cs = env.history->GetChangeset("repo", number + 1);
    CHECK(absl::IsNotFound(cs.status()));
    auto runs = env.record->ListRuns(env.alice, {"repo", "", 0, 0, 0, 0});
    REQUIRE(runs.ok());
    CHECK(runs->size() == 1);
  }
  SECTION("a bad run spec is refused before submitting") {
    SubmitRequest bad =
        env.MakeSubmit("main", {{"models/m.pt", "weights-3"}}, "repo", &env.bob);
    auto failed = env.record->PushModel(env.bob, bad, RecordEnv::Spec(9));
    CHECK(absl::IsInvalidArgument(failed.status()));
    CHECK(env.HeadOf("repo", "main") == number);
  }
  SECTION("submit errors pass through") {
    SubmitRequest bad =
        env.MakeSubmit("main", {{"models/m.pt", "weights-4"}}, "repo", &env.bob);
    bad.branch = "nosuch";
    CHECK(absl::IsNotFound(env.record->PushModel(env.bob, bad, spec).status()));
    CHECK(absl::IsPermissionDenied(
        env.Authorize(env.rita, "mlvc.v1.RecordService/PushModel", "repo")));
  }
}

TEST_CASE("ListRuns and FindRun follow first-parent history") {
  RecordEnv env;
  const int64_t c1 = env.Submit("main", {{"a.py", "1"}});
  auto train1 = env.Record("main", RecordEnv::Spec(kTrain));
  env.Branch("exp", "main");
  const int64_t e1 = env.Submit("exp", {{"a.py", "exp"}});
  auto exp_eval = env.Eval("exp", "accuracy", 0.5);
  const int64_t c2 = env.Submit("main", {{"b.py", "2"}});
  auto eval2 = env.Eval("main", "accuracy", 0.7);
  auto val2 = env.Record("main", RecordEnv::Spec(kValidation));

  auto main_runs = env.record->ListRuns(env.rita, {"repo", "main", 0, 0, 0, 0});
  REQUIRE(main_runs.ok());
  REQUIRE(main_runs->size() == 3);
  CHECK((*main_runs)[0].id == val2.id);
  CHECK((*main_runs)[2].id == train1.id);
  auto exp_runs = env.record->ListRuns(env.rita, {"repo", "exp", 0, 0, 0, 0});
  REQUIRE(exp_runs.ok());
  REQUIRE(exp_runs->size() == 2);  // its own eval and main's training before the fork
  CHECK((*exp_runs)[0].id == exp_eval.id);
  CHECK((*exp_runs)[1].id == train1.id);
  auto evals = env.record->ListRuns(env.rita, {"repo", "", kEval, 0, 0, 0});
  REQUIRE(evals.ok());
  CHECK(evals->size() == 2);
  auto at_c2 = env.record->ListRuns(env.rita, {"repo", "", 0, c2, 0, 0});
  REQUIRE(at_c2.ok());
  CHECK(at_c2->size() == 2);
  auto page = env.record->ListRuns(env.rita, {"repo", "", 0, 0, 2, 0});
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  auto next = env.record->ListRuns(env.rita, {"repo", "", 0, 0, 2, page->back().id});
  REQUIRE(next.ok());
  REQUIRE(next->size() == 2);
  CHECK(next->front().id < page->back().id);
  CHECK(absl::IsNotFound(env.record->ListRuns(env.rita, {"repo", "nope", 0, 0, 0, 0}).status()));
  CHECK(absl::IsInvalidArgument(env.record->ListRuns(env.rita, {"repo", "", 9, 0, 0, 0}).status()));

  // The newest train run at or before a ref.
  auto found = env.record->FindRun(env.rita, "repo", "main", "", 0);
  REQUIRE(found.ok());
  CHECK(found->run.id == train1.id);
  CHECK(found->number == c2);
  auto found_exp = env.record->FindRun(env.rita, "repo", "exp", "", kEval);
  REQUIRE(found_exp.ok());
  CHECK(found_exp->run.id == exp_eval.id);
  auto found_c1 = env.record->FindRun(env.rita, "repo", absl::StrCat("@", c1), "", kEval);
  CHECK(absl::IsNotFound(found_c1.status()));
  CHECK(absl::StrContains(found_c1.status().message(), "no eval run"));
  auto none = env.record->FindRun(env.rita, "repo", "@0", "", kTrain);
  CHECK(absl::IsNotFound(none.status()));
  (void)e1;
  (void)eval2;

  // By model content.
  env.Submit("main", {{"m.pt", "w1"}});
  RunSpec t = RecordEnv::Spec(kTrain);
  t.outputs = {"m.pt"};
  auto produced = env.Record("main", t);
  env.Submit("main", {{"c.py", "3"}});
  auto by_model = env.record->FindRun(env.rita, "repo", "main", "m.pt", 0);
  REQUIRE(by_model.ok());
  CHECK(by_model->run.id == produced.id);
  auto no_model = env.record->FindRun(env.rita, "repo", "main", "a.py", 0);
  CHECK(absl::IsNotFound(no_model.status()));
  CHECK(absl::IsNotFound(env.record->FindRun(env.rita, "repo", "main", "zz.pt", 0).status()));
}

TEST_CASE("MetricHistory walks a branch's first-parent history with deltas") {
  RecordEnv env;
  env.Submit("main", {{"a.py", "1"}});
  env.Eval("main", "accuracy", 0.70);
  env.Submit("main", {{"a.py", "2"}});
  env.Eval("main", "accuracy", 0.75);
  env.Record("main", RecordEnv::Spec(kTrain, {{"accuracy", 0.99, std::nullopt}}));
  env.Branch("exp", "main");
  env.Submit("exp", {{"exp.py", "exp"}});
  env.Eval("exp", "accuracy", 0.10);  // off main's first-parent history
  env.Submit("main", {{"a.py", "3"}});
  // A series contributes its last step; two runs at one changeset: the newest counts.
  env.Record("main", RecordEnv::Spec(kEval, {{"accuracy", 0.2, 0}, {"accuracy", 0.72, 5}}));
  env.Submit("main", {{"a.py", "4"}});
  env.Eval("main", "accuracy", 0.60);
  env.Eval("main", "accuracy", 0.80);
  auto merged = env.merge->Merge(env.alice, {"repo", "exp", "main", "", false,
                                            MergeStrategy::kTheirs, ""});
  INFO(StatusText(merged.status()));
  REQUIRE(merged.ok());
  env.Eval("main", "accuracy", 0.78);

  MetricQuery q;
  q.repository = "repo";
  q.metric = "eval.accuracy";
  auto h = env.record->MetricHistory(env.rita, q);
  INFO(StatusText(h.status()));
  REQUIRE(h.ok());
  REQUIRE(h->size() == 5);
  std::vector<double> values;
  for (const auto& p : *h) values.push_back(p.value);
  CHECK(values == std::vector<double>{0.70, 0.75, 0.72, 0.80, 0.78});
  CHECK((*h)[0].delta == 0);
  CHECK((*h)[1].delta == Approx(0.05));
  CHECK((*h)[0].improved);
  CHECK((*h)[1].improved);
  CHECK_FALSE((*h)[2].improved);
  CHECK((*h)[3].improved);
  CHECK_FALSE((*h)[4].improved);
  CHECK((*h)[0].author == "alice");
  CHECK((*h)[0].kind == kEval);
  CHECK_FALSE((*h)[0].message.empty());

  // Any kind: the train run's 0.99 at the second changeset is newer than its eval.
  q.metric = "accuracy";
  auto any = env.record->MetricHistory(env.rita, q);
  REQUIRE(any.ok());
  REQUIRE(any->size() == 5);
  CHECK((*any)[1].value == 0.99);

  // Paging: after the second point, delta and improved continue from the earlier points.
  q.metric = "eval.accuracy";
  q.after_number = (*h)[1].number;
  q.limit = 2;
  auto page = env.record->MetricHistory(env.rita, q);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK((*page)[0].value == 0.72);
  CHECK((*page)[0].delta == Approx(-0.03));
  CHECK_FALSE((*page)[0].improved);
  CHECK((*page)[1].improved);

  // The branch sees main's points before its fork, then its own.
  MetricQuery e;
  e.repository = "repo";
  e.metric = "eval.accuracy";
  e.branch = "exp";
  auto exp = env.record->MetricHistory(env.rita, e);
  REQUIRE(exp.ok());
  REQUIRE(exp->size() == 3);
  CHECK((*exp)[2].value == 0.10);

  // Lower is better.
  q.after_number = 0;
  q.limit = 0;
  q.higher_is_better = false;
  auto low = env.record->MetricHistory(env.rita, q);
  REQUIRE(low.ok());
  CHECK((*low)[0].improved);
  CHECK_FALSE((*low)[1].improved);
  CHECK_FALSE((*low)[2].improved);

  q.metric = "eval.";
  CHECK(absl::IsInvalidArgument(env.record->MetricHistory(env.rita, q).status()));
  q.metric = "accuracy";
  q.branch = "nope";
  CHECK(absl::IsNotFound(env.record->MetricHistory(env.rita, q).status()));
  q.branch = "";
  q.limit = -1;
  CHECK(absl::IsInvalidArgument(env.record->MetricHistory(env.rita, q).status()));
}

TEST_CASE("A branch of a branch reads every segment of its history") {
  RecordEnv env;
  env.Submit("main", {{"a", "1"}});
  env.Eval("main", "m", 1);
  env.Branch("b1", "main");
  env.Submit("main", {{"a", "main-2"}});
  env.Eval("main", "m", 100);  // not on b1 or b2
  env.Submit("b1", {{"a", "b1-1"}});
  env.Eval("b1", "m", 2);
  env.Branch("b2", "b1");
  env.Submit("b1", {{"a", "b1-2"}});
  env.Eval("b1", "m", 200);  // not on b2
  env.Submit("b2", {{"a", "b2-1"}});
  env.Eval("b2", "m", 3);
  // A branch made at an older changeset of main.
  env.Branch("old", "@1");
  env.Submit("old", {{"a", "old"}});
  env.Eval("old", "m", 4);

  const auto values = [&](const std::string& branch) {
    MetricQuery q;
    q.repository = "repo";
    q.metric = "m";
    q.branch = branch;
    auto h = env.record->MetricHistory(env.rita, q);
    REQUIRE(h.ok());
    std::vector<double> out;
    for (const auto& p : *h) out.push_back(p.value);
    return out;
  };
  CHECK(values("main") == std::vector<double>{1, 100});
  CHECK(values("b1") == std::vector<double>{1, 2, 200});
  CHECK(values("b2") == std::vector<double>{1, 2, 3});
  CHECK(values("old") == std::vector<double>{1, 4});
}

TEST_CASE("FindRegressions reports worsening points with their suspects") {
  RecordEnv env;
  const std::vector<double> acc = {0.80, 0.85, 0.83, 0.90, 0.70, 0.75};
  std::vector<int64_t> numbers;
  for (size_t i = 0; i < acc.size(); ++i) {
    env.Submit("main", {{absl::StrCat("data/d", i, ".csv"), "x"}});
    numbers.push_back(env.Submit("main", {{"train.py", absl::StrCat("v", i)}}));
    env.Eval("main", "accuracy", acc[i]);
  }
  MetricQuery q;
  q.repository = "repo";
  q.metric = "eval.accuracy";
  auto any = env.record->FindRegressions(env.rita, q);
  INFO(StatusText(any.status()));
  REQUIRE(any.ok());
  REQUIRE(any->size() == 2);
  CHECK((*any)[0].point.number == numbers[2]);
  CHECK((*any)[0].previous_number == numbers[1]);
  CHECK((*any)[0].previous_value == 0.85);
  CHECK((*any)[0].point.delta == Approx(-0.02));
  REQUIRE((*any)[0].changes.size() == 2);  // the data change and the code change
  CHECK((*any)[0].changes[0].paths[0].path_class == PathClass::kData);
  CHECK((*any)[0].changes[1].paths[0].path_class == PathClass::kCode);
  CHECK((*any)[0].point.author == "alice");
  CHECK((*any)[1].point.number == numbers[4]);

  q.drop = 0.05;
  auto big = env.record->FindRegressions(env.rita, q);
  REQUIRE(big.ok());
  REQUIRE(big->size() == 1);
  CHECK((*big)[0].point.value == 0.70);

  q.drop.reset();
  q.below = 0.84;
  auto below = env.record->FindRegressions(env.rita, q);
  REQUIRE(below.ok());
  REQUIRE(below->size() == 2);  // 0.83 after 0.85, 0.70 after 0.90 (0.75 stays below)
  CHECK((*below)[0].point.value == 0.83);
  CHECK((*below)[1].point.value == 0.70);

  q.below.reset();
  q.higher_is_better = false;
  auto losses = env.record->FindRegressions(env.rita, q);
  REQUIRE(losses.ok());
  CHECK(losses->size() == 3);
  q.limit = 1;
  auto one = env.record->FindRegressions(env.rita, q);
  REQUIRE(one.ok());
  CHECK(one->size() == 1);

  q.drop = -1;
  CHECK(absl::IsInvalidArgument(env.record->FindRegressions(env.rita, q).status()));
  q.drop = std::nan("");
  CHECK(absl::IsInvalidArgument(env.record->FindRegressions(env.rita, q).status()));
}

TEST_CASE("FindRegressions compares across a branch's fork") {
  RecordEnv env;
  env.Submit("main", {{"a", "1"}});
  env.Eval("main", "m", 0.9);
  env.Branch("exp", "main");
  env.Submit("exp", {{"a", "2"}});
  env.Eval("exp", "m", 0.5);
  MetricQuery q;
  q.repository = "repo";
  q.metric = "m";
  q.branch = "exp";
  auto r = env.record->FindRegressions(env.rita, q);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(r->at(0).previous_value == 0.9);
  CHECK(r->at(0).changes.size() == 1);
}

TEST_CASE("ChangesSince lists and classifies the changes of a branch") {
  RecordEnv env;
  const int64_t from = env.Submit("main", {{"train.py", "1"}});
  env.Submit("main", {{"data/train.csv", "x"}, {"configs/base.yaml", "lr: 1"}});
  env.Submit("main", {{"requirements.txt", "numpy\n"}, {"model.onnx", "w"}});
  env.Submit("main", {{"train.py", "2"}, {"notes.json", "{}"}});
  auto since = env.record->ChangesSince(env.rita, "repo", from, "", 0);
  REQUIRE(since.ok());
  CHECK(since->head == env.HeadOf("repo", "main"));
  REQUIRE(since->changes.size() == 3);
  CHECK(since->changes[0].changeset.number == from + 1);
  REQUIRE(since->net_paths.size() == 6);
  std::map<std::string, PathClass> classes;
  for (const auto& p : since->net_paths) classes[p.path] = p.path_class;
  CHECK(classes["configs/base.yaml"] == PathClass::kConfig);
  CHECK(classes["data/train.csv"] == PathClass::kData);
  CHECK(classes["model.onnx"] == PathClass::kModel);
  CHECK(classes["notes.json"] == PathClass::kConfig);
  CHECK(classes["requirements.txt"] == PathClass::kDependencies);
  CHECK(classes["train.py"] == PathClass::kCode);
  auto limited = env.record->ChangesSince(env.rita, "repo", from, "main", 1);
  REQUIRE(limited.ok());
  CHECK(limited->changes.size() == 1);
  CHECK(absl::IsNotFound(env.record->ChangesSince(env.rita, "repo", 99, "", 0).status()));
  CHECK(absl::IsInvalidArgument(env.record->ChangesSince(env.rita, "repo", -1, "", 0).status()));
  CHECK(absl::IsNotFound(env.record->ChangesSince(env.rita, "repo", 0, "nope", 0).status()));
}

TEST_CASE("ExplainModel answers the questions about a model file") {
  RecordEnv env;
  env.Submit("main", {{"images/a.png", "img"}}, "datasets");
  env.Submit("main", {{"requirements.txt", "numpy==1.0\ntorch==2.0\n"}, {"base.pt", "base"}});
  RunSpec base = RecordEnv::Spec(kTrain);
  base.outputs = {"base.pt"};
  auto base_run = env.Record("main", base);

  env.Submit("main", {{"model.pt", "tuned"}});
  RunSpec tune = RecordEnv::Spec(kTrain, {{"accuracy", 0.9, std::nullopt}});
  tune.params = {{"lr", "0.01"}};
  tune.inputs = {{"datasets", "images", ""}, {"", "base.pt", ""}};
  tune.outputs = {"model.pt"};
  tune.env_file_name = "requirements.txt";
  tune.env_file_content_id = env.PutAs(env.alice, "numpy==1.0\ntorch==2.0\n");
  auto training = env.Record("main", tune);
  auto eval_at = env.Eval("main", "accuracy", 0.88);
  RunSpec by_input = RecordEnv::Spec(kValidation);
  by_input.inputs = {{"", "model.pt", ""}};
  auto validation = env.Record("main", by_input);

  env.Submit("main", {{"requirements.txt", "numpy==1.1\nscipy==1.0\n"}});
  env.Submit("main", {{"train.py", "new"}});

  auto e = env.record->ExplainModel(env.rita, "repo", "model.pt", "main");
  INFO(StatusText(e.status()));
  REQUIRE(e.ok());
  CHECK(e->path == "model.pt");
  CHECK(e->number == env.HeadOf("repo", "main"));
  REQUIRE(e->training.has_value());
  CHECK(e->training->id == training.id);
  REQUIRE(e->evaluations.size() == 2);
  CHECK(e->evaluations[0].id == validation.id);
  CHECK(e->evaluations[1].id == eval_at.id);
  REQUIRE(e->parent_model.has_value());
  CHECK(e->parent_model->path == "base.pt");
  CHECK(e->since_training.changes.size() == 2);
  REQUIRE(e->environment_changes.size() == 3);
  CHECK(e->environment_changes[0].name == "numpy");
  CHECK(e->environment_changes[0].old_version == "1.0");
  CHECK(e->environment_changes[0].new_version == "1.1");
  CHECK(e->environment_changes[1].name == "scipy");
  CHECK(e->environment_changes[1].old_version.empty());
  CHECK(e->environment_changes[2].name == "torch");
  CHECK(e->environment_changes[2].new_version.empty());
  (void)base_run;

  auto untrained = env.record->ExplainModel(env.rita, "repo", "train.py", "");
  REQUIRE(untrained.ok());
  CHECK_FALSE(untrained->training.has_value());
  CHECK(untrained->since_training.changes.empty());
  CHECK(absl::IsNotFound(env.record->ExplainModel(env.rita, "repo", "nope.pt", "").status()));
  CHECK(absl::IsInvalidArgument(env.record->ExplainModel(env.rita, "repo", "/..", "").status()));
}

TEST_CASE("Reviews approvals are idempotent and sorted") {
  RecordEnv env;
  const int64_t cs = env.Submit("main", {{"a", "1"}});
  auto first = env.record->ApproveChangeset(env.bob, "repo", "main", "lgtm");
  REQUIRE(first.ok());
  CHECK(first->first == cs);
  auto twice = env.record->ApproveChangeset(env.bob, "repo", "main", "again");
  REQUIRE(twice.ok());
  CHECK(twice->second == std::vector<std::string>{"bob"});
  auto alice = env.record->ApproveChangeset(env.alice, "repo", absl::StrCat("@", cs), "");
  REQUIRE(alice.ok());
  CHECK(alice->second == std::vector<std::string>{"alice", "bob"});
  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.rita, "mlvc.v1.RecordService/ApproveChangeset", "repo")));
  CHECK(absl::IsNotFound(env.record->ApproveChangeset(env.bob, "repo", "@77", "").status()));
}

TEST_CASE("Policies are set by maintainers and enforced on merge and submit") {
  RecordEnv env;
  env.Submit("main", {{"a.py", "1"}});
  env.Branch("exp", "main");
  const int64_t exp_cs = env.Submit("exp", {{"a.py", "2"}});

  store::PolicyRecord policy;
  policy.require_runs = {kEval, kEval};
  policy.require_metrics = {{"eval.accuracy", ">=", 0.9}, {"loss", "<", 0.5}};
  policy.require_reviews = 1;

  CHECK(absl::IsPermissionDenied(
      env.Authorize(env.bob, "mlvc.v1.RecordService/SetPolicy", "repo")));
  CHECK(absl::IsNotFound(env.record->SetPolicy(env.alice, "repo", "nope", policy).status()));
  {
    store::PolicyRecord bad = policy;
    bad.require_metrics = {{"eval.accuracy", "=>", 0.9}};
    auto st = env.record->SetPolicy(env.alice, "repo", "main", bad).status();
    CHECK(absl::IsInvalidArgument(st));
    CHECK(absl::StrContains(st.message(), "'=>'"));
    bad.require_metrics = {{"", ">", 0.9}};
    CHECK(absl::IsInvalidArgument(env.record->SetPolicy(env.alice, "repo", "main", bad).status()));
    bad.require_metrics = {{"acc", ">", std::nan("")}};
    CHECK(absl::IsInvalidArgument(env.record->SetPolicy(env.alice, "repo", "main", bad).status()));
    bad.require_metrics = {};
    bad.require_runs = {0};
    CHECK(absl::IsInvalidArgument(env.record->SetPolicy(env.alice, "repo", "main", bad).status()));
    bad.require_runs = {};
    bad.require_reviews = -1;
    CHECK(absl::IsInvalidArgument(env.record->SetPolicy(env.alice, "repo", "main", bad).status()));
  }
  auto set = env.record->SetPolicy(env.alice, "repo", "main", policy);
  INFO(StatusText(set.status()));
  REQUIRE(set.ok());
  CHECK(set->require_runs == std::vector<int>{kEval});
  CHECK(set->set_by == "alice");
  auto got = env.record->GetPolicy(env.rita, "repo", "main");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  REQUIRE((*got)->require_metrics.size() == 2);
  CHECK((*got)->require_metrics[1].metric == "loss");
  CHECK((*got)->require_reviews == 1);
  auto none = env.record->GetPolicy(env.rita, "repo", "exp");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  // Nothing is met yet: the merge names every rule.
  auto check = env.record->CheckPolicy(env.rita, "repo", "main", "exp");
  REQUIRE(check.ok());
  CHECK(check->number == exp_cs);
  CHECK(check->unmet.size() == 4);
  const int64_t main_head = env.HeadOf("repo", "main");
  auto refused = env.merge->Merge(env.alice, {"repo", "exp", "main", "", false,
                                             MergeStrategy::kConflict, ""});
  CHECK(absl::IsFailedPrecondition(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "eval run"));
  CHECK(absl::StrContains(refused.status().message(), "eval.accuracy>=0.9"));
  CHECK(absl::StrContains(refused.status().message(), "loss<0.5"));
  CHECK(absl::StrContains(refused.status().message(), "approval"));
  CHECK(env.HeadOf("repo", "main") == main_head);

  // Direct submits and PushModel are refused on a branch with a policy.
  auto direct = env.history->Submit(env.alice, env.MakeSubmit("main", {{"b.py", "x"}}));
  CHECK(absl::IsFailedPrecondition(direct.status()));
  CHECK(absl::StrContains(direct.status().message(), "branch 'main' has a policy"));
  auto push = env.record->PushModel(env.alice, env.MakeSubmit("main", {{"m.pt", "x"}}),
                                    RecordEnv::Spec(kTrain));
  CHECK(absl::IsFailedPrecondition(push.status()));

  // Partly met: the unmet rules remain.
  env.Record("exp", RecordEnv::Spec(kEval, {{"accuracy", 0.95, std::nullopt},
                                            {"loss", 0.7, std::nullopt}}));
  auto partly = env.record->CheckPolicy(env.rita, "repo", "main", "exp");
  REQUIRE(partly.ok());
  REQUIRE(partly->unmet.size() == 2);
  CHECK(absl::StrContains(partly->unmet[0], "loss=0.7"));
  // The author's own approval does not count.
  REQUIRE(env.record->ApproveChangeset(env.alice, "repo", "exp", "").ok());
  env.Record("exp", RecordEnv::Spec(kEval, {{"loss", 0.4, std::nullopt}}));
  auto review_only = env.record->CheckPolicy(env.rita, "repo", "main", "exp");
  REQUIRE(review_only.ok());
  REQUIRE(review_only->unmet.size() == 1);
  CHECK(absl::StrContains(review_only->unmet[0], "approval"));
  REQUIRE(env.record->ApproveChangeset(env.bob, "repo", "exp", "").ok());
  auto met = env.record->CheckPolicy(env.rita, "repo", "main", "exp");
  REQUIRE(met.ok());
  CHECK(met->unmet.empty());
  auto merged = env.merge->Merge(env.alice, {"repo", "exp", "main", "", false,
                                            MergeStrategy::kConflict, ""});
  INFO(StatusText(merged.status()));
  REQUIRE(merged.ok());
  REQUIRE(merged->changeset.has_value());
  CHECK(env.HeadOf("repo", "main") == merged->changeset->changeset.number);

  // UnmetPolicyRules (for releases): unknown branch is NOT_FOUND.
  auto unknown = env.store->RunInTransaction([&](store::MetadataTxn& txn) {
    auto repo = txn.GetRepository("repo");
    if (!repo.ok()) return repo.status();
    return UnmetPolicyRules(txn, repo->id, "nope", 0).status();
  });
  CHECK(absl::IsNotFound(unknown));

  // An empty policy removes it; submits work again.
  auto removed = env.record->SetPolicy(env.alice, "repo", "main", store::PolicyRecord());
  REQUIRE(removed.ok());
  auto after = env.record->GetPolicy(env.rita, "repo", "main");
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
  CHECK(env.history->Submit(env.alice, env.MakeSubmit("main", {{"b.py", "x"}})).ok());
  CHECK(absl::IsNotFound(env.record->CheckPolicy(env.rita, "repo", "nope", "").status()));
}

TEST_CASE("A deleted branch takes its policy with it") {
  RecordEnv env;
  env.Submit("main", {{"a", "1"}});
  env.Branch("rel", "main");
  store::PolicyRecord policy;
  policy.require_reviews = 2;
  REQUIRE(env.record->SetPolicy(env.alice, "repo", "rel", policy).ok());
  REQUIRE(env.repos->DeleteBranch(env.alice, "repo", "rel").ok());
  env.Branch("rel", "main");
  auto got = env.record->GetPolicy(env.rita, "repo", "rel");
  REQUIRE(got.ok());
  CHECK_FALSE(got->has_value());
}

TEST_CASE("Migration 0006 gives an existing history the same first-parent lines") {
  RecordEnv env;
  env.Submit("main", {{"a", "1"}});
  env.Eval("main", "m", 1);
  env.Branch("b1", "main");
  env.Submit("main", {{"main2", "2"}});
  env.Eval("main", "m", 2);
  env.Submit("b1", {{"b1", "b1"}});
  env.Eval("b1", "m", 3);
  env.Branch("b2", "b1");
  env.Submit("b2", {{"b2", "b2"}});
  env.Eval("b2", "m", 4);
  auto merged = env.merge->Merge(env.alice, {"repo", "b2", "main", "", false,
                                            MergeStrategy::kTheirs, ""});
  INFO(StatusText(merged.status()));
  REQUIRE(merged.ok());
  env.Eval("main", "m", 5);
  const auto history = [&](const std::string& branch) {
    MetricQuery q;
    q.repository = "repo";
    q.metric = "m";
    q.branch = branch;
    auto h = env.record->MetricHistory(env.rita, q);
    REQUIRE(h.ok());
    std::vector<int64_t> out;
    for (const auto& p : *h) out.push_back(p.number);
    return out;
  };
  const auto main_before = history("main"), b1_before = history("b1"), b2_before = history("b2");
  CHECK(main_before.size() == 3);

  // Forget every line, as before the migration, and run the migration's backfill again.
  std::string sql;
  for (const auto& m : migrations::All()) {
    if (m.version == 6) sql = std::string(m.sql);
  }
  const size_t begin = sql.find("DO $$");
  const size_t end = sql.find("END $$;", begin);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  {
    pqxx::connection conn(env.uri);
    pqxx::work w(conn);
    w.exec("UPDATE runs SET fp_line = NULL");
    w.exec("UPDATE run_metrics SET fp_line = NULL");
    w.exec("UPDATE branches SET fp_line = NULL");
    w.exec("UPDATE changesets SET fp_line = NULL");
    w.exec("DELETE FROM fp_lines");
    w.exec(sql.substr(begin, end + 7 - begin));
    // Runs copy their changeset's line (as recording does).
    w.exec("UPDATE runs r SET fp_line = c.fp_line FROM changesets c"
           " WHERE c.repo_id = r.repo_id AND c.number = r.number");
    w.exec("UPDATE run_metrics m SET fp_line = r.fp_line FROM runs r WHERE r.id = m.run_id");
    CHECK(w.exec1("SELECT count(*) FROM changesets WHERE fp_line IS NULL")[0].as<int>() == 0);
    w.commit();
  }
  CHECK(history("main") == main_before);
  CHECK(history("b1") == b1_before);
  CHECK(history("b2") == b2_before);
  // And new changesets keep extending the lines.
  env.Submit("b2", {{"c", "1"}});
  env.Eval("b2", "m", 6);
  CHECK(history("b2").size() == b2_before.size() + 1);
}

}  // namespace
}  // namespace mlvc::server::core
