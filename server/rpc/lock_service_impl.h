// mlvc.v1.LockService on server/core's LockService.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/lock.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/lock_service.h"

namespace mlvc::server::rpc {

class LockServiceImpl final : public v1::LockService::Service {
 public:
  LockServiceImpl(Edge& edge, core::LockService& locks)
      : edge_(edge), locks_(locks) {}

  grpc::Status Lock(grpc::ServerContext* context, const v1::LockRequest* request,
                    v1::LockResponse* response) override;
  grpc::Status Unlock(grpc::ServerContext* context, const v1::UnlockRequest* request,
                      v1::UnlockResponse* response) override;
  grpc::Status ListLocks(grpc::ServerContext* context, const v1::ListLocksRequest* request,
                         v1::ListLocksResponse* response) override;
  grpc::Status GetLockablePatterns(grpc::ServerContext* context,
                                   const v1::GetLockablePatternsRequest* request,
                                   v1::GetLockablePatternsResponse* response) override;
  grpc::Status SetLockablePatterns(grpc::ServerContext* context,
                                   const v1::SetLockablePatternsRequest* request,
                                   v1::SetLockablePatternsResponse* response) override;

 private:
  Edge& edge_;
  core::LockService& locks_;
};

}  // namespace mlvc::server::rpc
