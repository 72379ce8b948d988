// Remote's ReleaseService calls: releases, deployments, rollback and the Watch stream.
#include <algorithm>
#include <mutex>

#include "client/remote/remote.h"
#include "client/remote/remote_internal.h"

namespace mlvc::client::remote {
namespace {

// Page size of the listing calls (the server caps pages at 1,000).
constexpr int kPage = 1000;

ReleaseInfo FromPb(const pb::Release& in) {
  ReleaseInfo out;
  out.version = in.version();
  out.number = in.number();
  out.notes = in.notes();
  out.created_by = in.created_by();
  out.created_at_micros = in.created_at_micros();
  out.live_in.assign(in.live_in().begin(), in.live_in().end());
  for (const pb::Run& run : in.validations()) {
    ValidationSummary v;
    v.run_id = run.id();
    v.name = run.name();
    v.user = run.user();
    v.succeeded = run.status() == pb::RUN_STATUS_SUCCEEDED ||
                  run.status() == pb::RUN_STATUS_UNSPECIFIED;
    for (const pb::Metric& m : run.metrics()) {
      if (!m.has_step()) v.metrics.emplace_back(m.key(), m.value());
    }
    out.validations.push_back(std::move(v));
  }
  return out;
}

DeploymentInfo FromPb(const pb::Deployment& in) {
  DeploymentInfo out;
  out.id = in.id();
  out.environment = in.environment();
  out.version = in.version();
  out.number = in.number();
  out.kind = in.kind() == pb::DEPLOYMENT_KIND_ROLLBACK ? DeploymentKind::kRollback
                                                      : DeploymentKind::kDeploy;
  out.note = in.note();
  out.created_by = in.created_by();
  out.created_at_micros = in.created_at_micros();
  out.previous_version = in.previous_version();
  return out;
}

class GrpcEventStream final : public EventStream {
 public:
  GrpcEventStream(std::unique_ptr<grpc::ClientContext> context, std::string server)
      : context_(std::move(context)), server_(std::move(server)) {}

  void Start(pb::ReleaseService::Stub& stub, const pb::WatchRequest& request) {
    reader_ = stub.Watch(context_.get(), request);
  }

  bool Next(EventInfo* event) override {
    pb::Event e;
    if (!reader_->Read(&e)) return false;
    event->id = e.id();
    event->repository = e.repository();
    event->kind = e.kind();
    event->created_at_micros = e.created_at_micros();
    event->user = e.user();
    event->payload_json = e.payload_json();
    return true;
  }

  void Cancel() override { context_->TryCancel(); }  // thread-safe in gRPC

  absl::Status Finish() override { return FromGrpc(reader_->Finish(), server_); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::string server_;
  std::unique_ptr<grpc::ClientReader<pb::Event>> reader_;
};

}  // namespace

absl::StatusOr<ReleaseInfo> Remote::CreateRelease(const std::string& repository,
                                                  const std::string& version,
                                                  const std::string& ref,
                                                  const std::string& branch,
                                                  const std::string& notes) {
  pb::CreateReleaseRequest request;
  request.set_repository(repository);
  request.set_version(version);
  request.set_ref(ref);
  request.set_branch(branch);
  request.set_notes(notes);
  pb::CreateReleaseResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->releases->CreateRelease(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.release());
}

absl::StatusOr<std::vector<ReleaseInfo>> Remote::ListReleases(const std::string& repository,
                                                              int limit,
                                                              const std::string& after_version) {
  std::vector<ReleaseInfo> out;
  std::string after = after_version;
  for (;;) {
    const int want = limit > 0 ? std::min(kPage, limit - static_cast<int>(out.size())) : kPage;
    pb::ListReleasesRequest request;
    request.set_repository(repository);
    request.set_limit(want);
    request.set_after(after);
    pb::ListReleasesResponse response;
    auto context = impl_->Unary();
    absl::Status status =
        impl_->Convert(impl_->releases->ListReleases(context.get(), request, &response));
    if (!status.ok()) return status;
    for (const pb::Release& r : response.releases()) out.push_back(FromPb(r));
    if (response.releases_size() < want) break;
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    after = out.back().version;
  }
  return out;
}

absl::StatusOr<ReleaseInfo> Remote::GetRelease(const std::string& repository,
                                               const std::string& version) {
  pb::GetReleaseRequest request;
  request.set_repository(repository);
  request.set_version(version);
  pb::GetReleaseResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->releases->GetRelease(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.release());
}

absl::StatusOr<DeploymentInfo> Remote::Deploy(const std::string& repository,
                                              const std::string& version,
                                              const std::string& environment,
                                              const std::string& note) {
  pb::DeployRequest request;
  request.set_repository(repository);
  request.set_version(version);
  request.set_environment(environment);
  request.set_note(note);
  pb::DeployResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->releases->Deploy(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.deployment());
}

absl::StatusOr<std::vector<DeploymentInfo>> Remote::ListDeployments(
    const std::string& repository, const std::string& environment, int limit, bool live_only,
    int64_t before_id) {
  std::vector<DeploymentInfo> out;
  int64_t before = before_id;
  for (;;) {
    const int want = limit > 0 ? std::min(kPage, limit - static_cast<int>(out.size())) : kPage;
    pb::ListDeploymentsRequest request;
    request.set_repository(repository);
    request.set_environment(environment);
    request.set_limit(want);
    request.set_before_id(before);
    request.set_current_only(live_only);
    pb::ListDeploymentsResponse response;
    auto context = impl_->Unary();
    absl::Status status =
        impl_->Convert(impl_->releases->ListDeployments(context.get(), request, &response));
    if (!status.ok()) return status;
    for (const pb::Deployment& d : response.deployments()) out.push_back(FromPb(d));
    if (live_only || response.deployments_size() < want) break;
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    before = out.back().id;
  }
  return out;
}

absl::StatusOr<DeploymentInfo> Remote::Rollback(const std::string& repository,
                                                const std::string& environment,
                                                const std::string& note) {
  pb::RollbackRequest request;
  request.set_repository(repository);
  request.set_environment(environment);
  request.set_note(note);
  pb::RollbackResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->releases->Rollback(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.deployment());
}

absl::StatusOr<std::unique_ptr<EventStream>> Remote::Watch(const std::string& repository,
                                                           int64_t after_id, bool from_start) {
  pb::WatchRequest request;
  request.set_repository(repository);
  request.set_after_id(after_id);
  request.set_from_start(from_start);
  auto stream = std::make_unique<GrpcEventStream>(impl_->Context(0), impl_->server);
  stream->Start(*impl_->releases, request);
  return std::unique_ptr<EventStream>(std::move(stream));
}

}  // namespace mlvc::client::remote
