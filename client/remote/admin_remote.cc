// Remote's AdminService calls: who am I, users, tokens, roles and the audit log.
#include "client/remote/remote.h"
#include "client/remote/remote_internal.h"

namespace mlvc::client::remote {
namespace {

UserInfo FromPb(const pb::User& in) {
  UserInfo out;
  out.name = in.name();
  out.admin = in.admin();
  out.service = in.service();
  out.disabled = in.disabled();
  out.created_at_micros = in.created_at_micros();
  return out;
}

TokenInfo FromPb(const pb::Token& in) {
  TokenInfo out;
  out.id = in.id();
  out.user = in.user();
  out.name = in.name();
  out.created_by = in.created_by();
  out.created_at_micros = in.created_at_micros();
  out.expires_at_micros = in.expires_at_micros();
  out.last_used_at_micros = in.last_used_at_micros();
  out.revoked_at_micros = in.revoked_at_micros();
  return out;
}

RoleGrantInfo FromPb(const pb::RoleGrant& in) {
  return RoleGrantInfo{in.repository(), in.user(), in.role(), in.granted_at_micros()};
}

AuditEntryInfo FromPb(const pb::AuditEntry& in) {
  AuditEntryInfo out;
  out.id = in.id();
  out.at_micros = in.at_micros();
  out.user = in.user();
  out.token_id = in.token_id();
  out.action = in.action();
  out.repository = in.repository();
  out.target = in.target();
  out.client_addr = in.client_addr();
  out.result = in.result();
  return out;
}

}  // namespace

absl::StatusOr<WhoAmIInfo> Remote::WhoAmI() {
  pb::WhoAmIRequest request;
  pb::WhoAmIResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->admin->WhoAmI(context.get(), request, &response));
  if (!status.ok()) return status;
  return WhoAmIInfo{FromPb(response.user()), response.token_id()};
}

absl::StatusOr<CreatedUserInfo> Remote::CreateUser(const std::string& name, bool admin,
                                                   bool service) {
  pb::CreateUserRequest request;
  request.set_name(name);
  request.set_admin(admin);
  request.set_service(service);
  pb::CreateUserResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->CreateUser(context.get(), request, &response));
  if (!status.ok()) return status;
  CreatedUserInfo out;
  out.user = FromPb(response.user());
  if (!response.secret().empty()) {
    out.token = IssuedTokenInfo{FromPb(response.token()), response.secret()};
  }
  return out;
}

absl::StatusOr<std::vector<UserInfo>> Remote::ListUsers() {
  pb::ListUsersRequest request;
  pb::ListUsersResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->ListUsers(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<UserInfo> out;
  for (const pb::User& u : response.users()) out.push_back(FromPb(u));
  return out;
}

absl::StatusOr<UserInfo> Remote::DisableUser(const std::string& name) {
  pb::DisableUserRequest request;
  request.set_user(name);
  pb::DisableUserResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->DisableUser(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.user());
}

absl::StatusOr<UserInfo> Remote::EnableUser(const std::string& name) {
  pb::EnableUserRequest request;
  request.set_user(name);
  pb::EnableUserResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->EnableUser(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.user());
}

absl::StatusOr<IssuedTokenInfo> Remote::CreateToken(const std::string& user,
                                                    const std::string& name,
                                                    int64_t lifetime_seconds) {
  pb::CreateTokenRequest request;
  request.set_user(user);
  request.set_name(name);
  request.set_lifetime_seconds(lifetime_seconds);
  pb::CreateTokenResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->CreateToken(context.get(), request, &response));
  if (!status.ok()) return status;
  return IssuedTokenInfo{FromPb(response.token()), response.secret()};
}

absl::StatusOr<std::vector<TokenInfo>> Remote::ListTokens(const std::string& user, bool all) {
  pb::ListTokensRequest request;
  request.set_user(user);
  request.set_all(all);
  pb::ListTokensResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->ListTokens(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<TokenInfo> out;
  for (const pb::Token& t : response.tokens()) out.push_back(FromPb(t));
  return out;
}

absl::StatusOr<TokenInfo> Remote::RevokeToken(int64_t token_id) {
  pb::RevokeTokenRequest request;
  request.set_token_id(token_id);
  pb::RevokeTokenResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->RevokeToken(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.token());
}

absl::StatusOr<RoleGrantInfo> Remote::GrantRole(const std::string& repository,
                                                const std::string& user,
                                                const std::string& role) {
  pb::GrantRoleRequest request;
  request.set_repository(repository);
  request.set_grantee(user);
  request.set_role(role);
  pb::GrantRoleResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->GrantRole(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.grant());
}

absl::Status Remote::RevokeRole(const std::string& repository, const std::string& user) {
  pb::RevokeRoleRequest request;
  request.set_repository(repository);
  request.set_grantee(user);
  pb::RevokeRoleResponse response;
  auto context = impl_->Unary();
  return impl_->Convert(impl_->admin->RevokeRole(context.get(), request, &response));
}

absl::StatusOr<RoleListingInfo> Remote::ListRoles(const std::string& repository,
                                                  const std::string& user) {
  pb::ListRolesRequest request;
  request.set_repository(repository);
  request.set_grantee(user);
  pb::ListRolesResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->ListRoles(context.get(), request, &response));
  if (!status.ok()) return status;
  RoleListingInfo out;
  for (const pb::RoleGrant& g : response.roles()) out.roles.push_back(FromPb(g));
  out.default_role = response.default_role();
  return out;
}

absl::StatusOr<std::vector<AuditEntryInfo>> Remote::ListAudit(const AuditQueryInfo& query) {
  pb::ListAuditRequest request;
  request.set_repository(query.repository);
  request.set_actor(query.user);
  request.set_action(query.action);
  request.set_since_micros(query.since_micros);
  request.set_after_id(query.after_id);
  request.set_limit(query.limit);
  pb::ListAuditResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->admin->ListAudit(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<AuditEntryInfo> out;
  for (const pb::AuditEntry& e : response.entries()) out.push_back(FromPb(e));
  return out;
}

}  // namespace mlvc::client::remote
