// Remote's RecordService calls (the ML record): plain values of remote_types.h to and from
// the messages of proto/mlvc/v1/record.proto.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>

#include "client/remote/remote.h"
#include "client/remote/remote_internal.h"
#include "mlvc/v1/record.grpc.pb.h"

namespace mlvc::client::remote {
namespace {

// PushModel carries a submit (and its uploads are already done): as generous as Submit's.
constexpr int kPushModelDeadlineSeconds = 600;

pb::RunKind ToPb(RunKind kind) {
  switch (kind) {
    case RunKind::kTrain: return pb::RUN_KIND_TRAIN;
    case RunKind::kEval: return pb::RUN_KIND_EVAL;
    case RunKind::kValidation: return pb::RUN_KIND_VALIDATION;
    case RunKind::kUnspecified: break;
  }
  return pb::RUN_KIND_UNSPECIFIED;
}
RunKind FromPb(pb::RunKind kind) {
  switch (kind) {
    case pb::RUN_KIND_TRAIN: return RunKind::kTrain;
    case pb::RUN_KIND_EVAL: return RunKind::kEval;
    case pb::RUN_KIND_VALIDATION: return RunKind::kValidation;
    default: return RunKind::kUnspecified;
  }
}
pb::RunStatus ToPb(RunStatus status) {
  switch (status) {
    case RunStatus::kSucceeded: return pb::RUN_STATUS_SUCCEEDED;
    case RunStatus::kFailed: return pb::RUN_STATUS_FAILED;
    case RunStatus::kRunning: return pb::RUN_STATUS_RUNNING;
    case RunStatus::kUnspecified: break;
  }
  return pb::RUN_STATUS_UNSPECIFIED;
}
RunStatus FromPb(pb::RunStatus status) {
  switch (status) {
    case pb::RUN_STATUS_SUCCEEDED: return RunStatus::kSucceeded;
    case pb::RUN_STATUS_FAILED: return RunStatus::kFailed;
    case pb::RUN_STATUS_RUNNING: return RunStatus::kRunning;
    default: return RunStatus::kUnspecified;
  }
}
PathClass FromPb(pb::PathClass c) {
  switch (c) {
    case pb::PATH_CLASS_CODE: return PathClass::kCode;
    case pb::PATH_CLASS_DATA: return PathClass::kData;
    case pb::PATH_CLASS_CONFIG: return PathClass::kConfig;
    case pb::PATH_CLASS_MODEL: return PathClass::kModel;
    case pb::PATH_CLASS_DEPENDENCIES: return PathClass::kDependencies;
    default: return PathClass::kUnspecified;
  }
}

void ToPb(const RunSpec& spec, pb::RunSpec* out) {
  out->set_kind(ToPb(spec.kind));
  out->set_name(spec.name);
  out->set_status(ToPb(spec.status));
  out->set_started_at_micros(spec.started_at_micros);
  out->set_finished_at_micros(spec.finished_at_micros);
  for (const RunParam& p : spec.params) {
    pb::Param* param = out->add_params();
    param->set_key(p.key);
    param->set_value(p.value);
  }
  for (const RunMetric& m : spec.metrics) {
    pb::Metric* metric = out->add_metrics();
    metric->set_key(m.key);
    metric->set_value(m.value);
    if (m.step.has_value()) metric->set_step(*m.step);
  }
  for (const RunInputSpec& i : spec.inputs) {
    pb::RunInputSpec* input = out->add_inputs();
    input->set_repository(i.repository);
    input->set_path(i.path);
    input->set_ref(i.ref);
  }
  for (const std::string& o : spec.outputs) out->add_outputs(o);
  pb::Environment* env = out->mutable_environment();
  env->set_file_name(spec.environment.file_name);
  env->set_file_content_id(spec.environment.file_content_id);
  for (const auto& [key, value] : spec.environment.vars) (*env->mutable_vars())[key] = value;
}

RunInput FromPb(const pb::RunInput& i) {
  return RunInput{i.repository(), i.path(), i.number(), i.content_id(), i.directory()};
}

RunEnvironment FromPb(const pb::Environment& e) {
  RunEnvironment env;
  env.file_name = e.file_name();
  env.file_content_id = e.file_content_id();
  for (const pb::Package& p : e.packages()) env.packages.push_back({p.name(), p.version()});
  // A proto map has no order; sorted here so that output is stable.
  std::map<std::string, std::string> vars(e.vars().begin(), e.vars().end());
  env.vars.assign(vars.begin(), vars.end());
  return env;
}

RunInfo FromPb(const pb::Run& r) {
  RunInfo run;
  run.id = r.id();
  run.repository = r.repository();
  run.number = r.number();
  run.kind = FromPb(r.kind());
  run.name = r.name();
  run.status = FromPb(r.status());
  run.user = r.user();
  run.started_at_micros = r.started_at_micros();
  run.finished_at_micros = r.finished_at_micros();
  run.recorded_at_micros = r.recorded_at_micros();
  for (const pb::Param& p : r.params()) run.params.push_back({p.key(), p.value()});
  for (const pb::Metric& m : r.metrics()) {
    RunMetric metric{m.key(), m.value(), std::nullopt};
    if (m.has_step()) metric.step = m.step();
    run.metrics.push_back(std::move(metric));
  }
  for (const pb::RunInput& i : r.inputs()) run.inputs.push_back(FromPb(i));
  for (const pb::RunOutput& o : r.outputs()) run.outputs.push_back({o.path(), o.content_id()});
  run.environment = FromPb(r.environment());
  return run;
}

ClassifiedPath FromPb(const pb::ClassifiedPath& p) {
  return ClassifiedPath{p.path(), ChangeActionFromPb(p.action()), FromPb(p.class_())};
}

ChangeSummary FromPb(const pb::ChangeSummary& c) {
  ChangeSummary summary;
  summary.changeset = ChangesetFromPb(c.changeset());
  for (const auto& p : c.paths()) summary.paths.push_back(FromPb(p));
  return summary;
}

ChangesSinceInfo FromPb(const pb::ChangesSinceResponse& r) {
  ChangesSinceInfo info;
  for (const auto& c : r.changes()) info.changes.push_back(FromPb(c));
  info.head = r.head();
  for (const auto& p : r.net_paths()) info.net_paths.push_back(FromPb(p));
  return info;
}

MetricPointInfo FromPb(const pb::MetricPoint& p) {
  return MetricPointInfo{p.number(), p.value(),  p.delta(),  p.improved(),
                         p.run_id(), FromPb(p.kind()), p.author(), p.message()};
}

void ToPb(const PolicyInfo& policy, pb::Policy* out) {
  for (RunKind kind : policy.require_runs) out->add_require_runs(ToPb(kind));
  for (const MetricRuleInfo& rule : policy.require_metrics) {
    pb::MetricRule* r = out->add_require_metrics();
    r->set_metric(rule.metric);
    r->set_op(rule.op);
    r->set_value(rule.value);
  }
  out->set_require_reviews(policy.require_reviews);
}

PolicyInfo FromPb(const pb::Policy& p) {
  PolicyInfo policy;
  for (int kind : p.require_runs()) {
    policy.require_runs.push_back(FromPb(static_cast<pb::RunKind>(kind)));
  }
  for (const pb::MetricRule& r : p.require_metrics()) {
    policy.require_metrics.push_back({r.metric(), r.op(), r.value()});
  }
  policy.require_reviews = p.require_reviews();
  return policy;
}

}  // namespace

absl::StatusOr<RunInfo> Remote::RecordRun(const std::string& repository, const std::string& ref,
                                          const RunSpec& run, const std::string& record_id) {
  pb::RecordRunRequest request;
  request.set_repository(repository);
  request.set_ref(ref);
  ToPb(run, request.mutable_run());
  request.set_record_id(record_id);
  absl::Status status;
  // Like Submit: the record id makes a retry after a lost reply return the first run.
  for (int attempt = 0; attempt <= impl_->options.submit_retries; ++attempt) {
    pb::RecordRunResponse response;
    auto context = impl_->Unary();
    status = impl_->Convert(impl_->record->RecordRun(context.get(), request, &response));
    if (status.ok()) return FromPb(response.run());
    if (status.code() != absl::StatusCode::kUnavailable) break;
  }
  return status;
}

absl::StatusOr<PushModelResult> Remote::PushModel(const SubmitRequest& submit,
                                                  const RunSpec& run) {
  pb::PushModelRequest request;
  SubmitRequestToPb(submit, request.mutable_submit());
  ToPb(run, request.mutable_run());
  absl::Status status;
  for (int attempt = 0; attempt <= impl_->options.submit_retries; ++attempt) {
    pb::PushModelResponse response;
    auto context = impl_->Context(kPushModelDeadlineSeconds);
    status = impl_->Convert(impl_->record->PushModel(context.get(), request, &response));
    if (status.ok()) {
      PushModelResult result;
      result.submit.changeset = ChangesetFromPb(response.submit().changeset());
      result.submit.replayed = response.submit().replayed();
      for (const std::string& p : response.submit().merged_paths()) {
        result.submit.merged_paths.push_back(p);
      }
      result.run = FromPb(response.run());
      return result;
    }
    if (status.code() != absl::StatusCode::kUnavailable) break;
  }
  return status;
}

absl::StatusOr<RunInfo> Remote::GetRun(const std::string& repository, int64_t id) {
  pb::GetRunRequest request;
  request.set_repository(repository);
  request.set_id(id);
  pb::GetRunResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->record->GetRun(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.run());
}

absl::StatusOr<std::vector<RunInfo>> Remote::ListRuns(const RunQuery& query) {
  pb::ListRunsRequest request;
  request.set_repository(query.repository);
  request.set_branch(query.branch);
  request.set_kind(ToPb(query.kind));
  request.set_number(query.number);
  request.set_limit(query.limit);
  request.set_before_id(query.before_id);
  pb::ListRunsResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->ListRuns(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<RunInfo> out;
  for (const pb::Run& r : response.runs()) out.push_back(FromPb(r));
  return out;
}

absl::StatusOr<FoundRun> Remote::FindRun(const std::string& repository, const std::string& ref,
                                         const std::string& model_path, RunKind kind) {
  pb::FindRunRequest request;
  request.set_repository(repository);
  request.set_ref(ref);
  request.set_model_path(model_path);
  request.set_kind(ToPb(kind));
  pb::FindRunResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->record->FindRun(context.get(), request, &response));
  if (!status.ok()) return status;
  return FoundRun{FromPb(response.run()), response.number()};
}

absl::StatusOr<ModelExplanation> Remote::ExplainModel(const std::string& repository,
                                                      const std::string& path,
                                                      const std::string& ref) {
  pb::ExplainModelRequest request;
  request.set_repository(repository);
  request.set_path(path);
  request.set_ref(ref);
  pb::ExplainModelResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->ExplainModel(context.get(), request, &response));
  if (!status.ok()) return status;
  ModelExplanation out;
  out.path = response.path();
  out.number = response.number();
  out.content_id = response.content_id();
  if (response.has_training()) out.training = FromPb(response.training());
  for (const pb::Run& r : response.evaluations()) out.evaluations.push_back(FromPb(r));
  if (response.has_parent_model()) out.parent_model = FromPb(response.parent_model());
  out.since_training = FromPb(response.since_training());
  for (const pb::PackageChange& c : response.environment_changes()) {
    out.environment_changes.push_back({c.name(), c.old_version(), c.new_version()});
  }
  for (const pb::ReleaseRef& r : response.releases()) {
    out.releases.push_back(
        {r.version(), r.number(), std::vector<std::string>(r.live_in().begin(), r.live_in().end())});
  }
  return out;
}

absl::StatusOr<ChangesSinceInfo> Remote::ChangesSince(const std::string& repository,
                                                      int64_t from_number,
                                                      const std::string& branch, int32_t limit) {
  pb::ChangesSinceRequest request;
  request.set_repository(repository);
  request.set_from_number(from_number);
  request.set_branch(branch);
  request.set_limit(limit);
  pb::ChangesSinceResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->ChangesSince(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response);
}

absl::StatusOr<std::vector<MetricPointInfo>> Remote::MetricHistory(
    const MetricHistoryQuery& query) {
  pb::MetricHistoryRequest request;
  request.set_repository(query.repository);
  request.set_metric(query.metric);
  request.set_branch(query.branch);
  request.set_higher_is_better(query.higher_is_better);
  request.set_limit(query.limit);
  request.set_after_number(query.after_number);
  pb::MetricHistoryResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->MetricHistory(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<MetricPointInfo> out;
  for (const pb::MetricPoint& p : response.points()) out.push_back(FromPb(p));
  return out;
}

absl::StatusOr<std::vector<RegressionInfo>> Remote::FindRegressions(
    const RegressionQuery& query) {
  pb::FindRegressionsRequest request;
  request.set_repository(query.repository);
  request.set_metric(query.metric);
  request.set_branch(query.branch);
  request.set_higher_is_better(query.higher_is_better);
  if (query.drop.has_value()) request.set_drop(*query.drop);
  if (query.below.has_value()) request.set_below(*query.below);
  request.set_limit(query.limit);
  pb::FindRegressionsResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->FindRegressions(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<RegressionInfo> out;
  for (const pb::Regression& r : response.regressions()) {
    RegressionInfo info;
    info.point = FromPb(r.point());
    info.previous_number = r.previous_number();
    info.previous_value = r.previous_value();
    for (const auto& c : r.changes()) info.changes.push_back(FromPb(c));
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<ApprovalInfo> Remote::ApproveChangeset(const std::string& repository,
                                                      const std::string& ref,
                                                      const std::string& note) {
  pb::ApproveChangesetRequest request;
  request.set_repository(repository);
  request.set_ref(ref);
  request.set_note(note);
  pb::ApproveChangesetResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->ApproveChangeset(context.get(), request, &response));
  if (!status.ok()) return status;
  return ApprovalInfo{response.number(), std::vector<std::string>(response.approvers().begin(),
                                                                  response.approvers().end())};
}

absl::StatusOr<PolicyInfo> Remote::SetPolicy(const std::string& repository,
                                             const std::string& branch,
                                             const PolicyInfo& policy) {
  pb::SetPolicyRequest request;
  request.set_repository(repository);
  request.set_branch(branch);
  ToPb(policy, request.mutable_policy());
  pb::SetPolicyResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->SetPolicy(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.policy());
}

absl::StatusOr<BranchPolicyInfo> Remote::GetPolicy(const std::string& repository,
                                                   const std::string& branch) {
  pb::GetPolicyRequest request;
  request.set_repository(repository);
  request.set_branch(branch);
  pb::GetPolicyResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->GetPolicy(context.get(), request, &response));
  if (!status.ok()) return status;
  return BranchPolicyInfo{FromPb(response.policy()), response.set_by(),
                          response.set_at_micros()};
}

absl::StatusOr<PolicyCheckInfo> Remote::CheckPolicy(const std::string& repository,
                                                    const std::string& branch,
                                                    const std::string& ref) {
  pb::CheckPolicyRequest request;
  request.set_repository(repository);
  request.set_branch(branch);
  request.set_ref(ref);
  pb::CheckPolicyResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->record->CheckPolicy(context.get(), request, &response));
  if (!status.ok()) return status;
  return PolicyCheckInfo{response.number(),
                         std::vector<std::string>(response.unmet().begin(), response.unmet().end())};
}

}  // namespace mlvc::client::remote
