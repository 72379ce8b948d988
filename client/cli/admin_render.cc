#include "client/cli/admin_render.h"

#include "absl/strings/str_cat.h"
#include "client/cli/record_render.h"

namespace mlvc::client::cli {
namespace {

// A time that may be "none" (0): null in JSON.
nlohmann::json OptionalTime(int64_t micros) {
  return micros == 0 ? nlohmann::json(nullptr) : nlohmann::json(RecordIsoTime(micros));
}

std::string HumanOr(int64_t micros, const std::string& none) {
  return micros == 0 ? none : RecordHumanTime(micros);
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

}  // namespace

std::string UserKind(const remote::UserInfo& user) {
  if (user.admin) return "admin";
  if (user.service) return "service";
  return "user";
}

std::string TokenState(const remote::TokenInfo& token, int64_t now_micros) {
  if (token.revoked_at_micros != 0) return "revoked";
  if (token.expires_at_micros != 0 && token.expires_at_micros <= now_micros) return "expired";
  return "active";
}

nlohmann::json UserJson(const remote::UserInfo& user) {
  return {{"name", user.name},         {"kind", UserKind(user)},
          {"admin", user.admin},       {"service", user.service},
          {"disabled", user.disabled}, {"created_at", OptionalTime(user.created_at_micros)}};
}

nlohmann::json TokenJson(const remote::TokenInfo& token, int64_t now_micros) {
  return {{"id", token.id},
          {"user", token.user},
          {"name", token.name},
          {"created_by", token.created_by},
          {"created_at", OptionalTime(token.created_at_micros)},
          {"expires_at", OptionalTime(token.expires_at_micros)},
          {"last_used_at", OptionalTime(token.last_used_at_micros)},
          {"revoked_at", OptionalTime(token.revoked_at_micros)},
          {"state", TokenState(token, now_micros)}};
}

nlohmann::json RoleJson(const remote::RoleGrantInfo& grant) {
  return {{"repository", grant.repository},
          {"user", grant.user},
          {"role", grant.role},
          {"granted_at", OptionalTime(grant.granted_at_micros)}};
}

nlohmann::json RolesJson(const std::string& repository, const remote::RoleListingInfo& roles) {
  nlohmann::json list = nlohmann::json::array();
  for (const remote::RoleGrantInfo& grant : roles.roles) list.push_back(RoleJson(grant));
  return {{"repository", repository.empty() ? nlohmann::json(nullptr) : nlohmann::json(repository)},
          {"default_role", roles.default_role.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(roles.default_role)},
          {"roles", list}};
}

nlohmann::json AuditJson(const remote::AuditEntryInfo& entry) {
  return {{"id", entry.id},
          {"at", OptionalTime(entry.at_micros)},
          {"user", entry.user},
          {"token_id", entry.token_id},
          {"action", entry.action},
          {"repository", entry.repository},
          {"target", entry.target},
          {"client_addr", entry.client_addr},
          {"result", entry.result}};
}

nlohmann::json RepositoryJson(const remote::RepositoryInfo& repository) {
  return {{"name", repository.name},
          {"created_by", repository.created_by},
          {"created_at", OptionalTime(repository.created_at_micros)},
          {"role", repository.role},
          {"default_role", repository.default_role}};
}

std::string UsersTable(const std::vector<remote::UserInfo>& users) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "KIND", "STATE", "CREATED"}};
  for (const remote::UserInfo& u : users) {
    rows.push_back({u.name, UserKind(u), u.disabled ? "disabled" : "enabled",
                    HumanOr(u.created_at_micros, "-")});
  }
  return Table(rows);
}

std::string TokensTable(const std::vector<remote::TokenInfo>& tokens, int64_t now_micros) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "USER", "NAME", "CREATED", "EXPIRES", "LAST USED", "STATE"}};
  for (const remote::TokenInfo& t : tokens) {
    rows.push_back({std::to_string(t.id), t.user, OrDash(t.name),
                    HumanOr(t.created_at_micros, "-"), HumanOr(t.expires_at_micros, "never"),
                    HumanOr(t.last_used_at_micros, "never"), TokenState(t, now_micros)});
  }
  return Table(rows);
}

std::string RolesTable(const std::vector<remote::RoleGrantInfo>& roles) {
  std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "USER", "ROLE", "GRANTED"}};
  for (const remote::RoleGrantInfo& r : roles) {
    rows.push_back({r.repository, r.user, r.role, HumanOr(r.granted_at_micros, "-")});
  }
  return Table(rows);
}

std::string AuditTable(const std::vector<remote::AuditEntryInfo>& entries) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "TIME", "USER", "ACTION", "REPOSITORY", "TARGET", "RESULT"}};
  for (const remote::AuditEntryInfo& e : entries) {
    rows.push_back({std::to_string(e.id), HumanOr(e.at_micros, "-"), OrDash(e.user), e.action,
                    OrDash(e.repository), OrDash(e.target), e.result});
  }
  return Table(rows);
}

std::string RepositoriesTable(const std::vector<remote::RepositoryInfo>& repositories) {
  std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "ROLE", "DEFAULT ROLE"}};
  for (const remote::RepositoryInfo& r : repositories) {
    rows.push_back({r.name, OrDash(r.role), OrDash(r.default_role)});
  }
  return Table(rows);
}

std::string WhoAmIText(const remote::WhoAmIInfo& who, const std::string& server) {
  std::string kind = who.user.admin     ? "server admin"
                     : who.user.service ? "service account"
                                        : "user";
  return absl::StrCat(who.user.name, " (", kind, ") on ", server, ", token ", who.token_id);
}

}  // namespace mlvc::client::cli
