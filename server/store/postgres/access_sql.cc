// Roles (migration 0002) and default roles (migration 0009): who may do what on which
// repository. The rules that combine them live in server/core/access.h; this file only
// stores and reads them.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

absl::StatusOr<Role> RoleFromText(const std::string& text) {
  std::optional<Role> role = RoleNamed(text);
  if (!role) return absl::DataLossError(absl::StrCat("unknown role '", text, "' in the database"));
  return *role;
}

absl::StatusOr<std::optional<Role>> DefaultRoleFromText(const std::string& text) {
  if (text == "none") return std::optional<Role>();
  absl::StatusOr<Role> role = RoleFromText(text);
  if (!role.ok()) return role.status();
  return std::optional<Role>(*role);
}

void PrepareAccessStatements(pqxx::connection& conn) {
  conn.prepare("role_get",
               "SELECT r.name, ro.role, r.default_role FROM repositories r"
               " LEFT JOIN roles ro ON ro.repo_id = r.id AND ro.user_id = $2 WHERE r.id = $1");
  conn.prepare("role_set",
               "INSERT INTO roles (repo_id, user_id, role) VALUES ($1, $2, $3)"
               " ON CONFLICT (repo_id, user_id) DO UPDATE SET role = EXCLUDED.role,"
               " granted_at = now()");
  conn.prepare("role_delete",
               "DELETE FROM roles WHERE repo_id = $1 AND user_id = $2 RETURNING role");
  conn.prepare("role_list",
               "SELECT ro.repo_id, r.name, ro.user_id, u.name, ro.role, " MLVC_MICROS("ro.granted_at")
               " FROM roles ro JOIN repositories r ON r.id = ro.repo_id"
               "  JOIN users u ON u.id = ro.user_id"
               " WHERE ($1::bigint IS NULL OR ro.repo_id = $1)"
               "  AND ($2::bigint IS NULL OR ro.user_id = $2)"
               " ORDER BY r.name COLLATE \"C\", u.name COLLATE \"C\"");
  conn.prepare("default_role_set",
               "UPDATE repositories SET default_role = $2 WHERE id = $1 RETURNING id");
  conn.prepare("readable_repos",
               "SELECT r.id FROM repositories r WHERE r.default_role <> 'none'"
               " UNION SELECT ro.repo_id FROM roles ro WHERE ro.user_id = $1"
               " ORDER BY 1");
}

absl::StatusOr<RoleLookup> PgTxn::GetRole(int64_t repo_id, int64_t user_id) {
  return Run("get role", [&]() -> absl::StatusOr<RoleLookup> {
    pqxx::result r = w_.exec_prepared("role_get", repo_id, user_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no repository with id ", repo_id));
    RoleLookup out;
    out.repository = r[0][0].as<std::string>();
    if (!r[0][1].is_null()) {
      absl::StatusOr<Role> role = RoleFromText(r[0][1].as<std::string>());
      if (!role.ok()) return role.status();
      out.role = *role;
    }
    absl::StatusOr<std::optional<Role>> fallback = DefaultRoleFromText(r[0][2].as<std::string>());
    if (!fallback.ok()) return fallback.status();
    out.default_role = *fallback;
    return out;
  });
}

absl::Status PgTxn::SetRole(int64_t repo_id, int64_t user_id, Role role) {
  return Run("set role", [&]() -> absl::Status {
    w_.exec_prepared("role_set", repo_id, user_id, RoleName(role));
    return absl::OkStatus();
  });
}

absl::StatusOr<Role> PgTxn::DeleteRole(int64_t repo_id, int64_t user_id) {
  return Run("delete role", [&]() -> absl::StatusOr<Role> {
    pqxx::result r = w_.exec_prepared("role_delete", repo_id, user_id);
    if (r.empty()) return absl::NotFoundError("the user has no role on that repository");
    return RoleFromText(r[0][0].as<std::string>());
  });
}

absl::StatusOr<std::vector<RoleRecord>> PgTxn::ListRoles(std::optional<int64_t> repo_id,
                                                         std::optional<int64_t> user_id) {
  return Run("list roles", [&]() -> absl::StatusOr<std::vector<RoleRecord>> {
    const NullableInt repo(repo_id);
    const NullableInt user(user_id);
    std::vector<RoleRecord> out;
    for (const auto& row : w_.exec_prepared("role_list", repo.get(), user.get())) {
      RoleRecord& rec = out.emplace_back();
      rec.repo_id = row[0].as<int64_t>();
      rec.repository = row[1].as<std::string>();
      rec.user_id = row[2].as<int64_t>();
      rec.user_name = row[3].as<std::string>();
      absl::StatusOr<Role> role = RoleFromText(row[4].as<std::string>());
      if (!role.ok()) return role.status();
      rec.role = *role;
      rec.granted_at_micros = row[5].as<int64_t>();
    }
    return out;
  });
}

absl::Status PgTxn::SetDefaultRole(int64_t repo_id, std::optional<Role> role) {
  if (role == Role::kMaintainer) {
    return absl::InvalidArgumentError("the default role is none, reader or writer");
  }
  return Run("set default role", [&]() -> absl::Status {
    pqxx::result r =
        w_.exec_prepared("default_role_set", repo_id, role ? RoleName(*role) : "none");
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no repository with id ", repo_id));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<int64_t>> PgTxn::ReadableRepositoryIds(int64_t user_id) {
  return Run("list readable repositories", [&]() -> absl::StatusOr<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (const auto& row : w_.exec_prepared("readable_repos", user_id)) {
      out.push_back(row[0].as<int64_t>());
    }
    return out;
  });
}

}  // namespace mlvc::server::store::internal
