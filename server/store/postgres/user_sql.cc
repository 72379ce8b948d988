// Users and tokens. Tokens are stored as the SHA-256 hex of their secret only.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

#define MLVC_USER_COLUMNS \
  " u.id, u.name, u.is_admin, u.is_service, u.disabled, " MLVC_MICROS("u.created_at")

#define MLVC_TOKEN_COLUMNS                                                                  \
  " t.id, t.user_id, u.name, t.label, coalesce(c.name, ''), " MLVC_MICROS("t.created_at") \
  ", " MLVC_MICROS("t.expires_at") ", " MLVC_MICROS("t.last_used_at") ", "                 \
  MLVC_MICROS("t.revoked_at")

#define MLVC_TOKEN_FROM \
  " FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN users c ON c.id = t.created_by"

void PrepareUserStatements(pqxx::connection& conn) {
  // ON CONFLICT DO NOTHING reports a taken name without an error, which would otherwise
  // abort the whole transaction.
  conn.prepare("user_create",
               "WITH u AS (INSERT INTO users (name, is_admin, is_service) VALUES ($1, $2, $3)"
               " ON CONFLICT (name) DO NOTHING RETURNING *)"
               " SELECT" MLVC_USER_COLUMNS " FROM u");
  conn.prepare("user_by_name", "SELECT" MLVC_USER_COLUMNS " FROM users u WHERE u.name = $1");
  conn.prepare("user_list",
               "SELECT" MLVC_USER_COLUMNS " FROM users u ORDER BY u.name COLLATE \"C\"");
  conn.prepare("user_set_disabled", "UPDATE users SET disabled = $2 WHERE id = $1 RETURNING id");
  conn.prepare("token_insert",
               "INSERT INTO tokens (user_id, hash, label, expires_at, created_by)"
               " VALUES ($1, $2, $3, now() + make_interval(secs => $4::bigint), $5)"
               " ON CONFLICT (hash) DO NOTHING RETURNING id");
  conn.prepare("token_get", "SELECT" MLVC_TOKEN_COLUMNS MLVC_TOKEN_FROM " WHERE t.id = $1");
  conn.prepare("token_list",
               "SELECT" MLVC_TOKEN_COLUMNS MLVC_TOKEN_FROM
               " WHERE ($1::bigint IS NULL OR t.user_id = $1) ORDER BY t.id DESC");
  conn.prepare("token_revoke",
               "UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"
               " RETURNING id");
  // Touches last_used_at at most once a minute, so that concurrent requests with one token
  // do not all queue on that token's row lock.
  conn.prepare("token_lookup",
               "WITH found AS ("
               "  SELECT t.id AS token_id, t.last_used_at, t.revoked_at IS NOT NULL AS revoked,"
               "   (t.expires_at IS NOT NULL AND t.expires_at <= now()) AS expired,"
               "   u.id, u.name, u.is_admin, u.is_service, u.disabled,"
               "   " MLVC_MICROS("u.created_at") " AS created_at"
               "  FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1),"
               " touched AS ("
               "  UPDATE tokens SET last_used_at = now() WHERE id IN ("
               "    SELECT token_id FROM found WHERE NOT revoked AND NOT expired AND NOT disabled"
               "      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')))"
               " SELECT token_id, revoked, expired, id, name, is_admin, is_service, disabled,"
               "  created_at FROM found");
}

namespace {

// Reads the MLVC_USER_COLUMNS starting at column `first`.
UserRecord UserFromRow(const pqxx::row& row, int first = 0) {
  UserRecord user;
  user.id = row[first].as<int64_t>();
  user.name = row[first + 1].as<std::string>();
  user.is_admin = row[first + 2].as<bool>();
  user.is_service = row[first + 3].as<bool>();
  user.disabled = row[first + 4].as<bool>();
  user.created_at_micros = row[first + 5].as<int64_t>();
  return user;
}

std::optional<int64_t> OptionalMicros(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<int64_t>();
}

TokenRecord TokenFromRow(const pqxx::row& row) {
  TokenRecord token;
  token.id = row[0].as<int64_t>();
  token.user_id = row[1].as<int64_t>();
  token.user_name = row[2].as<std::string>();
  token.label = row[3].as<std::string>();
  token.created_by = row[4].as<std::string>();
  token.created_at_micros = row[5].as<int64_t>();
  token.expires_at_micros = OptionalMicros(row[6]);
  token.last_used_at_micros = OptionalMicros(row[7]);
  token.revoked_at_micros = OptionalMicros(row[8]);
  return token;
}

}  // namespace

absl::StatusOr<UserRecord> PgTxn::CreateUser(const std::string& name, bool is_admin,
                                             bool is_service) {
  return Run("create user", [&]() -> absl::StatusOr<UserRecord> {
    pqxx::result r = w_.exec_prepared("user_create", name, is_admin, is_service);
    if (r.empty()) return absl::AlreadyExistsError("user '" + name + "' already exists");
    return UserFromRow(r[0]);
  });
}

absl::StatusOr<UserRecord> PgTxn::GetUserByName(const std::string& name) {
  return Run("get user", [&]() -> absl::StatusOr<UserRecord> {
    pqxx::result r = w_.exec_prepared("user_by_name", name);
    if (r.empty()) return absl::NotFoundError("no user '" + name + "'");
    return UserFromRow(r[0]);
  });
}

absl::StatusOr<std::vector<UserRecord>> PgTxn::ListUsers() {
  return Run("list users", [&]() -> absl::StatusOr<std::vector<UserRecord>> {
    std::vector<UserRecord> out;
    for (const auto& row : w_.exec_prepared("user_list")) out.push_back(UserFromRow(row));
    return out;
  });
}

absl::Status PgTxn::SetUserDisabled(int64_t user_id, bool disabled) {
  return Run("set user disabled", [&]() -> absl::Status {
    if (w_.exec_prepared("user_set_disabled", user_id, disabled).empty()) {
      return absl::NotFoundError(absl::StrCat("no user with id ", user_id));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<TokenRecord> PgTxn::InsertToken(const NewTokenRow& token) {
  absl::StatusOr<int64_t> id = Run("add token", [&]() -> absl::StatusOr<int64_t> {
    const NullableInt lifetime(token.lifetime_seconds);
    const NullableInt created_by(token.created_by);
    pqxx::result r = w_.exec_prepared("token_insert", token.user_id, token.hash, token.label,
                                      lifetime.get(), created_by.get());
    if (r.empty()) return absl::AlreadyExistsError("a token with that hash already exists");
    return r[0][0].as<int64_t>();
  });
  if (!id.ok()) return id.status();
  return GetToken(*id);
}

absl::StatusOr<std::vector<TokenRecord>> PgTxn::ListTokens(std::optional<int64_t> user_id) {
  return Run("list tokens", [&]() -> absl::StatusOr<std::vector<TokenRecord>> {
    const NullableInt user(user_id);
    std::vector<TokenRecord> out;
    for (const auto& row : w_.exec_prepared("token_list", user.get())) {
      out.push_back(TokenFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<TokenRecord> PgTxn::GetToken(int64_t token_id) {
  return Run("get token", [&]() -> absl::StatusOr<TokenRecord> {
    pqxx::result r = w_.exec_prepared("token_get", token_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no token with id ", token_id));
    return TokenFromRow(r[0]);
  });
}

absl::StatusOr<TokenRecord> PgTxn::RevokeToken(int64_t token_id) {
  absl::Status revoked = Run("revoke token", [&]() -> absl::Status {
    if (w_.exec_prepared("token_revoke", token_id).empty()) {
      return absl::NotFoundError(absl::StrCat("no token with id ", token_id));
    }
    return absl::OkStatus();
  });
  if (!revoked.ok()) return revoked;
  return GetToken(token_id);
}

absl::StatusOr<TokenLookup> PgTxn::LookupToken(const std::string& token_hash) {
  return Run("find token", [&]() -> absl::StatusOr<TokenLookup> {
    pqxx::result r = w_.exec_prepared("token_lookup", token_hash);
    if (r.empty()) return absl::NotFoundError("no token with that hash");
    TokenLookup out;
    out.token_id = r[0][0].as<int64_t>();
    out.revoked = r[0][1].as<bool>();
    out.expired = r[0][2].as<bool>();
    out.user = UserFromRow(r[0], 3);
    return out;
  });
}

}  // namespace mlvc::server::store::internal
