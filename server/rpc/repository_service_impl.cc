#include "server/rpc/repository_service_impl.h"

#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/rpc/convert.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {

grpc::Status RepositoryServiceImpl::CreateRepository(grpc::ServerContext* context,
                                                     const v1::CreateRepositoryRequest* request,
                                                     v1::CreateRepositoryResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("CreateRepository"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo,
                     repos_.CreateRepository(caller, request->name()));
    ToProto(repo, response->mutable_repository());
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ListRepositories(grpc::ServerContext* context,
                                                     const v1::ListRepositoriesRequest* request,
                                                     v1::ListRepositoriesResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("ListRepositories"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(std::vector<core::RepositoryView> repos, repos_.ListRepositories(caller));
    for (const core::RepositoryView& r : repos) {
      v1::Repository* out = response->add_repositories();
      ToProto(r.repo, out);
      out->set_role(core::RoleName(r.role));
    }
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ListBranches(grpc::ServerContext* context,
                                                 const v1::ListBranchesRequest* request,
                                                 v1::ListBranchesResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("ListBranches"), *request, [&](const core::Caller&) {
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
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("ResolveRef"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(core::ResolvedRef ref,
                     repos_.ResolveRef(request->repository(), request->ref()));
    response->set_number(ref.number);
    response->set_branch(ref.branch);
    response->set_label(ref.label);
    return absl::OkStatus();
  });
}

// --- branches and labels ---

namespace {

void ToProto(const store::LabelRecord& in, v1::Label* out) {
  out->set_name(in.name);
  out->set_number(in.number);
  out->set_notes(in.notes);
  out->set_created_by(in.created_by);
  out->set_created_at_micros(in.created_at_micros);
}

}  // namespace

grpc::Status RepositoryServiceImpl::CreateBranch(grpc::ServerContext* context,
                                                 const v1::CreateBranchRequest* request,
                                                 v1::CreateBranchResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("CreateBranch"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::BranchRecord branch,
                     repos_.CreateBranch(caller, request->repository(), request->name(),
                                         request->from()));
    response->mutable_branch()->set_name(branch.name);
    response->mutable_branch()->set_head(branch.head);
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::DeleteBranch(grpc::ServerContext* context,
                                                 const v1::DeleteBranchRequest* request,
                                                 v1::DeleteBranchResponse*) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("DeleteBranch"), *request, [&](const core::Caller& caller) {
    return repos_.DeleteBranch(caller, request->repository(), request->name());
  });
}

grpc::Status RepositoryServiceImpl::CreateLabel(grpc::ServerContext* context,
                                                const v1::CreateLabelRequest* request,
                                                v1::CreateLabelResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("CreateLabel"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(store::LabelRecord label,
                     repos_.CreateLabel(caller, request->repository(), request->name(),
                                        request->ref(), request->notes()));
    ToProto(label, response->mutable_label());
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::ListLabels(grpc::ServerContext* context,
                                               const v1::ListLabelsRequest* request,
                                               v1::ListLabelsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("ListLabels"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(std::vector<store::LabelRecord> labels,
                     repos_.ListLabels(request->repository(), request->after(),
                                       request->limit()));
    for (const store::LabelRecord& l : labels) ToProto(l, response->add_labels());
    return absl::OkStatus();
  });
}

grpc::Status RepositoryServiceImpl::DeleteLabel(grpc::ServerContext* context,
                                                const v1::DeleteLabelRequest* request,
                                                v1::DeleteLabelResponse*) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("DeleteLabel"), *request, [&](const core::Caller& caller) {
    return repos_.DeleteLabel(caller, request->repository(), request->name());
  });
}

grpc::Status RepositoryServiceImpl::SetDefaultRole(grpc::ServerContext* context,
                                                   const v1::SetDefaultRoleRequest* request,
                                                   v1::SetDefaultRoleResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::RepositoryService>("SetDefaultRole"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(std::optional<core::Role> role,
                                      core::ParseDefaultRole(request->default_role()));
                     ASSIGN_OR_RETURN(store::RepositoryRecord repo,
                                      repos_.SetDefaultRole(caller, request->repository(), role));
                     ToProto(repo, response->mutable_repository());
                     return absl::OkStatus();
                   });
}

}  // namespace mlvc::server::rpc
