#include "server/rpc/record_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {
namespace {

// The overloads of convert.h and record_service_impl.h, next to the local ones below.
using ::mlvc::server::rpc::ToProto;

v1::ClassifiedPath* AddPath(const core::ClassifiedPath& in,
                            google::protobuf::RepeatedPtrField<v1::ClassifiedPath>* out) {
  v1::ClassifiedPath* p = out->Add();
  p->set_path(in.path);
  p->set_action(ToProto(in.action));
  p->set_class_(static_cast<v1::PathClass>(in.path_class));
  return p;
}

void ToProto(const core::ChangeSummary& in, v1::ChangeSummary* out) {
  core::ChangesetInfo info;
  info.changeset = in.changeset;
  ToProto(info, out->mutable_changeset());
  for (const core::ClassifiedPath& p : in.paths) AddPath(p, out->mutable_paths());
}

void ToProto(const core::MetricPoint& in, v1::MetricPoint* out) {
  out->set_number(in.number);
  out->set_value(in.value);
  out->set_delta(in.delta);
  out->set_improved(in.improved);
  out->set_run_id(in.run_id);
  out->set_kind(static_cast<v1::RunKind>(in.kind));
  out->set_author(in.author);
  out->set_message(in.message);
}

void ToProto(const store::RunInputRecord& in, v1::RunInput* out) {
  out->set_repository(in.repository);
  out->set_path(in.path);
  out->set_number(in.number);
  out->set_content_id(in.content_id);
  out->set_directory(in.directory);
}

void ToProto(const store::PolicyRecord& in, v1::Policy* out) {
  for (int kind : in.require_runs) out->add_require_runs(static_cast<v1::RunKind>(kind));
  for (const store::MetricRuleRecord& r : in.require_metrics) {
    v1::MetricRule* rule = out->add_require_metrics();
    rule->set_metric(r.metric);
    rule->set_op(r.op);
    rule->set_value(r.value);
  }
  out->set_require_reviews(in.require_reviews);
}

store::PolicyRecord FromProto(const v1::Policy& in) {
  store::PolicyRecord out;
  for (int kind : in.require_runs()) out.require_runs.push_back(kind);
  for (const v1::MetricRule& r : in.require_metrics()) {
    out.require_metrics.push_back({r.metric(), r.op(), r.value()});
  }
  out.require_reviews = in.require_reviews();
  return out;
}

core::MetricQuery Query(const std::string& repository, const std::string& metric,
                        const std::string& branch, bool higher_is_better, int limit) {
  core::MetricQuery q;
  q.repository = repository;
  q.metric = metric;
  q.branch = branch;
  q.higher_is_better = higher_is_better;
  q.limit = limit;
  return q;
}

}  // namespace

void ToProto(const store::RunRecord& in, v1::Run* out) {
  out->set_id(in.id);
  out->set_number(in.number);
  out->set_kind(static_cast<v1::RunKind>(in.kind));
  out->set_name(in.name);
  out->set_status(static_cast<v1::RunStatus>(in.status));
  out->set_user(in.user_name);
  out->set_started_at_micros(in.started_at_micros);
  out->set_finished_at_micros(in.finished_at_micros);
  out->set_recorded_at_micros(in.recorded_at_micros);
  for (const auto& [key, value] : in.params) {
    v1::Param* p = out->add_params();
    p->set_key(key);
    p->set_value(value);
  }
  for (const store::RunMetricRecord& m : in.metrics) {
    v1::Metric* metric = out->add_metrics();
    metric->set_key(m.key);
    metric->set_value(m.value);
    if (m.step.has_value()) metric->set_step(*m.step);
  }
  for (const store::RunInputRecord& i : in.inputs) ToProto(i, out->add_inputs());
  for (const store::RunOutputRecord& o : in.outputs) {
    v1::RunOutput* output = out->add_outputs();
    output->set_path(o.path);
    output->set_content_id(o.content_id);
  }
  v1::Environment* env = out->mutable_environment();
  env->set_file_name(in.env_file_name);
  env->set_file_content_id(in.env_file_content_id);
  for (const auto& [name, version] : in.packages) {
    v1::Package* p = env->add_packages();
    p->set_name(name);
    p->set_version(version);
  }
  for (const auto& [key, value] : in.env_vars) (*env->mutable_vars())[key] = value;
}

void ToProto(const core::ChangesSinceResult& in, v1::ChangesSinceResponse* out) {
  for (const core::ChangeSummary& c : in.changes) ToProto(c, out->add_changes());
  out->set_head(in.head);
  for (const core::ClassifiedPath& p : in.net_paths) AddPath(p, out->mutable_net_paths());
}

core::RunSpec FromProto(const v1::RunSpec& in) {
  core::RunSpec out;
  out.kind = in.kind();
  out.name = in.name();
  out.status = in.status();
  out.started_at_micros = in.started_at_micros();
  out.finished_at_micros = in.finished_at_micros();
  for (const v1::Param& p : in.params()) out.params.emplace_back(p.key(), p.value());
  for (const v1::Metric& m : in.metrics()) {
    store::RunMetricRecord metric;
    metric.key = m.key();
    metric.value = m.value();
    if (m.has_step()) metric.step = m.step();
    out.metrics.push_back(std::move(metric));
  }
  for (const v1::RunInputSpec& i : in.inputs()) {
    out.inputs.push_back({i.repository(), i.path(), i.ref()});
  }
  out.outputs.assign(in.outputs().begin(), in.outputs().end());
  out.env_file_name = in.environment().file_name();
  out.env_file_content_id = in.environment().file_content_id();
  for (const auto& [key, value] : in.environment().vars()) out.env_vars.emplace_back(key, value);
  return out;
}

grpc::Status RecordServiceImpl::RecordRun(grpc::ServerContext* context,
                                          const v1::RecordRunRequest* request,
                                          v1::RecordRunResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("RecordRun"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::RunRecord run,
                     record_.RecordRun(caller, request->repository(), request->ref(),
                                       FromProto(request->run()), request->record_id()));
    ToProto(run, response->mutable_run());
    response->mutable_run()->set_repository(request->repository());
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::PushModel(grpc::ServerContext* context,
                                          const v1::PushModelRequest* request,
                                          v1::PushModelResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("PushModel"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::PushModelResult result,
                     record_.PushModel(caller, FromProto(request->submit()),
                                       FromProto(request->run())));
    v1::SubmitResponse* submit = response->mutable_submit();
    ToProto(result.submit.changeset, submit->mutable_changeset());
    submit->set_replayed(result.submit.replayed);
    for (const std::string& path : result.submit.merged_paths) submit->add_merged_paths(path);
    ToProto(result.run, response->mutable_run());
    response->mutable_run()->set_repository(request->submit().repository());
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::GetRun(grpc::ServerContext* context,
                                       const v1::GetRunRequest* request,
                                       v1::GetRunResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("GetRun"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::RunRecord run,
                     record_.GetRun(caller, request->repository(), request->id()));
    ToProto(run, response->mutable_run());
    response->mutable_run()->set_repository(request->repository());
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::ListRuns(grpc::ServerContext* context,
                                         const v1::ListRunsRequest* request,
                                         v1::ListRunsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("ListRuns"), *request, [&](const core::Caller& caller) {
    core::ListRunsQuery q;
    q.repository = request->repository();
    q.branch = request->branch();
    q.kind = request->kind();
    q.number = request->number();
    q.limit = request->limit();
    q.before_id = request->before_id();
    ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, record_.ListRuns(caller, q));
    for (const store::RunRecord& run : runs) {
      v1::Run* out = response->add_runs();
      ToProto(run, out);
      out->set_repository(request->repository());
    }
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::FindRun(grpc::ServerContext* context,
                                        const v1::FindRunRequest* request,
                                        v1::FindRunResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("FindRun"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::FoundRun found,
                     record_.FindRun(caller, request->repository(), request->ref(),
                                     request->model_path(), request->kind()));
    ToProto(found.run, response->mutable_run());
    response->mutable_run()->set_repository(request->repository());
    response->set_number(found.number);
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::ExplainModel(grpc::ServerContext* context,
                                             const v1::ExplainModelRequest* request,
                                             v1::ExplainModelResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("ExplainModel"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::ModelExplanation e,
                     record_.ExplainModel(caller, request->repository(), request->path(),
                                          request->ref()));
    response->set_path(e.path);
    response->set_number(e.number);
    response->set_content_id(e.content_id);
    if (e.training.has_value()) {
      ToProto(*e.training, response->mutable_training());
      response->mutable_training()->set_repository(request->repository());
    }
    for (const store::RunRecord& run : e.evaluations) {
      v1::Run* out = response->add_evaluations();
      ToProto(run, out);
      out->set_repository(request->repository());
    }
    if (e.parent_model.has_value()) ToProto(*e.parent_model, response->mutable_parent_model());
    ToProto(e.since_training, response->mutable_since_training());
    for (const core::PackageChange& c : e.environment_changes) {
      v1::PackageChange* out = response->add_environment_changes();
      out->set_name(c.name);
      out->set_old_version(c.old_version);
      out->set_new_version(c.new_version);
    }
    for (const core::ModelExplanation::Release& r : e.releases) {
      v1::ReleaseRef* out = response->add_releases();
      out->set_version(r.version);
      out->set_number(r.number);
      for (const std::string& env : r.live_in) out->add_live_in(env);
    }
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::ChangesSince(grpc::ServerContext* context,
                                             const v1::ChangesSinceRequest* request,
                                             v1::ChangesSinceResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("ChangesSince"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::ChangesSinceResult result,
                     record_.ChangesSince(caller, request->repository(), request->from_number(),
                                          request->branch(), request->limit()));
    ToProto(result, response);
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::MetricHistory(grpc::ServerContext* context,
                                              const v1::MetricHistoryRequest* request,
                                              v1::MetricHistoryResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("MetricHistory"), *request, [&](const core::Caller& caller) {
    core::MetricQuery q = Query(request->repository(), request->metric(), request->branch(),
                                request->higher_is_better(), request->limit());
    q.after_number = request->after_number();
    ASSIGN_OR_RETURN(std::vector<core::MetricPoint> points, record_.MetricHistory(caller, q));
    for (const core::MetricPoint& p : points) ToProto(p, response->add_points());
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::FindRegressions(grpc::ServerContext* context,
                                                const v1::FindRegressionsRequest* request,
                                                v1::FindRegressionsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("FindRegressions"), *request, [&](const core::Caller& caller) {
    core::MetricQuery q = Query(request->repository(), request->metric(), request->branch(),
                                request->higher_is_better(), request->limit());
    if (request->has_drop()) q.drop = request->drop();
    if (request->has_below()) q.below = request->below();
    ASSIGN_OR_RETURN(std::vector<core::Regression> found, record_.FindRegressions(caller, q));
    for (const core::Regression& r : found) {
      v1::Regression* out = response->add_regressions();
      ToProto(r.point, out->mutable_point());
      out->set_previous_number(r.previous_number);
      out->set_previous_value(r.previous_value);
      for (const core::ChangeSummary& c : r.changes) ToProto(c, out->add_changes());
    }
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::ApproveChangeset(grpc::ServerContext* context,
                                                 const v1::ApproveChangesetRequest* request,
                                                 v1::ApproveChangesetResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("ApproveChangeset"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(auto approved, record_.ApproveChangeset(caller, request->repository(),
                                                             request->ref(), request->note()));
    response->set_number(approved.first);
    for (const std::string& name : approved.second) response->add_approvers(name);
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::SetPolicy(grpc::ServerContext* context,
                                          const v1::SetPolicyRequest* request,
                                          v1::SetPolicyResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("SetPolicy"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::PolicyRecord policy,
                     record_.SetPolicy(caller, request->repository(), request->branch(),
                                       FromProto(request->policy())));
    ToProto(policy, response->mutable_policy());
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::GetPolicy(grpc::ServerContext* context,
                                          const v1::GetPolicyRequest* request,
                                          v1::GetPolicyResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("GetPolicy"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> policy,
                     record_.GetPolicy(caller, request->repository(), request->branch()));
    response->mutable_policy();
    if (policy.has_value()) {
      ToProto(*policy, response->mutable_policy());
      response->set_set_by(policy->set_by);
      response->set_set_at_micros(policy->set_at_micros);
    }
    return absl::OkStatus();
  });
}

grpc::Status RecordServiceImpl::CheckPolicy(grpc::ServerContext* context,
                                            const v1::CheckPolicyRequest* request,
                                            v1::CheckPolicyResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RecordService>("CheckPolicy"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::PolicyCheck check,
                     record_.CheckPolicy(caller, request->repository(), request->branch(),
                                         request->ref()));
    response->set_number(check.number);
    for (const std::string& u : check.unmet) response->add_unmet(u);
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
