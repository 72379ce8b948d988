// mlvc.v1.AdminService on server/core's AdminService: users, tokens, roles, audit.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/admin.grpc.pb.h"
#include "server/core/admin_service.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(Edge& edge, core::AdminService& admin) : edge_(edge), admin_(admin) {}

  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest* request,
                      v1::WhoAmIResponse* response) override;
  grpc::Status CreateUser(grpc::ServerContext* context, const v1::CreateUserRequest* request,
                          v1::CreateUserResponse* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context, const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status DisableUser(grpc::ServerContext* context, const v1::DisableUserRequest* request,
                           v1::DisableUserResponse* response) override;
  grpc::Status EnableUser(grpc::ServerContext* context, const v1::EnableUserRequest* request,
                          v1::EnableUserResponse* response) override;
  grpc::Status CreateToken(grpc::ServerContext* context, const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context, const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context, const v1::RevokeTokenRequest* request,
                           v1::RevokeTokenResponse* response) override;
  grpc::Status GrantRole(grpc::ServerContext* context, const v1::GrantRoleRequest* request,
                         v1::GrantRoleResponse* response) override;
  grpc::Status RevokeRole(grpc::ServerContext* context, const v1::RevokeRoleRequest* request,
                          v1::RevokeRoleResponse* response) override;
  grpc::Status ListRoles(grpc::ServerContext* context, const v1::ListRolesRequest* request,
                         v1::ListRolesResponse* response) override;
  grpc::Status ListAudit(grpc::ServerContext* context, const v1::ListAuditRequest* request,
                         v1::ListAuditResponse* response) override;

 private:
  Edge& edge_;
  core::AdminService& admin_;
};

}  // namespace mlvc::server::rpc
