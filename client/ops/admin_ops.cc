#include "client/ops/admin_ops.h"

#include "absl/strings/str_cat.h"
#include "client/ops/ops_internal.h"
#include "common/status/status_macros.h"
#include "common/time/duration.h"

namespace mlvc::client::ops {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

absl::StatusOr<int64_t> ParseTokenLifetime(std::string_view text) {
  if (text == "never") return 0;
  absl::StatusOr<int64_t> seconds = common::ParseDurationSeconds(text);
  if (!seconds.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", View(text), "' is not a token lifetime (like 30d, 12h or 90m, or never)"));
  }
  return *seconds;
}

absl::StatusOr<int64_t> ParseSince(std::string_view text, absl::Time now) {
  if (absl::StatusOr<int64_t> ago = common::ParseDurationSeconds(text); ago.ok()) {
    return absl::ToUnixMicros(now - absl::Seconds(*ago));
  }
  // RFC 3339 first (its zone says which instant); the rest are read as UTC, since a time
  // typed without a zone in an audit query most often comes from a UTC log line.
  static constexpr const char* kFormats[] = {
      absl::RFC3339_full,     "%Y-%m-%d%ET%H:%M:%E*S", "%Y-%m-%d %H:%M:%E*S",
      "%Y-%m-%d%ET%H:%M",     "%Y-%m-%d %H:%M",        "%Y-%m-%d",
  };
  const std::string input(text);
  for (const char* format : kFormats) {
    absl::Time t;
    std::string ignored;
    if (absl::ParseTime(format, input, absl::UTCTimeZone(), &t, &ignored)) {
      return absl::ToUnixMicros(t);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", View(text),
      "' is neither a duration ago (like 2h or 7d) nor a time (like 2026-05-01 or "
      "2026-05-01T12:00:00Z)"));
}

absl::Status CheckRoleName(std::string_view role) {
  if (role == "reader" || role == "writer" || role == "maintainer") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role '", View(role), "' (reader, writer or maintainer)"));
}

absl::Status CheckDefaultRoleName(std::string_view role) {
  if (role == "none" || role == "reader" || role == "writer") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown default role '", View(role), "' (none, reader or writer)"));
}

absl::StatusOr<remote::WhoAmIInfo> WhoAmI(const Endpoint& endpoint) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->WhoAmI();
}

absl::StatusOr<remote::CreatedUserInfo> CreateUser(const Endpoint& endpoint,
                                                   const std::string& name, bool admin,
                                                   bool service) {
  if (admin && service) {
    return absl::InvalidArgumentError("a service account cannot be a server admin");
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateUser(name, admin, service);
}

absl::StatusOr<std::vector<remote::UserInfo>> ListUsers(const Endpoint& endpoint) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListUsers();
}

absl::StatusOr<remote::UserInfo> SetUserDisabled(const Endpoint& endpoint,
                                                 const std::string& name, bool disabled) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return disabled ? remote->DisableUser(name) : remote->EnableUser(name);
}

absl::StatusOr<remote::IssuedTokenInfo> CreateToken(const Endpoint& endpoint,
                                                    const std::string& user,
                                                    const std::string& name,
                                                    int64_t lifetime_seconds) {
  if (lifetime_seconds < 0) {
    return absl::InvalidArgumentError("a token's lifetime must not be negative");
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateToken(user, name, lifetime_seconds);
}

absl::StatusOr<std::vector<remote::TokenInfo>> ListTokens(const Endpoint& endpoint,
                                                          const std::string& user, bool all) {
  if (all && !user.empty()) {
    return absl::InvalidArgumentError("give a user or ask for all, not both");
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListTokens(user, all);
}

absl::StatusOr<remote::TokenInfo> RevokeToken(const Endpoint& endpoint, int64_t token_id) {
  if (token_id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", token_id, "' is not a token id (see 'mlvc admin token list')"));
  }
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->RevokeToken(token_id);
}

absl::StatusOr<remote::RoleGrantInfo> GrantRole(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& user,
                                                const std::string& role) {
  RETURN_IF_ERROR(CheckRoleName(role));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->GrantRole(repository, user, role);
}

absl::Status RevokeRole(const Endpoint& endpoint, const std::string& repository,
                        const std::string& user) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->RevokeRole(repository, user);
}

absl::StatusOr<remote::RoleListingInfo> ListRoles(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  const std::string& user) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListRoles(repository, user);
}

absl::StatusOr<remote::RepositoryInfo> SetDefaultRole(const Endpoint& endpoint,
                                                      const std::string& repository,
                                                      const std::string& default_role) {
  RETURN_IF_ERROR(CheckDefaultRoleName(default_role));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->SetDefaultRole(repository, default_role);
}

absl::StatusOr<std::vector<remote::AuditEntryInfo>> ListAudit(
    const Endpoint& endpoint, const remote::AuditQueryInfo& query) {
  if (query.limit < 0) return absl::InvalidArgumentError("-n must not be negative");
  if (query.after_id < 0) return absl::InvalidArgumentError("--after must not be negative");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListAudit(query);
}

}  // namespace mlvc::client::ops
