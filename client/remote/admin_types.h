// Plain values of the administration calls (AdminService, proto/mlvc/v1/admin.proto): users
// and service accounts, tokens, roles and audit rows, so that no protobuf type leaves
// client/remote. Times are microseconds since the Unix epoch (UTC); 0 means "none".
// Requires: nothing. Used by: client/remote (remote.h), client/ops, client/cli.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlvc::client::remote {

struct UserInfo {
  std::string name;
  bool admin = false;
  // A service account (a CI runner): holds only tokens an admin issues.
  bool service = false;
  bool disabled = false;
  int64_t created_at_micros = 0;
};

// A token as lists show it: never its secret.
struct TokenInfo {
  int64_t id = 0;
  std::string user;
  std::string name;
  std::string created_by;  // empty when issued on the server's command line
  int64_t created_at_micros = 0;
  int64_t expires_at_micros = 0;    // 0: never expires
  int64_t last_used_at_micros = 0;  // 0: never used
  int64_t revoked_at_micros = 0;    // 0: not revoked
};

// A token just issued, with its secret: the one time anyone sees it.
struct IssuedTokenInfo {
  TokenInfo token;
  std::string secret;
};

// A user just created, with its first token unless it is a service account.
struct CreatedUserInfo {
  UserInfo user;
  std::optional<IssuedTokenInfo> token;
};

// Who a token belongs to (WhoAmI).
struct WhoAmIInfo {
  UserInfo user;
  int64_t token_id = 0;
};

struct RoleGrantInfo {
  std::string repository;
  std::string user;
  std::string role;  // "reader", "writer" or "maintainer"
  int64_t granted_at_micros = 0;
};

struct RoleListingInfo {
  std::vector<RoleGrantInfo> roles;
  // The repository's default role ("none", "reader", "writer") when the listing named one;
  // empty otherwise.
  std::string default_role;
};

// Which audit rows to list (every field optional).
struct AuditQueryInfo {
  std::string repository;    // empty: every repository (server admins only)
  std::string user;          // only rows of this user
  std::string action;        // only rows of this action ("role.grant", "submit", ...)
  int64_t since_micros = 0;  // only rows at or after this time; 0: any
  int64_t after_id = 0;      // only rows older than this id (the last of the previous page)
  int limit = 0;             // 0: the server's default (50); capped by the server at 1,000
};

struct AuditEntryInfo {
  int64_t id = 0;
  int64_t at_micros = 0;
  std::string user;  // empty: unknown (an invalid token) or the server's command line
  int64_t token_id = 0;
  std::string action;
  std::string repository;  // empty when the action concerns none
  std::string target;
  std::string client_addr;
  std::string result;  // "ok", "ok (replayed)" or "refused: CODE: sentence"
};

}  // namespace mlvc::client::remote
