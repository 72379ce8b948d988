#include "server/rpc/history_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {
namespace {

std::vector<std::string> Paths(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return std::vector<std::string>(in.begin(), in.end());
}

}  // namespace

grpc::Status HistoryServiceImpl::GetTree(grpc::ServerContext* context,
                                         const v1::GetTreeRequest* request,
                                         grpc::ServerWriter<v1::GetTreeResponse>* writer) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("GetTree"), *request, [&](const core::Caller&) {
    return history_.GetTree(request->repository(), request->number(), Paths(request->paths()),
                            [&](std::vector<core::FileEntry> batch) -> absl::Status {
                              v1::GetTreeResponse response;
                              for (const core::FileEntry& e : batch)
                                ToProto(e, response.add_entries());
                              if (!writer->Write(response))
                                return absl::CancelledError("client went away");
                              return absl::OkStatus();
                            });
  });
}

grpc::Status HistoryServiceImpl::Log(grpc::ServerContext* context, const v1::LogRequest* request,
                                     v1::LogResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("Log"), *request, [&](const core::Caller&) {
    if (request->all_parents() && !request->path().empty()) {
      return absl::InvalidArgumentError("a log through every parent cannot filter by path");
    }
    ASSIGN_OR_RETURN(std::vector<core::ChangesetInfo> log,
                     request->all_parents()
                         ? history_.LogAllParents(request->repository(), request->ref(),
                                                  request->limit(), request->with_paths())
                         : history_.Log(request->repository(), request->ref(), request->path(),
                                        request->limit(), request->with_paths()));
    for (const core::ChangesetInfo& cs : log) ToProto(cs, response->add_changesets());
    return absl::OkStatus();
  });
}

grpc::Status HistoryServiceImpl::GetChangeset(grpc::ServerContext* context,
                                              const v1::GetChangesetRequest* request,
                                              v1::GetChangesetResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("GetChangeset"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(core::ChangesetInfo cs,
                     history_.GetChangeset(request->repository(), request->number()));
    ToProto(cs, response->mutable_changeset());
    return absl::OkStatus();
  });
}

grpc::Status HistoryServiceImpl::Diff(grpc::ServerContext* context, const v1::DiffRequest* request,
                                      v1::DiffResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("Diff"), *request, [&](const core::Caller&) {
    ASSIGN_OR_RETURN(std::vector<core::FileDiff> files,
                     history_.Diff(request->repository(), request->from_number(),
                                   request->to_number(), Paths(request->paths()),
                                   request->with_text()));
    for (const core::FileDiff& f : files) ToProto(f, response->add_files());
    return absl::OkStatus();
  });
}

grpc::Status HistoryServiceImpl::Submit(grpc::ServerContext* context,
                                        const v1::SubmitRequest* request,
                                        v1::SubmitResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("Submit"), *request, [&](const core::Caller& caller) {
    ASSIGN_OR_RETURN(core::SubmitResult result, history_.Submit(caller, FromProto(*request)));
    ToProto(result.changeset, response->mutable_changeset());
    response->set_replayed(result.replayed);
    for (const std::string& path : result.merged_paths) response->add_merged_paths(path);
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
