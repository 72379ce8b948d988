#include "server/rpc/release_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/record_service_impl.h"  // ToProto(RunRecord)
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {
namespace {

void ToProto(const core::ReleaseInfo& in, v1::Release* out) {
  out->set_version(in.release.version);
  out->set_number(in.release.number);
  out->set_notes(in.release.notes);
  out->set_created_by(in.release.created_by);
  out->set_created_at_micros(in.release.created_at_micros);
  for (const std::string& env : in.live_in) out->add_live_in(env);
  for (const store::RunRecord& run : in.validations) rpc::ToProto(run, out->add_validations());
}

void ToProto(const store::DeploymentRecord& in, v1::Deployment* out) {
  out->set_id(in.id);
  out->set_environment(in.environment);
  out->set_version(in.version);
  out->set_number(in.number);
  out->set_kind(in.kind == store::DeploymentKind::kRollback ? v1::DEPLOYMENT_KIND_ROLLBACK
                                                            : v1::DEPLOYMENT_KIND_DEPLOY);
  out->set_note(in.note);
  out->set_created_by(in.created_by);
  out->set_created_at_micros(in.created_at_micros);
  out->set_previous_version(in.previous_version);
}

}  // namespace

grpc::Status ReleaseServiceImpl::CreateRelease(grpc::ServerContext* context,
                                               const v1::CreateReleaseRequest* request,
                                               v1::CreateReleaseResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("CreateRelease"), *request, [&](const core::Caller& caller) {
    core::CreateReleaseRequest in;
    in.repository = request->repository();
    in.version = request->version();
    in.ref = request->ref();
    in.branch = request->branch();
    in.notes = request->notes();
    ASSIGN_OR_RETURN(core::ReleaseInfo release, releases_.CreateRelease(caller, in));
    ToProto(release, response->mutable_release());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::ListReleases(grpc::ServerContext* context,
                                              const v1::ListReleasesRequest* request,
                                              v1::ListReleasesResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("ListReleases"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(
        std::vector<core::ReleaseInfo> releases,
        releases_.ListReleases(request->repository(), request->after(), request->limit()));
    for (const core::ReleaseInfo& r : releases) ToProto(r, response->add_releases());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::GetRelease(grpc::ServerContext* context,
                                            const v1::GetReleaseRequest* request,
                                            v1::GetReleaseResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("GetRelease"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(core::ReleaseInfo release,
                     releases_.GetRelease(request->repository(), request->version()));
    ToProto(release, response->mutable_release());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::Deploy(grpc::ServerContext* context,
                                        const v1::DeployRequest* request,
                                        v1::DeployResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("Deploy"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::DeploymentRecord d,
                     releases_.Deploy(caller, request->repository(), request->version(),
                                      request->environment(), request->note()));
    ToProto(d, response->mutable_deployment());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::ListDeployments(grpc::ServerContext* context,
                                                 const v1::ListDeploymentsRequest* request,
                                                 v1::ListDeploymentsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("ListDeployments"), *request, [&](const core::Caller&) {
    core::ListDeploymentsRequest in;
    in.repository = request->repository();
    in.environment = request->environment();
    in.limit = request->limit();
    in.before_id = request->before_id();
    in.live_only = request->current_only();
    ASSIGN_OR_RETURN(std::vector<store::DeploymentRecord> list, releases_.ListDeployments(in));
    for (const store::DeploymentRecord& d : list) ToProto(d, response->add_deployments());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::Rollback(grpc::ServerContext* context,
                                          const v1::RollbackRequest* request,
                                          v1::RollbackResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("Rollback"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::DeploymentRecord d,
                     releases_.Rollback(caller, request->repository(), request->environment(),
                                        request->note()));
    ToProto(d, response->mutable_deployment());
    return absl::OkStatus();
  });
}

grpc::Status ReleaseServiceImpl::Watch(grpc::ServerContext* context,
                                       const v1::WatchRequest* request,
                                       grpc::ServerWriter<v1::Event>* writer) {
  return HandleRpc(context, edge_, MethodName<v1::ReleaseService>("Watch"), *request, [&](const core::Caller& caller) -> absl::Status {
    core::WatchRequest in;
    in.repository = request->repository();
    in.after_id = request->after_id();
    in.from_start = request->from_start();
    absl::Status status = events_.Watch(
        caller, in, [context] { return context->IsCancelled(); },
        [&](const store::EventRecord& e) -> absl::Status {
          v1::Event out;
          out.set_id(e.id);
          out.set_repository(e.repository);
          out.set_kind(e.kind);
          out.set_created_at_micros(e.created_at_micros);
          out.set_user(e.user);
          out.set_payload_json(e.payload_json);
          // One message per event, sent at once: deployers react to each as it happens.
          if (!writer->Write(out)) return absl::CancelledError("the watcher went away");
          return absl::OkStatus();
        });
    return status;
  });
}

}  // namespace mlvc::server::rpc
