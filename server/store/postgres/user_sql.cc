// Users and tokens.
#include <pqxx/pqxx>

#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareUserStatements(pqxx::connection& conn) {
  // ON CONFLICT DO NOTHING reports a taken name without an error, which would otherwise
  // abort the whole transaction.
  conn.prepare("user_create",
               "INSERT INTO users (name, is_admin) VALUES ($1, $2) "
               "ON CONFLICT (name) DO NOTHING RETURNING id, name, is_admin");
  conn.prepare("user_by_name", "SELECT id, name, is_admin FROM users WHERE name = $1");
  conn.prepare("token_add",
               "INSERT INTO tokens (user_id, hash, label) VALUES ($1, $2, $3)"
               " ON CONFLICT (hash) DO NOTHING RETURNING id");
  // Touches last_used_at at most once a minute, so that concurrent requests with one token
  // do not all queue on that token's row lock.
  conn.prepare("token_find",
               "WITH found AS ("
               "  SELECT t.id AS token_id, t.last_used_at, u.id, u.name, u.is_admin"
               "  FROM tokens t JOIN users u ON u.id = t.user_id"
               "  WHERE t.hash = $1 AND t.revoked_at IS NULL"
               "    AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled),"
               " touched AS ("
               "  UPDATE tokens SET last_used_at = now() WHERE id IN ("
               "    SELECT token_id FROM found WHERE last_used_at IS NULL"
               "      OR last_used_at < now() - interval '1 minute'))"
               " SELECT id, name, is_admin FROM found");
}

namespace {

UserRecord UserFromRow(const pqxx::row& row) {
  UserRecord user;
  user.id = row[0].as<int64_t>();
  user.name = row[1].as<std::string>();
  user.is_admin = row[2].as<bool>();
  return user;
}

}  // namespace

absl::StatusOr<UserRecord> PgTxn::CreateUser(const std::string& name, bool is_admin) {
  return Run("create user", [&]() -> absl::StatusOr<UserRecord> {
    pqxx::result r = w_.exec_prepared("user_create", name, is_admin);
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

absl::Status PgTxn::AddToken(int64_t user_id, const std::string& token_hash,
                             const std::string& label) {
  return Run("add token", [&]() -> absl::Status {
    pqxx::result r = w_.exec_prepared("token_add", user_id, token_hash, label);
    if (r.empty()) return absl::AlreadyExistsError("a token with that hash already exists");
    return absl::OkStatus();
  });
}

absl::StatusOr<UserRecord> PgTxn::FindUserByTokenHash(const std::string& token_hash) {
  return Run("find token", [&]() -> absl::StatusOr<UserRecord> {
    pqxx::result r = w_.exec_prepared("token_find", token_hash);
    if (r.empty()) return absl::NotFoundError("no valid token with that hash");
    return UserFromRow(r[0]);
  });
}

}  // namespace mlvc::server::store::internal
