// mlvc.v1.RepositoryService on server/core's RepositoryService.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/repository.grpc.pb.h"
#include "server/core/authenticator.h"
#include "server/core/repository_service.h"

namespace mlvc::server::rpc {

class RepositoryServiceImpl final : public v1::RepositoryService::Service {
 public:
  RepositoryServiceImpl(core::Authenticator& auth, core::RepositoryService& repos)
      : auth_(auth), repos_(repos) {}

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

 private:
  core::Authenticator& auth_;
  core::RepositoryService& repos_;
};

}  // namespace mlvc::server::rpc
