// mlvc.v1.RecordService through gRPC, in process on 127.0.0.1, on a real Postgres: every RPC
// converts its messages, and status codes (authentication, roles, bad input) reach the
// client as record.proto says.
#include <catch2/catch.hpp>
#include <chrono>

#include "common/hash/sha256.h"
#include "grpcpp/grpcpp.h"
#include "mlvc/v1/record.grpc.pb.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/content_service.h"
#include "server/core/repository_service.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

// The server (its admin, "admin", is not used) with two users who are not admins: the roles
// on "repo" decide what they may do.
struct Env : testing::RpcTestServer {
  std::unique_ptr<v1::RecordService::Stub> stub;
  std::string alice, rita;  // tokens: alice maintains "repo", rita reads it
  core::Caller alice_caller;

  Env() : RpcTestServer("admin") {
    core::Authenticator auth(*store);
    alice = *auth.CreateUser("alice", false);
    rita = *auth.CreateUser("rita", false);
    alice_caller.user = *auth.Authenticate(alice);
    core::RepositoryService repos(*store);
    REQUIRE(repos.CreateRepository(alice_caller, "repo").ok());
    REQUIRE(core::GrantRoleAsServer(*store, "rita", "repo", store::Role::kReader).ok());
    stub = v1::RecordService::NewStub(channel);
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  std::string Put(const std::string& bytes) {
    core::ContentService content(*store, *blobs);
    auto upload = content.BeginUpload(alice_caller, {common::Sha256Hex(bytes), bytes.size()});
    REQUIRE(upload.ok());
    REQUIRE((*upload)->Append(bytes).ok());
    REQUIRE((*upload)->Finish().ok());
    return common::Sha256Hex(bytes);
  }
};

v1::RunSpec EvalSpec(double accuracy) {
  v1::RunSpec spec;
  spec.set_kind(v1::RUN_KIND_EVAL);
  v1::Metric* m = spec.add_metrics();
  m->set_key("accuracy");
  m->set_value(accuracy);
  return spec;
}

TEST_CASE("RecordService over gRPC: push record read and ask") {
  Env env;
  // PushModel: a model file and its training run in one call.
  v1::PushModelRequest push;
  v1::SubmitRequest* submit = push.mutable_submit();
  submit->set_repository("repo");
  submit->set_branch("main");
  submit->set_submit_id("push-1");
  submit->set_message("model");
  v1::Change* change = submit->add_changes();
  change->set_path("model.pt");
  change->set_action(v1::CHANGE_ACTION_ADD);
  change->set_content_id(env.Put("weights"));
  change->set_kind(v1::ENTRY_KIND_BINARY);
  push.mutable_run()->set_kind(v1::RUN_KIND_TRAIN);
  v1::Param* param = push.mutable_run()->add_params();
  param->set_key("lr");
  param->set_value("0.1");
  v1::Metric* loss = push.mutable_run()->add_metrics();
  loss->set_key("loss");
  loss->set_value(0.5);
  loss->set_step(3);
  (*push.mutable_run()->mutable_environment()->mutable_vars())["gpu"] = "a100";
  v1::PushModelResponse pushed;
  grpc::Status st = env.stub->PushModel(env.As(env.alice).get(), push, &pushed);
  INFO(st.error_message());
  REQUIRE(st.ok());
  const int64_t number = pushed.submit().changeset().number();
  CHECK(pushed.run().number() == number);
  CHECK(pushed.run().repository() == "repo");
  CHECK(pushed.run().user() == "alice");
  REQUIRE(pushed.run().outputs_size() == 1);
  CHECK(pushed.run().metrics(0).has_step());
  CHECK(pushed.run().metrics(0).step() == 3);
  CHECK(pushed.run().environment().vars().at("gpu") == "a100");

  v1::RecordRunRequest rec;
  rec.set_repository("repo");
  *rec.mutable_run() = EvalSpec(0.9);
  rec.mutable_run()->add_inputs()->set_path("model.pt");
  rec.set_record_id("eval-1");
  v1::RecordRunResponse recorded;
  REQUIRE(env.stub->RecordRun(env.As(env.alice).get(), rec, &recorded).ok());
  CHECK(recorded.run().inputs(0).number() == number);
  CHECK(recorded.run().status() == v1::RUN_STATUS_SUCCEEDED);

  v1::GetRunRequest get;
  get.set_repository("repo");
  get.set_id(recorded.run().id());
  v1::GetRunResponse got;
  REQUIRE(env.stub->GetRun(env.As(env.rita).get(), get, &got).ok());
  CHECK(got.run().kind() == v1::RUN_KIND_EVAL);

  v1::ListRunsRequest list;
  list.set_repository("repo");
  list.set_branch("main");
  v1::ListRunsResponse runs;
  REQUIRE(env.stub->ListRuns(env.As(env.rita).get(), list, &runs).ok());
  CHECK(runs.runs_size() == 2);

  v1::FindRunRequest find;
  find.set_repository("repo");
  find.set_model_path("model.pt");
  v1::FindRunResponse found;
  REQUIRE(env.stub->FindRun(env.As(env.rita).get(), find, &found).ok());
  CHECK(found.run().id() == pushed.run().id());

  v1::ExplainModelRequest explain;
  explain.set_repository("repo");
  explain.set_path("model.pt");
  v1::ExplainModelResponse explained;
  REQUIRE(env.stub->ExplainModel(env.As(env.rita).get(), explain, &explained).ok());
  CHECK(explained.has_training());
  CHECK(explained.evaluations_size() == 1);
  CHECK(explained.since_training().head() == number);

  v1::ChangesSinceRequest since;
  since.set_repository("repo");
  v1::ChangesSinceResponse changes;
  REQUIRE(env.stub->ChangesSince(env.As(env.rita).get(), since, &changes).ok());
  REQUIRE(changes.changes_size() == 1);
  CHECK(changes.net_paths(0).class_() == v1::PATH_CLASS_MODEL);

  v1::MetricHistoryRequest history;
  history.set_repository("repo");
  history.set_metric("eval.accuracy");
  history.set_higher_is_better(true);
  v1::MetricHistoryResponse points;
  REQUIRE(env.stub->MetricHistory(env.As(env.rita).get(), history, &points).ok());
  REQUIRE(points.points_size() == 1);
  CHECK(points.points(0).value() == 0.9);
  CHECK(points.points(0).kind() == v1::RUN_KIND_EVAL);

  v1::FindRegressionsRequest regress;
  regress.set_repository("repo");
  regress.set_metric("eval.accuracy");
  regress.set_drop(0.1);
  v1::FindRegressionsResponse regressions;
  REQUIRE(env.stub->FindRegressions(env.As(env.rita).get(), regress, &regressions).ok());
  CHECK(regressions.regressions_size() == 0);

  v1::ApproveChangesetRequest approve;
  approve.set_repository("repo");
  v1::ApproveChangesetResponse approved;
  REQUIRE(env.stub->ApproveChangeset(env.As(env.alice).get(), approve, &approved).ok());
  CHECK(approved.number() == number);
  CHECK(approved.approvers(0) == "alice");
}

TEST_CASE("RecordService over gRPC: policies and status codes") {
  Env env;
  v1::SetPolicyRequest set;
  set.set_repository("repo");
  set.set_branch("main");
  set.mutable_policy()->add_require_runs(v1::RUN_KIND_EVAL);
  v1::MetricRule* rule = set.mutable_policy()->add_require_metrics();
  rule->set_metric("eval.accuracy");
  rule->set_op(">=");
  rule->set_value(0.92);
  v1::SetPolicyResponse policy;
  CHECK(env.stub->SetPolicy(env.As(env.rita).get(), set, &policy).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  CHECK(env.stub->SetPolicy(env.As("").get(), set, &policy).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  REQUIRE(env.stub->SetPolicy(env.As(env.alice).get(), set, &policy).ok());
  CHECK(policy.policy().require_metrics(0).metric() == "eval.accuracy");

  v1::GetPolicyRequest get;
  get.set_repository("repo");
  get.set_branch("main");
  v1::GetPolicyResponse got;
  REQUIRE(env.stub->GetPolicy(env.As(env.rita).get(), get, &got).ok());
  CHECK(got.set_by() == "alice");
  CHECK(got.set_at_micros() > 0);
  CHECK(got.policy().require_runs(0) == v1::RUN_KIND_EVAL);

  v1::CheckPolicyRequest check;
  check.set_repository("repo");
  check.set_branch("main");
  check.set_ref("@0");
  v1::CheckPolicyResponse unmet;
  REQUIRE(env.stub->CheckPolicy(env.As(env.rita).get(), check, &unmet).ok());
  CHECK(unmet.number() == 0);
  CHECK(unmet.unmet_size() == 2);

  set.mutable_policy()->mutable_require_metrics(0)->set_op("~");
  CHECK(env.stub->SetPolicy(env.As(env.alice).get(), set, &policy).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);

  v1::RecordRunRequest rec;
  rec.set_repository("repo");
  *rec.mutable_run() = EvalSpec(0.5);
  rec.mutable_run()->set_kind(v1::RUN_KIND_UNSPECIFIED);
  v1::RecordRunResponse recorded;
  CHECK(env.stub->RecordRun(env.As(env.alice).get(), rec, &recorded).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  *rec.mutable_run() = EvalSpec(0.5);
  CHECK(env.stub->RecordRun(env.As(env.rita).get(), rec, &recorded).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  // To anyone but an admin, a repository that does not exist reads as one they cannot read.
  rec.set_repository("nope");
  CHECK(env.stub->RecordRun(env.As(env.alice).get(), rec, &recorded).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);

  v1::GetRunRequest get_run;
  get_run.set_repository("repo");
  get_run.set_id(42);
  v1::GetRunResponse run;
  CHECK(env.stub->GetRun(env.As(env.rita).get(), get_run, &run).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  v1::FindRunRequest find;
  find.set_repository("repo");
  v1::FindRunResponse found;
  grpc::Status none = env.stub->FindRun(env.As(env.rita).get(), find, &found);
  CHECK(none.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(none.error_message().find("no train run") != std::string::npos);
}

}  // namespace
}  // namespace mlvc::server::rpc
