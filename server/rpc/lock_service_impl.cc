#include "server/rpc/lock_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {
namespace {

void ToProto(const store::LockRecord& in, v1::Lock* out) {
  out->set_path(in.path);
  out->set_branch(in.branch);
  out->set_user(in.user_name);
  out->set_comment(in.comment);
  out->set_created_at_micros(in.created_at_micros);
}

}  // namespace

grpc::Status LockServiceImpl::Lock(grpc::ServerContext* context, const v1::LockRequest* request,
                                   v1::LockResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::LockService>("Lock"), *request, [&](const core::Caller& caller) {
    core::LockRequest in;
    in.repository = request->repository();
    in.branch = request->branch();
    in.comment = request->comment();
    in.targets.reserve(request->targets_size());
    for (const v1::LockTarget& t : request->targets()) {
      in.targets.push_back({t.path(), t.base_content_id()});
    }
    ASSIGN_OR_RETURN(std::vector<store::LockRecord> locks, locks_.Lock(caller, in));
    for (const store::LockRecord& l : locks) ToProto(l, response->add_locks());
    return absl::OkStatus();
  });
}

grpc::Status LockServiceImpl::Unlock(grpc::ServerContext* context,
                                     const v1::UnlockRequest* request,
                                     v1::UnlockResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::LockService>("Unlock"), *request, [&](const core::Caller& caller) {
    core::UnlockRequest in;
    in.repository = request->repository();
    in.branch = request->branch();
    in.paths.assign(request->paths().begin(), request->paths().end());
    in.force = request->force();
    ASSIGN_OR_RETURN(std::vector<store::LockRecord> released, locks_.Unlock(caller, in));
    for (const store::LockRecord& l : released) ToProto(l, response->add_released());
    return absl::OkStatus();
  });
}

grpc::Status LockServiceImpl::ListLocks(grpc::ServerContext* context,
                                        const v1::ListLocksRequest* request,
                                        v1::ListLocksResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::LockService>("ListLocks"), *request, [&](const core::Caller&) {
    core::ListLocksRequest in;
    in.repository = request->repository();
    in.branch = request->branch();
    in.path_prefix = request->path_prefix();
    in.limit = request->limit();
    in.after = request->after();
    ASSIGN_OR_RETURN(core::ListLocksResult page, locks_.ListLocks(in));
    for (const store::LockRecord& l : page.locks) ToProto(l, response->add_locks());
    response->set_next_after(page.next_after);
    return absl::OkStatus();
  });
}

grpc::Status LockServiceImpl::GetLockablePatterns(grpc::ServerContext* context,
                                                  const v1::GetLockablePatternsRequest* request,
                                                  v1::GetLockablePatternsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::LockService>("GetLockablePatterns"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(std::vector<std::string> patterns,
                     locks_.GetLockablePatterns(request->repository()));
    for (std::string& p : patterns) response->add_patterns(std::move(p));
    return absl::OkStatus();
  });
}

grpc::Status LockServiceImpl::SetLockablePatterns(grpc::ServerContext* context,
                                                  const v1::SetLockablePatternsRequest* request,
                                                  v1::SetLockablePatternsResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::LockService>("SetLockablePatterns"), *request, [&](const core::Caller& caller) {
    std::vector<std::string> in(request->patterns().begin(), request->patterns().end());
    ASSIGN_OR_RETURN(std::vector<std::string> patterns,
                     locks_.SetLockablePatterns(caller, request->repository(), in));
    for (std::string& p : patterns) response->add_patterns(std::move(p));
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
