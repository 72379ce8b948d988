// mlvc.v1.ReleaseService on server/core's ReleaseService (releases, deployments, rollback)
// and EventHub (Watch).
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/release.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/events.h"
#include "server/core/release_service.h"

namespace mlvc::server::rpc {

class ReleaseServiceImpl final : public v1::ReleaseService::Service {
 public:
  ReleaseServiceImpl(Edge& edge, core::ReleaseService& releases,
                     core::EventHub& events)
      : edge_(edge), releases_(releases), events_(events) {}

  grpc::Status CreateRelease(grpc::ServerContext* context,
                             const v1::CreateReleaseRequest* request,
                             v1::CreateReleaseResponse* response) override;
  grpc::Status ListReleases(grpc::ServerContext* context, const v1::ListReleasesRequest* request,
                            v1::ListReleasesResponse* response) override;
  grpc::Status GetRelease(grpc::ServerContext* context, const v1::GetReleaseRequest* request,
                          v1::GetReleaseResponse* response) override;
  grpc::Status Deploy(grpc::ServerContext* context, const v1::DeployRequest* request,
                      v1::DeployResponse* response) override;
  grpc::Status ListDeployments(grpc::ServerContext* context,
                               const v1::ListDeploymentsRequest* request,
                               v1::ListDeploymentsResponse* response) override;
  grpc::Status Rollback(grpc::ServerContext* context, const v1::RollbackRequest* request,
                        v1::RollbackResponse* response) override;
  // Ends when the client cancels (the handler polls ServerContext::IsCancelled every
  // EventHub::kCancelPollMs) or when the server shuts down (MlvcServer::Shutdown calls
  // EventHub::Shutdown before gRPC's own shutdown, so no stream holds it up).
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::Event>* writer) override;

 private:
  Edge& edge_;
  core::ReleaseService& releases_;
  core::EventHub& events_;
};

}  // namespace mlvc::server::rpc
