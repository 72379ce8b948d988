#include "server/rpc/admin_service_impl.h"

#include "common/status/status_macros.h"

namespace mlvc::server::rpc {
namespace {

std::string Method(std::string_view name) { return MethodName<v1::AdminService>(name); }

void ToProto(const store::UserRecord& in, v1::User* out) {
  out->set_name(in.name);
  out->set_admin(in.is_admin);
  out->set_service(in.is_service);
  out->set_disabled(in.disabled);
  out->set_created_at_micros(in.created_at_micros);
}

void ToProto(const store::TokenRecord& in, v1::Token* out) {
  out->set_id(in.id);
  out->set_user(in.user_name);
  out->set_name(in.label);
  out->set_created_by(in.created_by);
  out->set_created_at_micros(in.created_at_micros);
  out->set_expires_at_micros(in.expires_at_micros.value_or(0));
  out->set_last_used_at_micros(in.last_used_at_micros.value_or(0));
  out->set_revoked_at_micros(in.revoked_at_micros.value_or(0));
}

void ToProto(const store::RoleRecord& in, v1::RoleGrant* out) {
  out->set_repository(in.repository);
  out->set_user(in.user_name);
  out->set_role(core::RoleName(in.role));
  out->set_granted_at_micros(in.granted_at_micros);
}

}  // namespace

grpc::Status AdminServiceImpl::WhoAmI(grpc::ServerContext* context,
                                      const v1::WhoAmIRequest* request,
                                      v1::WhoAmIResponse* response) {
  return HandleRpc(context, edge_, Method("WhoAmI"), *request, [&](const core::Caller& caller) {
    ToProto(caller.user, response->mutable_user());
    response->set_token_id(caller.token_id.value_or(0));
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::CreateUser(grpc::ServerContext* context,
                                          const v1::CreateUserRequest* request,
                                          v1::CreateUserResponse* response) {
  return HandleRpc(context, edge_, Method("CreateUser"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(core::CreatedUser created,
                                      admin_.CreateUser(caller, {request->name(), request->admin(),
                                                                 request->service()}));
                     ToProto(created.user, response->mutable_user());
                     if (created.token.has_value()) {
                       ToProto(created.token->record, response->mutable_token());
                       response->set_secret(created.token->secret);
                     }
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::ListUsers(grpc::ServerContext* context,
                                         const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  return HandleRpc(context, edge_, Method("ListUsers"), *request,
                   [&](const core::Caller&) -> absl::Status {
                     ASSIGN_OR_RETURN(std::vector<store::UserRecord> users, admin_.ListUsers());
                     for (const store::UserRecord& u : users) ToProto(u, response->add_users());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::DisableUser(grpc::ServerContext* context,
                                           const v1::DisableUserRequest* request,
                                           v1::DisableUserResponse* response) {
  return HandleRpc(context, edge_, Method("DisableUser"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(store::UserRecord user,
                                      admin_.SetUserDisabled(caller, request->user(), true));
                     ToProto(user, response->mutable_user());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::EnableUser(grpc::ServerContext* context,
                                          const v1::EnableUserRequest* request,
                                          v1::EnableUserResponse* response) {
  return HandleRpc(context, edge_, Method("EnableUser"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(store::UserRecord user,
                                      admin_.SetUserDisabled(caller, request->user(), false));
                     ToProto(user, response->mutable_user());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::CreateToken(grpc::ServerContext* context,
                                           const v1::CreateTokenRequest* request,
                                           v1::CreateTokenResponse* response) {
  return HandleRpc(
      context, edge_, Method("CreateToken"), *request,
      [&](const core::Caller& caller) -> absl::Status {
        if (request->lifetime_seconds() < 0) {
          return absl::InvalidArgumentError("a token's lifetime must not be negative");
        }
        core::NewTokenRequest want;
        want.user = request->user();
        want.label = request->name();
        if (request->lifetime_seconds() > 0) want.lifetime_seconds = request->lifetime_seconds();
        ASSIGN_OR_RETURN(core::IssuedToken issued, admin_.CreateToken(caller, want));
        ToProto(issued.record, response->mutable_token());
        response->set_secret(issued.secret);
        return absl::OkStatus();
      });
}

grpc::Status AdminServiceImpl::ListTokens(grpc::ServerContext* context,
                                          const v1::ListTokensRequest* request,
                                          v1::ListTokensResponse* response) {
  return HandleRpc(context, edge_, Method("ListTokens"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     if (request->all() && !caller.user.is_admin) {
                       return absl::PermissionDeniedError(
                           "you need to be a server admin to list every user's tokens");
                     }
                     if (request->all() && !request->user().empty()) {
                       return absl::InvalidArgumentError("give a user or ask for all, not both");
                     }
                     ASSIGN_OR_RETURN(std::vector<store::TokenRecord> tokens,
                                      admin_.ListTokens(caller, request->user(), request->all()));
                     for (const store::TokenRecord& t : tokens) ToProto(t, response->add_tokens());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::RevokeToken(grpc::ServerContext* context,
                                           const v1::RevokeTokenRequest* request,
                                           v1::RevokeTokenResponse* response) {
  return HandleRpc(context, edge_, Method("RevokeToken"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(store::TokenRecord token,
                                      admin_.RevokeToken(caller, request->token_id()));
                     ToProto(token, response->mutable_token());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::GrantRole(grpc::ServerContext* context,
                                         const v1::GrantRoleRequest* request,
                                         v1::GrantRoleResponse* response) {
  return HandleRpc(context, edge_, Method("GrantRole"), *request,
                   [&](const core::Caller& caller) -> absl::Status {
                     ASSIGN_OR_RETURN(core::Role role, core::ParseRole(request->role()));
                     ASSIGN_OR_RETURN(store::RoleRecord grant,
                                      admin_.GrantRole(caller, request->grantee(),
                                                       request->repository(), role));
                     ToProto(grant, response->mutable_grant());
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::RevokeRole(grpc::ServerContext* context,
                                          const v1::RevokeRoleRequest* request,
                                          v1::RevokeRoleResponse*) {
  return HandleRpc(context, edge_, Method("RevokeRole"), *request,
                   [&](const core::Caller& caller) {
                     return admin_.RevokeRole(caller, request->grantee(), request->repository());
                   });
}

grpc::Status AdminServiceImpl::ListRoles(grpc::ServerContext* context,
                                         const v1::ListRolesRequest* request,
                                         v1::ListRolesResponse* response) {
  return HandleRpc(context, edge_, Method("ListRoles"), *request,
                   [&](const core::Caller&) -> absl::Status {
                     ASSIGN_OR_RETURN(core::RoleListing listing,
                                      admin_.ListRoles(request->repository(), request->grantee()));
                     for (const store::RoleRecord& r : listing.roles) {
                       ToProto(r, response->add_roles());
                     }
                     if (listing.default_role.has_value()) {
                       response->set_default_role(core::DefaultRoleName(*listing.default_role));
                     }
                     return absl::OkStatus();
                   });
}

grpc::Status AdminServiceImpl::ListAudit(grpc::ServerContext* context,
                                         const v1::ListAuditRequest* request,
                                         v1::ListAuditResponse* response) {
  return HandleRpc(
      context, edge_, Method("ListAudit"), *request, [&](const core::Caller&) -> absl::Status {
        core::AuditQuery query;
        query.repository = request->repository();
        query.user = request->actor();
        query.action = request->action();
        if (request->since_micros() > 0) query.since_micros = request->since_micros();
        query.before_id = request->after_id();
        query.limit = request->limit();
        ASSIGN_OR_RETURN(std::vector<store::AuditEntry> entries, admin_.ListAudit(query));
        for (const store::AuditEntry& e : entries) {
          v1::AuditEntry* out = response->add_entries();
          out->set_id(e.id);
          out->set_at_micros(e.at_micros);
          out->set_user(e.user_name);
          out->set_token_id(e.record.token_id.value_or(0));
          out->set_action(e.record.action);
          out->set_repository(e.repository);
          out->set_target(e.record.target);
          out->set_client_addr(e.record.client_addr);
          out->set_result(e.record.result);
        }
        return absl::OkStatus();
      });
}

}  // namespace mlvc::server::rpc
