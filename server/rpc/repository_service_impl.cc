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
  return HandleRpc(context, auth_, "CreateBranch", [&](const core::Caller& caller) {
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
  return HandleRpc(context, auth_, "DeleteBranch", [&](const core::Caller& caller) {
    return repos_.DeleteBranch(caller, request->repository(), request->name());
  });
}

grpc::Status RepositoryServiceImpl::CreateLabel(grpc::ServerContext* context,
                                                const v1::CreateLabelRequest* request,
                                                v1::CreateLabelResponse* response) {
  return HandleRpc(context, auth_, "CreateLabel", [&](const core::Caller& caller) {
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
  return HandleRpc(context, auth_, "ListLabels", [&](const core::Caller&) {
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
  return HandleRpc(context, auth_, "DeleteLabel", [&](const core::Caller& caller) {
    return repos_.DeleteLabel(caller, request->repository(), request->name());
  });
}

}  // namespace mlvc::server::rpc
