// How the administration commands print (`mlvc admin ...`, `mlvc whoami`, `mlvc repo list`):
// one JSON shape per record (--json; stable, documented in each command's --help) and the
// human tables. Pure: values in, text or JSON out, so it is unit-tested without a server.
//
// Shapes (times ISO 8601 UTC; a time that is "none" is null):
//   user:     {"name","kind":"user"|"admin"|"service","admin","service","disabled",
//              "created_at"}
//   token:    {"id","user","name","created_by","created_at","expires_at","last_used_at",
//              "revoked_at","state":"active"|"expired"|"revoked"}      (never a secret)
//   role:     {"repository","user","role","granted_at"}
//   roles:    {"repository":R|null,"default_role":D|null,"roles":[role]}
//   audit:    {"id","at","user","token_id","action","repository","target","client_addr",
//              "result"}
//   repository: {"name","created_by","created_at","role","default_role"}
// Requires: client/remote types, record_render (Table, times), nlohmann-json. Used by:
// client/cli (admin_cmd, whoami, repo_cmd) and tests/unit/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/remote/admin_types.h"
#include "client/remote/remote_types.h"
#include "nlohmann/json.hpp"

namespace mlvc::client::cli {

// "admin", "service" or "user".
std::string UserKind(const remote::UserInfo& user);
// "revoked", "expired" (at `now_micros`) or "active".
std::string TokenState(const remote::TokenInfo& token, int64_t now_micros);

nlohmann::json UserJson(const remote::UserInfo& user);
nlohmann::json TokenJson(const remote::TokenInfo& token, int64_t now_micros);
nlohmann::json RoleJson(const remote::RoleGrantInfo& grant);
// `repository` empty: a listing across repositories ("repository": null).
nlohmann::json RolesJson(const std::string& repository, const remote::RoleListingInfo& roles);
nlohmann::json AuditJson(const remote::AuditEntryInfo& entry);
nlohmann::json RepositoryJson(const remote::RepositoryInfo& repository);

// "NAME  KIND  STATE  CREATED" columns, one user per line.
std::string UsersTable(const std::vector<remote::UserInfo>& users);
// "ID  USER  NAME  CREATED  EXPIRES  LAST USED  STATE" columns.
std::string TokensTable(const std::vector<remote::TokenInfo>& tokens, int64_t now_micros);
// "REPOSITORY  USER  ROLE  GRANTED" columns.
std::string RolesTable(const std::vector<remote::RoleGrantInfo>& roles);
// "ID  TIME  USER  ACTION  REPOSITORY  TARGET  RESULT" columns.
std::string AuditTable(const std::vector<remote::AuditEntryInfo>& entries);
// "REPOSITORY  ROLE  DEFAULT ROLE" columns: the caller's role on each.
std::string RepositoriesTable(const std::vector<remote::RepositoryInfo>& repositories);
// "alice (server admin) on 127.0.0.1:7070, token 3".
std::string WhoAmIText(const remote::WhoAmIInfo& who, const std::string& server);

}  // namespace mlvc::client::cli
