// mlvc.v1.RepositoryService on server/core's RepositoryService.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/repository.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/repository_service.h"

namespace mlvc::server::rpc {

class RepositoryServiceImpl final : public v1::RepositoryService::Service {
 public:
  RepositoryServiceImpl(Edge& edge, core::RepositoryService& repos)
      : edge_(edge), repos_(repos) {}

  grpc::Status CreateRepository(grpc::ServerContext* context,
                                const v1::CreateRepositoryRequest* request,
                                v1::CreateRepositoryResponse* response) override;
  grpc::Status ListRepositories(grpc::ServerContext* context,
                                const v1::ListRepositoriesRequest* request,
                                v1::ListRepositoriesResponse* response) override;
  grpc::Status ListBranches(grpc::ServerContext* context, const v1::ListBranchesRequest* request,
                            v1::ListBranchesResponse* response) override;
  grpc::Status ResolveRef(grpc::ServerContext* context, const v1::ResolveRefRequest* request,
                          v1::ResolveRefResponse* response) override;
  // Branches and labels.
  grpc::Status CreateBranch(grpc::ServerContext* context, const v1::CreateBranchRequest* request,
                            v1::CreateBranchResponse* response) override;
  grpc::Status DeleteBranch(grpc::ServerContext* context, const v1::DeleteBranchRequest* request,
                            v1::DeleteBranchResponse* response) override;
  grpc::Status CreateLabel(grpc::ServerContext* context, const v1::CreateLabelRequest* request,
                           v1::CreateLabelResponse* response) override;
  grpc::Status ListLabels(grpc::ServerContext* context, const v1::ListLabelsRequest* request,
                          v1::ListLabelsResponse* response) override;
  grpc::Status DeleteLabel(grpc::ServerContext* context, const v1::DeleteLabelRequest* request,
                           v1::DeleteLabelResponse* response) override;
  grpc::Status SetDefaultRole(grpc::ServerContext* context,
                              const v1::SetDefaultRoleRequest* request,
                              v1::SetDefaultRoleResponse* response) override;

 private:
  Edge& edge_;
  core::RepositoryService& repos_;
};

}  // namespace mlvc::server::rpc
