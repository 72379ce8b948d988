// mlvc.v1.HistoryService on server/core's HistoryService.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/history.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/history_service.h"
#include "server/core/merge_service.h"

namespace mlvc::server::rpc {

class HistoryServiceImpl final : public v1::HistoryService::Service {
 public:
  HistoryServiceImpl(Edge& edge, core::HistoryService& history)
      : edge_(edge), history_(history) {}

  grpc::Status GetTree(grpc::ServerContext* context, const v1::GetTreeRequest* request,
                       grpc::ServerWriter<v1::GetTreeResponse>* writer) override;
  grpc::Status Log(grpc::ServerContext* context, const v1::LogRequest* request,
                   v1::LogResponse* response) override;
  grpc::Status GetChangeset(grpc::ServerContext* context, const v1::GetChangesetRequest* request,
                            v1::GetChangesetResponse* response) override;
  grpc::Status Diff(grpc::ServerContext* context, const v1::DiffRequest* request,
                    v1::DiffResponse* response) override;
  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override;
  // merge_impl.cc; UNIMPLEMENTED until SetMergeService was called.
  grpc::Status Merge(grpc::ServerContext* context, const v1::MergeRequest* request,
                     v1::MergeResponse* response) override;

  // Set once, before serving; `merge` must outlive this service.
  void SetMergeService(core::MergeService* merge) { merge_ = merge; }

 private:
  Edge& edge_;
  core::HistoryService& history_;
  core::MergeService* merge_ = nullptr;
};

}  // namespace mlvc::server::rpc
