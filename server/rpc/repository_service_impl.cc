#include "server/rpc/repository_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {

grpc::Status RepositoryServiceImpl::CreateRepository(grpc::ServerContext* context,
                                                     const v1::CreateRepositoryRequest* request,
                                                     v1::CreateRepositoryResponse* response) {
  return HandleRpc(context, auth_, "CreateRepository", [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo,
                     repos_.CreateRepository(caller, request->name()));
    ToProto(repo, response->mutable_repository());
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ListRepositories(grpc::ServerContext* context,
                                                     const v1::ListRepositoriesRequest*,
                                                     v1::ListRepositoriesResponse* response) {
  return HandleRpc(context, auth_, "ListRepositories", [&](const core::Caller&) {
    ASSIGN_OR_RETURN(std::vector<store::RepositoryRecord> repos, repos_.ListRepositories());
    for (const store::RepositoryRecord& r : repos) ToProto(r, response->add_repositories());
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ListBranches(grpc::ServerContext* context,
                                                 const v1::ListBranchesRequest* request,
                                                 v1::ListBranchesResponse* response) {
  return HandleRpc(context, auth_, "ListBranches", [&](const core::Caller&) {
    ASSIGN_OR_RETURN(std::vector<store::BranchRecord> branches,
                     repos_.ListBranches(request->repository()));
    for (const store::BranchRecord& b : branches) {
      v1::Branch* out = response->add_branches();
      out->set_name(b.name);
      out->set_head(b.head);
    }
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ResolveRef(grpc::ServerContext* context,
                                               const v1::ResolveRefRequest* request,
                                               v1::ResolveRefResponse* response) {
  return HandleRpc(context, auth_, "ResolveRef", [&](const core::Caller&) {
    ASSIGN_OR_RETURN(core::ResolvedRef ref,
                     repos_.ResolveRef(request->repository(), request->ref()));
    response->set_number(ref.number);
    response->set_branch(ref.branch);
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
