// mlvc.v1.RecordService on server/core's RecordService: converts messages and maps statuses;
// roles are checked in core (reader to read, writer to record and approve, maintainer to set
// a policy).
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/record.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/record_service.h"

namespace mlvc::server::rpc {

class RecordServiceImpl final : public v1::RecordService::Service {
 public:
  RecordServiceImpl(Edge& edge, core::RecordService& record)
      : edge_(edge), record_(record) {}

  grpc::Status RecordRun(grpc::ServerContext* context, const v1::RecordRunRequest* request,
                         v1::RecordRunResponse* response) override;
  grpc::Status PushModel(grpc::ServerContext* context, const v1::PushModelRequest* request,
                         v1::PushModelResponse* response) override;
  grpc::Status GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request,
                      v1::GetRunResponse* response) override;
  grpc::Status ListRuns(grpc::ServerContext* context, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override;
  grpc::Status FindRun(grpc::ServerContext* context, const v1::FindRunRequest* request,
                       v1::FindRunResponse* response) override;
  grpc::Status ExplainModel(grpc::ServerContext* context, const v1::ExplainModelRequest* request,
                            v1::ExplainModelResponse* response) override;
  grpc::Status ChangesSince(grpc::ServerContext* context, const v1::ChangesSinceRequest* request,
                            v1::ChangesSinceResponse* response) override;
  grpc::Status MetricHistory(grpc::ServerContext* context,
                             const v1::MetricHistoryRequest* request,
                             v1::MetricHistoryResponse* response) override;
  grpc::Status FindRegressions(grpc::ServerContext* context,
                               const v1::FindRegressionsRequest* request,
                               v1::FindRegressionsResponse* response) override;
  grpc::Status ApproveChangeset(grpc::ServerContext* context,
                                const v1::ApproveChangesetRequest* request,
                                v1::ApproveChangesetResponse* response) override;
  grpc::Status SetPolicy(grpc::ServerContext* context, const v1::SetPolicyRequest* request,
                         v1::SetPolicyResponse* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context, const v1::GetPolicyRequest* request,
                         v1::GetPolicyResponse* response) override;
  grpc::Status CheckPolicy(grpc::ServerContext* context, const v1::CheckPolicyRequest* request,
                           v1::CheckPolicyResponse* response) override;

 private:
  Edge& edge_;
  core::RecordService& record_;
};

// Conversions, public for the release service's ExplainModel users and tests.
void ToProto(const store::RunRecord& in, v1::Run* out);
void ToProto(const core::ChangesSinceResult& in, v1::ChangesSinceResponse* out);
core::RunSpec FromProto(const v1::RunSpec& in);

}  // namespace mlvc::server::rpc
