// Reviews (approvals of changesets) and branch policies (migration 0006).
#include <cstdio>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PreparePolicyStatements(pqxx::connection& conn) {
  conn.prepare("review_add",
               "INSERT INTO reviews (repo_id, number, user_id, note) VALUES ($1, $2, $3, $4)"
               " ON CONFLICT (repo_id, number, user_id) DO NOTHING");
  conn.prepare("review_list",
               "SELECT r.user_id, u.name FROM reviews r JOIN users u ON u.id = r.user_id"
               " WHERE r.repo_id = $1 AND r.number = $2 ORDER BY u.name");
  conn.prepare("policy_set",
               "INSERT INTO branch_policies (repo_id, branch, require_runs, metric_keys,"
               " metric_ops, metric_values, require_reviews, set_by)"
               " VALUES ($1, $2, $3::smallint[], $4::text[], $5::text[], $6::float8[], $7, $8)"
               " ON CONFLICT (repo_id, branch) DO UPDATE SET require_runs = EXCLUDED.require_runs,"
               " metric_keys = EXCLUDED.metric_keys, metric_ops = EXCLUDED.metric_ops,"
               " metric_values = EXCLUDED.metric_values,"
               " require_reviews = EXCLUDED.require_reviews, set_by = EXCLUDED.set_by,"
               " set_at = now()");
  conn.prepare("policy_delete", "DELETE FROM branch_policies WHERE repo_id = $1 AND branch = $2");
  // Arrays come back one element per row (unnest WITH ORDINALITY keeps rule order), so no
  // array-literal parsing is needed here.
  conn.prepare("policy_get",
               "SELECT p.require_reviews, u.name,"
               " (extract(epoch FROM p.set_at) * 1000000)::bigint,"
               " array_to_string(p.require_runs, ','), cardinality(p.metric_keys)"
               " FROM branch_policies p JOIN users u ON u.id = p.set_by"
               " WHERE p.repo_id = $1 AND p.branch = $2");
  conn.prepare("policy_get_metrics",
               "SELECT t.k, t.o, t.v FROM branch_policies p,"
               " unnest(p.metric_keys, p.metric_ops, p.metric_values) WITH ORDINALITY"
               "  AS t (k, o, v, ord)"
               " WHERE p.repo_id = $1 AND p.branch = $2 ORDER BY t.ord");
}

absl::Status PgTxn::AddApproval(int64_t repo_id, int64_t number, int64_t user_id,
                                const std::string& note) {
  return Run("add approval", [&]() -> absl::Status {
    w_.exec_prepared("review_add", repo_id, number, user_id, note);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ApproverRecord>> PgTxn::ListApprovers(int64_t repo_id,
                                                                 int64_t number) {
  return Run("list approvers", [&]() -> absl::StatusOr<std::vector<ApproverRecord>> {
    std::vector<ApproverRecord> out;
    for (const auto& row : w_.exec_prepared("review_list", repo_id, number)) {
      out.push_back({row[0].as<int64_t>(), row[1].as<std::string>()});
    }
    return out;
  });
}

absl::Status PgTxn::SetBranchPolicy(int64_t repo_id, const std::string& branch,
                                    const PolicyRecord& policy, int64_t set_by) {
  return Run("set branch policy", [&]() -> absl::Status {
    std::string runs = "{";
    for (size_t i = 0; i < policy.require_runs.size(); ++i) {
      if (i > 0) runs.push_back(',');
      runs += std::to_string(policy.require_runs[i]);
    }
    runs.push_back('}');
    std::vector<std::string> keys, ops;
    std::string values = "{";
    for (size_t i = 0; i < policy.require_metrics.size(); ++i) {
      const MetricRuleRecord& rule = policy.require_metrics[i];
      keys.push_back(rule.metric);
      ops.push_back(rule.op);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", rule.value);
      if (i > 0) values.push_back(',');
      values += buf;
    }
    values.push_back('}');
    w_.exec_prepared("policy_set", repo_id, branch, runs, TextArrayLiteral(keys),
                     TextArrayLiteral(ops), values, policy.require_reviews, set_by);
    return absl::OkStatus();
  });
}

absl::Status PgTxn::DeleteBranchPolicy(int64_t repo_id, const std::string& branch) {
  return Run("delete branch policy", [&]() -> absl::Status {
    w_.exec_prepared("policy_delete", repo_id, branch);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<PolicyRecord>> PgTxn::GetBranchPolicy(int64_t repo_id,
                                                                   const std::string& branch) {
  return Run("get branch policy", [&]() -> absl::StatusOr<std::optional<PolicyRecord>> {
    pqxx::result r = w_.exec_prepared("policy_get", repo_id, branch);
    if (r.empty()) return std::nullopt;
    PolicyRecord policy;
    policy.require_reviews = r[0][0].as<int>();
    policy.set_by = r[0][1].as<std::string>();
    policy.set_at_micros = r[0][2].as<int64_t>();
    const std::string runs = r[0][3].is_null() ? "" : r[0][3].as<std::string>();
    for (absl::string_view kind : absl::StrSplit(runs, ',', absl::SkipEmpty())) {
      policy.require_runs.push_back(std::stoi(std::string(kind)));
    }
    if (r[0][4].as<int>() > 0) {
      for (const auto& row : w_.exec_prepared("policy_get_metrics", repo_id, branch)) {
        policy.require_metrics.push_back(
            {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<double>()});
      }
    }
    return policy;
  });
}

}  // namespace mlvc::server::store::internal
