// Releases (labels made releases, with notes) and deployments of releases to environments
// (migration 0007). An environment's live release is its newest deployment row.
#include <limits>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareReleaseStatements(pqxx::connection& conn) {
  conn.prepare("release_insert",
               "INSERT INTO releases (repo_id, version, notes, created_by)"
               " VALUES ($1, $2, $3, $4)");
  const std::string release_select =
      "SELECT r.id, r.version, l.number, r.notes, u.name,"
      " (extract(epoch FROM r.created_at) * 1000000)::bigint"
      " FROM releases r"
      " JOIN labels l ON l.repo_id = r.repo_id AND l.name = r.version"
      " JOIN users u ON u.id = r.created_by";
  conn.prepare("release_get", release_select + " WHERE r.repo_id = $1 AND r.version = $2");
  // Newest first by id (releases_by_repo_idx); a page continues below the id of `after`.
  conn.prepare("release_list",
               release_select + " WHERE r.repo_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3");
  conn.prepare("release_at", release_select +
                                 " WHERE r.repo_id = $1 AND l.number = ANY ($2::bigint[])"
                                 " ORDER BY r.id DESC");

  const std::string deployment_select =
      "SELECT d.id, d.environment, d.version, l.number, d.kind, d.note,"
      " COALESCE(d.previous_version, ''), d.rollback_to, u.name,"
      " (extract(epoch FROM d.created_at) * 1000000)::bigint"
      " FROM deployments d"
      " JOIN labels l ON l.repo_id = d.repo_id AND l.name = d.version"
      " JOIN users u ON u.id = d.created_by";
  conn.prepare("deployment_insert",
               "INSERT INTO deployments (repo_id, environment, version, kind, previous_version,"
               " rollback_to, note, created_by)"
               " VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8) RETURNING id");
  conn.prepare("deployment_get", deployment_select + " WHERE d.repo_id = $1 AND d.id = $2");
  // deployments_by_env_idx: the newest row of one environment.
  conn.prepare("deployment_live", deployment_select +
                                      " WHERE d.repo_id = $1 AND d.environment = $2"
                                      " ORDER BY d.id DESC LIMIT 1");
  conn.prepare("deployment_live_all",
               "SELECT * FROM (SELECT DISTINCT ON (d.environment) d.id AS did, d.environment"
               " FROM deployments d WHERE d.repo_id = $1"
               " ORDER BY d.environment, d.id DESC) live");
  conn.prepare("deployment_list_env",
               deployment_select +
                   " WHERE d.repo_id = $1 AND d.environment = $2 AND d.id < $3"
                   " ORDER BY d.id DESC LIMIT $4");
  conn.prepare("deployment_list_all", deployment_select +
                                          " WHERE d.repo_id = $1 AND d.id < $2"
                                          " ORDER BY d.id DESC LIMIT $3");
}

namespace {

ReleaseRecord ReleaseFromRow(const pqxx::row& row) {
  ReleaseRecord r;
  r.id = row[0].as<int64_t>();
  r.version = row[1].as<std::string>();
  r.number = row[2].as<int64_t>();
  r.notes = row[3].as<std::string>();
  r.created_by = row[4].as<std::string>();
  r.created_at_micros = row[5].as<int64_t>();
  return r;
}

DeploymentRecord DeploymentFromRow(const pqxx::row& row) {
  DeploymentRecord d;
  d.id = row[0].as<int64_t>();
  d.environment = row[1].as<std::string>();
  d.version = row[2].as<std::string>();
  d.number = row[3].as<int64_t>();
  d.kind = row[4].as<std::string>() == "rollback" ? DeploymentKind::kRollback
                                                  : DeploymentKind::kDeploy;
  d.note = row[5].as<std::string>();
  d.previous_version = row[6].as<std::string>();
  if (!row[7].is_null()) d.rollback_to = row[7].as<int64_t>();
  d.created_by = row[8].as<std::string>();
  d.created_at_micros = row[9].as<int64_t>();
  return d;
}

// No id is this large: "no upper bound" for the paging statements.
constexpr int64_t kNoBound = std::numeric_limits<int64_t>::max();

}  // namespace

absl::Status PgTxn::InsertRelease(int64_t repo_id, const std::string& version,
                                  const std::string& notes, int64_t created_by) {
  return Run("create release", [&]() -> absl::Status {
    w_.exec_prepared("release_insert", repo_id, version, notes, created_by);
    return absl::OkStatus();
  });
}

absl::StatusOr<ReleaseRecord> PgTxn::GetRelease(int64_t repo_id, const std::string& version) {
  return Run("get release", [&]() -> absl::StatusOr<ReleaseRecord> {
    pqxx::result r = w_.exec_prepared("release_get", repo_id, version);
    if (r.empty()) return absl::NotFoundError("no release '" + version + "'");
    return ReleaseFromRow(r[0]);
  });
}

absl::StatusOr<std::vector<ReleaseRecord>> PgTxn::ListReleases(int64_t repo_id,
                                                               const std::string& after,
                                                               int limit) {
  return Run("list releases", [&]() -> absl::StatusOr<std::vector<ReleaseRecord>> {
    int64_t below = kNoBound;
    if (!after.empty()) {
      pqxx::result r = w_.exec_prepared("release_get", repo_id, after);
      if (r.empty()) return absl::NotFoundError("no release '" + after + "'");
      below = r[0][0].as<int64_t>();
    }
    std::vector<ReleaseRecord> out;
    for (const auto& row : w_.exec_prepared("release_list", repo_id, below, limit)) {
      out.push_back(ReleaseFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::vector<ReleaseRecord>> PgTxn::ListReleasesAt(
    int64_t repo_id, const std::vector<int64_t>& numbers) {
  return Run("list releases at changesets", [&]() -> absl::StatusOr<std::vector<ReleaseRecord>> {
    std::vector<ReleaseRecord> out;
    if (numbers.empty()) return out;
    const std::string array = absl::StrCat("{", absl::StrJoin(numbers, ","), "}");
    for (const auto& row : w_.exec_prepared("release_at", repo_id, array)) {
      out.push_back(ReleaseFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<DeploymentRecord> PgTxn::InsertDeployment(int64_t repo_id,
                                                         const DeploymentRecord& d) {
  return Run("record deployment", [&]() -> absl::StatusOr<DeploymentRecord> {
    // libpqxx 6 has no optional parameters: a null pointer is SQL NULL.
    const std::string rollback_to = d.rollback_to ? std::to_string(*d.rollback_to) : "";
    pqxx::result r = w_.exec_prepared(
        "deployment_insert", repo_id, d.environment, d.version,
        d.kind == DeploymentKind::kRollback ? "rollback" : "deploy", d.previous_version,
        d.rollback_to ? rollback_to.c_str() : nullptr, d.note, d.created_by_id);
    const int64_t id = r[0][0].as<int64_t>();
    pqxx::result back = w_.exec_prepared("deployment_get", repo_id, id);
    return DeploymentFromRow(back[0]);
  });
}

absl::StatusOr<DeploymentRecord> PgTxn::GetDeployment(int64_t repo_id, int64_t id) {
  return Run("get deployment", [&]() -> absl::StatusOr<DeploymentRecord> {
    pqxx::result r = w_.exec_prepared("deployment_get", repo_id, id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no deployment ", id));
    return DeploymentFromRow(r[0]);
  });
}

absl::StatusOr<std::optional<DeploymentRecord>> PgTxn::GetLiveDeployment(
    int64_t repo_id, const std::string& environment) {
  return Run("get live deployment", [&]() -> absl::StatusOr<std::optional<DeploymentRecord>> {
    pqxx::result r = w_.exec_prepared("deployment_live", repo_id, environment);
    if (r.empty()) return std::optional<DeploymentRecord>();
    return std::optional<DeploymentRecord>(DeploymentFromRow(r[0]));
  });
}

absl::StatusOr<std::vector<DeploymentRecord>> PgTxn::ListDeployments(
    int64_t repo_id, const std::string& environment, int64_t before_id, int limit,
    bool live_only) {
  return Run("list deployments", [&]() -> absl::StatusOr<std::vector<DeploymentRecord>> {
    std::vector<DeploymentRecord> out;
    const int64_t below = before_id > 0 ? before_id : kNoBound;
    if (live_only) {
      // One row per environment (few): read each live row by id.
      for (const auto& row : w_.exec_prepared("deployment_live_all", repo_id)) {
        if (!environment.empty() && row[1].as<std::string>() != environment) continue;
        const int64_t id = row[0].as<int64_t>();
        if (id >= below || static_cast<int>(out.size()) >= limit) continue;
        pqxx::result d = w_.exec_prepared("deployment_get", repo_id, id);
        out.push_back(DeploymentFromRow(d[0]));
      }
      return out;
    }
    pqxx::result r =
        environment.empty()
            ? w_.exec_prepared("deployment_list_all", repo_id, below, limit)
            : w_.exec_prepared("deployment_list_env", repo_id, environment, below, limit);
    for (const auto& row : r) out.push_back(DeploymentFromRow(row));
    return out;
  });
}

}  // namespace mlvc::server::store::internal
