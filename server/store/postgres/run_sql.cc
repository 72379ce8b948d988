// Runs with their params, metrics, inputs, outputs and environment; first-parent segments
// (migration 0006 explains lines) and the metric-history queries that read one segment as
// one range of run_metrics_chain_idx.
#include <cstdio>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {
namespace {

// Microseconds since the epoch as a timestamptz expression of parameter $n.
std::string MicrosToTs(int n) {
  return absl::StrCat("(timestamptz 'epoch' + $", n, "::bigint * interval '1 microsecond')");
}
constexpr const char* kTsToMicros = "(extract(epoch FROM %s) * 1000000)::bigint";

std::string Micros(const char* column) {
  char buf[128];
  std::snprintf(buf, sizeof buf, kTsToMicros, column);
  return buf;
}

template <typename T>
std::string NumberArrayLiteral(const std::vector<T>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  return out;
}

std::string DoubleText(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string BoolArrayLiteral(const std::vector<bool>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += values[i] ? "t" : "f";
  }
  out.push_back('}');
  return out;
}

// The conditions selecting one segment's points of a metric: $1 repo, $2 key, $3 line,
// $4 numbers above, $5 numbers up to, $6 kind (0: any). Matches run_metrics_chain_idx's
// predicate (`last`) and key prefix, so each segment is one index range.
constexpr const char* kSegmentPoints =
    " FROM run_metrics WHERE repo_id = $1 AND key = $2 AND fp_line = $3 AND last"
    " AND number > $4 AND number <= $5 AND ($6::smallint = 0 OR kind = $6::smallint)";

// One point per changeset: the newest run's.
const std::string kDistinctPoints = absl::StrCat(
    "SELECT DISTINCT ON (number) number, run_id, kind, value", kSegmentPoints,
    " ORDER BY number, run_id DESC");

MetricPointRecord PointFromRow(const pqxx::row& row) {
  MetricPointRecord p;
  p.number = row[0].as<int64_t>();
  p.run_id = row[1].as<int64_t>();
  p.kind = row[2].as<int>();
  p.value = row[3].as<double>();
  return p;
}

}  // namespace

const std::string kMetricPointsSql = kDistinctPoints + " LIMIT $7";
// The window runs over the index order (no sort); a point is reported when it is worse than
// the previous one: by any amount when neither $8 (drop) nor $9 (below) is set, by more than
// $8, or when it crossed $9 and the previous point had not. $7: higher is better.
const std::string kMetricRegressionsSql = absl::StrCat(
    "SELECT number, run_id, kind, value, prev_number, prev_value FROM ("
    "  SELECT number, run_id, kind, value, lag(number) OVER w AS prev_number,"
    "   lag(value) OVER w AS prev_value FROM (",
    kDistinctPoints,
    ") p WINDOW w AS (ORDER BY number)) q"
    " WHERE prev_number IS NULL"
    "  OR ($8::float8 IS NULL AND $9::float8 IS NULL"
    "      AND (CASE WHEN $7::bool THEN prev_value - value ELSE value - prev_value END) > 0)"
    "  OR ($8::float8 IS NOT NULL"
    "      AND (CASE WHEN $7::bool THEN prev_value - value ELSE value - prev_value END) > $8)"
    "  OR ($9::float8 IS NOT NULL AND (CASE WHEN $7::bool"
    "      THEN value < $9 AND NOT prev_value < $9 ELSE value > $9 AND NOT prev_value > $9 END))"
    " ORDER BY number LIMIT $10");

void PrepareRunStatements(pqxx::connection& conn) {
  conn.prepare("run_insert",
               absl::StrCat("INSERT INTO runs (repo_id, number, fp_line, kind, name, status,"
                            " user_id, started_at, finished_at, record_id, env_file_name,"
                            " env_file_content_id)"
                            " SELECT $1, $2, c.fp_line, $3, $4, $5, $6, ",
                            MicrosToTs(7), ", CASE WHEN $8::bigint = 0 THEN NULL ELSE ",
                            MicrosToTs(8),
                            " END, $9, $10, $11 FROM changesets c"
                            " WHERE c.repo_id = $1 AND c.number = $2 RETURNING id"));
  conn.prepare("run_insert_params",
               "INSERT INTO run_params (run_id, key, value)"
               " SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t (k, v)");
  conn.prepare("run_insert_metrics",
               "INSERT INTO run_metrics (run_id, repo_id, number, fp_line, kind, key, step,"
               " value, last)"
               " SELECT r.id, r.repo_id, r.number, r.fp_line, r.kind, t.k, t.s, t.v, t.l"
               " FROM runs r, unnest($2::text[], $3::bigint[], $4::float8[], $5::bool[])"
               "  AS t (k, s, v, l) WHERE r.id = $1");
  conn.prepare("run_insert_inputs",
               "INSERT INTO run_inputs (run_id, seq, repo_id, path, number, content_id,"
               " directory) SELECT $1, t.ord - 1, t.r, t.p, t.n, t.c, t.d"
               " FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bool[])"
               " WITH ORDINALITY AS t (r, p, n, c, d, ord)");
  conn.prepare("run_insert_outputs",
               "INSERT INTO run_outputs (run_id, path, content_id)"
               " SELECT $1, p, c FROM unnest($2::text[], $3::text[]) AS t (p, c)");
  conn.prepare("run_insert_packages",
               "INSERT INTO run_packages (run_id, name, version)"
               " SELECT $1, n, v FROM unnest($2::text[], $3::text[]) AS t (n, v)");
  conn.prepare("run_insert_vars",
               "INSERT INTO run_env_vars (run_id, key, value)"
               " SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t (k, v)");
  conn.prepare("run_by_record_id", "SELECT id FROM runs WHERE repo_id = $1 AND record_id = $2");
  conn.prepare("run_get",
               absl::StrCat("SELECT r.id, r.repo_id, r.number, r.kind, r.name, r.status,"
                            " r.user_id, u.name, ", Micros("r.started_at"), ", coalesce(",
                            Micros("r.finished_at"), ", 0), ", Micros("r.recorded_at"),
                            ", coalesce(r.record_id, ''), r.env_file_name,"
                            " coalesce(r.env_file_content_id, '')"
                            " FROM runs r JOIN users u ON u.id = r.user_id"
                            " WHERE r.repo_id = $1 AND r.id = ANY ($2::bigint[])"));
  conn.prepare("run_get_params",
               "SELECT run_id, key, value FROM run_params WHERE run_id = ANY ($1::bigint[])"
               " ORDER BY run_id, key");
  conn.prepare("run_get_metrics",
               "SELECT run_id, key, step, value FROM run_metrics"
               " WHERE run_id = ANY ($1::bigint[]) ORDER BY run_id, key, step NULLS FIRST");
  conn.prepare("run_get_inputs",
               "SELECT i.run_id, i.repo_id, r.name, i.path, i.number, i.content_id, i.directory"
               " FROM run_inputs i JOIN repositories r ON r.id = i.repo_id"
               " WHERE i.run_id = ANY ($1::bigint[]) ORDER BY i.run_id, i.seq");
  conn.prepare("run_get_outputs",
               "SELECT run_id, path, content_id FROM run_outputs"
               " WHERE run_id = ANY ($1::bigint[]) ORDER BY run_id, path");
  conn.prepare("run_get_packages",
               "SELECT run_id, name, version FROM run_packages"
               " WHERE run_id = ANY ($1::bigint[]) ORDER BY run_id, name");
  conn.prepare("run_get_vars",
               "SELECT run_id, key, value FROM run_env_vars"
               " WHERE run_id = ANY ($1::bigint[]) ORDER BY run_id, key");
  // $2 kinds (empty: any), $3 number (NULL: any), $4 ids below (0: any), $5 limit.
  conn.prepare("run_list",
               "SELECT id FROM runs WHERE repo_id = $1"
               " AND (cardinality($2::smallint[]) = 0 OR kind = ANY ($2::smallint[]))"
               " AND ($3::bigint IS NULL OR number = $3::bigint)"
               " AND ($4::bigint = 0 OR id < $4::bigint) ORDER BY id DESC LIMIT $5");
  // The same in one segment: $6 line, numbers in ($7, $8] (runs_by_line_id_idx).
  conn.prepare("run_list_segment",
               "SELECT id FROM runs WHERE repo_id = $1 AND fp_line = $6"
               " AND number > $7 AND number <= $8"
               " AND (cardinality($2::smallint[]) = 0 OR kind = ANY ($2::smallint[]))"
               " AND ($3::bigint IS NULL OR number = $3::bigint)"
               " AND ($4::bigint = 0 OR id < $4::bigint) ORDER BY id DESC LIMIT $5");
  // One primary-key hop per segment; a changeset without a line (only inside the transaction
  // that creates it, before its branch moves) ends the walk.
  conn.prepare("fp_segments",
               "WITH RECURSIVE seg (line, upto, depth) AS ("
               "  SELECT fp_line, number, 0 FROM changesets WHERE repo_id = $1 AND number = $2"
               "  UNION ALL"
               "  SELECT c.fp_line, c.number, seg.depth + 1 FROM seg"
               "   JOIN fp_lines l ON l.id = seg.line"
               "   JOIN changesets c ON c.repo_id = $1 AND c.number = l.fork_number) "
               "SELECT seg.line, coalesce(l.fork_number, -1), seg.upto FROM seg"
               " LEFT JOIN fp_lines l ON l.id = seg.line ORDER BY seg.depth");
  conn.prepare("run_newest_in_segment",
               "SELECT id FROM runs WHERE repo_id = $1 AND fp_line = $2 AND kind = $3"
               " AND number > $4 AND number <= $5 ORDER BY number DESC, id DESC LIMIT 1");
  conn.prepare("run_training_with_output",
               "SELECT r.id FROM run_outputs o JOIN runs r ON r.id = o.run_id"
               " WHERE o.content_id = $2 AND r.repo_id = $1 AND r.kind = 1"
               " ORDER BY r.id DESC LIMIT $3");
  conn.prepare("run_with_input",
               "SELECT DISTINCT r.id FROM run_inputs i JOIN runs r ON r.id = i.run_id"
               " WHERE i.content_id = $2 AND r.repo_id = $1 AND r.kind = ANY ($3::smallint[])"
               " ORDER BY r.id DESC LIMIT $4");
  conn.prepare("metric_points", kMetricPointsSql);
  // The highest number first (a backward index probe), then its newest run: one ORDER BY
  // over both columns would not match the index's (number, run_id DESC) order backwards.
  conn.prepare("metric_last_point",
               absl::StrCat("SELECT number, run_id, kind, value", kSegmentPoints,
                            " AND number = (SELECT max(number)", kSegmentPoints,
                            ") ORDER BY run_id DESC LIMIT 1"));
  conn.prepare("metric_best_max",
               absl::StrCat("SELECT max(value) FROM (", kDistinctPoints, ") p"));
  conn.prepare("metric_best_min",
               absl::StrCat("SELECT min(value) FROM (", kDistinctPoints, ") p"));
  conn.prepare("metric_regressions", kMetricRegressionsSql);
  conn.prepare("metric_value_at",
               "SELECT m.value FROM changesets c JOIN run_metrics m ON m.repo_id = c.repo_id"
               " AND m.key = $2 AND m.fp_line = c.fp_line AND m.number = c.number AND m.last"
               " WHERE c.repo_id = $1 AND c.number = $3"
               " AND ($4::smallint = 0 OR m.kind = $4::smallint)"
               " ORDER BY m.run_id DESC LIMIT 1");
  conn.prepare("run_succeeded_kinds",
               "SELECT DISTINCT kind FROM runs WHERE repo_id = $1 AND number = $2 AND status = 1"
               " ORDER BY kind");
  conn.prepare("cs_segment",
               absl::StrCat("SELECT ", kChangesetColumns,
                            " FROM changesets c JOIN users u ON u.id = c.author_id"
                            " WHERE c.repo_id = $1 AND c.fp_line = $2 AND c.number > $3"
                            " AND c.number <= $4 ORDER BY c.number LIMIT $5"));
  // $2/$3 the ranges, $4/$5/$6 the segments (line, after, upto), $7 per range. Each
  // (range, segment) pair is one range of changesets_fp_line_idx.
  // $2/$3 the ranges, $4/$5/$6 the segments (line, after, upto), $7 per range. Each
  // (range, segment) pair is one bounded range of changesets_fp_line_idx (the caller keeps
  // the first $7 of each range).
  conn.prepare("cs_segment_ranges",
               absl::StrCat("SELECT r.idx, ", kChangesetColumns,
                            " FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY"
                            "  AS r (lo, hi, idx)"
                            " CROSS JOIN unnest($4::bigint[], $5::bigint[], $6::bigint[])"
                            "  AS s (line, after, upto)"
                            " CROSS JOIN LATERAL (SELECT x.* FROM changesets x"
                            "  WHERE x.repo_id = $1 AND x.fp_line = s.line"
                            "  AND x.number > greatest(s.after, r.lo)"
                            "  AND x.number <= least(s.upto, r.hi)"
                            "  ORDER BY x.number LIMIT $7) c"
                            " JOIN users u ON u.id = c.author_id ORDER BY r.idx, c.number"));
  conn.prepare("cs_many",
               absl::StrCat("SELECT ", kChangesetColumns,
                            " FROM changesets c JOIN users u ON u.id = c.author_id"
                            " WHERE c.repo_id = $1 AND c.number = ANY ($2::bigint[])"
                            " ORDER BY c.number"));
  conn.prepare("cs_paths_of",
               "SELECT number, path, action, content_id FROM changed_paths"
               " WHERE repo_id = $1 AND number = ANY ($2::bigint[]) ORDER BY number, path");
}

absl::StatusOr<int64_t> PgTxn::InsertRun(const RunRecord& run) {
  return Run("insert run", [&]() -> absl::StatusOr<int64_t> {
    const char* record_id = run.record_id.empty() ? nullptr : run.record_id.c_str();
    const char* env_content =
        run.env_file_content_id.empty() ? nullptr : run.env_file_content_id.c_str();
    pqxx::result r = w_.exec_prepared("run_insert", run.repo_id, run.number, run.kind, run.name,
                                      run.status, run.user_id, run.started_at_micros,
                                      run.finished_at_micros, record_id, run.env_file_name,
                                      env_content);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no changeset @", run.number));
    const int64_t id = r[0][0].as<int64_t>();

    const auto pairs = [&](const char* stmt,
                           const std::vector<std::pair<std::string, std::string>>& kv) {
      if (kv.empty()) return;
      std::vector<std::string> a, b;
      for (const auto& [k, v] : kv) {
        a.push_back(k);
        b.push_back(v);
      }
      w_.exec_prepared(stmt, id, TextArrayLiteral(a), TextArrayLiteral(b));
    };
    pairs("run_insert_params", run.params);
    pairs("run_insert_packages", run.packages);
    pairs("run_insert_vars", run.env_vars);

    if (!run.metrics.empty()) {
      // `last`: a single value, or the highest step of its key's series.
      std::map<std::string, size_t> last_of;
      for (size_t i = 0; i < run.metrics.size(); ++i) {
        const RunMetricRecord& m = run.metrics[i];
        auto [it, inserted] = last_of.emplace(m.key, i);
        if (inserted) continue;
        const RunMetricRecord& held = run.metrics[it->second];
        if (!held.step.has_value()) continue;  // a single value wins over a series
        if (!m.step.has_value() || *m.step > *held.step) it->second = i;
      }
      std::vector<std::string> keys;
      std::vector<std::optional<std::string>> steps;
      std::string values = "{";
      std::vector<bool> last(run.metrics.size(), false);
      for (const auto& [key, i] : last_of) last[i] = true;
      for (size_t i = 0; i < run.metrics.size(); ++i) {
        const RunMetricRecord& m = run.metrics[i];
        keys.push_back(m.key);
        steps.push_back(m.step.has_value() ? std::optional<std::string>(std::to_string(*m.step))
                                           : std::nullopt);
        if (i > 0) values.push_back(',');
        values += DoubleText(m.value);
      }
      values.push_back('}');
      w_.exec_prepared("run_insert_metrics", id, TextArrayLiteral(keys), TextArrayLiteral(steps),
                       values, BoolArrayLiteral(last));
    }
    if (!run.inputs.empty()) {
      std::vector<int64_t> repos, numbers;
      std::vector<std::string> paths, contents;
      std::vector<bool> dirs;
      for (const RunInputRecord& in : run.inputs) {
        repos.push_back(in.repo_id);
        numbers.push_back(in.number);
        paths.push_back(in.path);
        contents.push_back(in.content_id);
        dirs.push_back(in.directory);
      }
      w_.exec_prepared("run_insert_inputs", id, NumberArrayLiteral(repos),
                       TextArrayLiteral(paths), NumberArrayLiteral(numbers),
                       TextArrayLiteral(contents), BoolArrayLiteral(dirs));
    }
    if (!run.outputs.empty()) {
      std::vector<std::string> paths, contents;
      for (const RunOutputRecord& out : run.outputs) {
        paths.push_back(out.path);
        contents.push_back(out.content_id);
      }
      w_.exec_prepared("run_insert_outputs", id, TextArrayLiteral(paths),
                       TextArrayLiteral(contents));
    }
    return id;
  });
}

absl::StatusOr<std::optional<int64_t>> PgTxn::FindRunByRecordId(int64_t repo_id,
                                                                const std::string& record_id) {
  return Run("find run by record id", [&]() -> absl::StatusOr<std::optional<int64_t>> {
    if (record_id.empty()) return std::nullopt;
    pqxx::result r = w_.exec_prepared("run_by_record_id", repo_id, record_id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<RunRecord>> PgTxn::GetRuns(int64_t repo_id,
                                                      const std::vector<int64_t>& ids) {
  return Run("get runs", [&]() -> absl::StatusOr<std::vector<RunRecord>> {
    std::vector<RunRecord> out;
    if (ids.empty()) return out;
    const std::string id_array = NumberArrayLiteral(ids);
    std::map<int64_t, RunRecord> by_id;
    for (const auto& row : w_.exec_prepared("run_get", repo_id, id_array)) {
      RunRecord run;
      run.id = row[0].as<int64_t>();
      run.repo_id = row[1].as<int64_t>();
      run.number = row[2].as<int64_t>();
      run.kind = row[3].as<int>();
      run.name = row[4].as<std::string>();
      run.status = row[5].as<int>();
      run.user_id = row[6].as<int64_t>();
      run.user_name = row[7].as<std::string>();
      run.started_at_micros = row[8].as<int64_t>();
      run.finished_at_micros = row[9].as<int64_t>();
      run.recorded_at_micros = row[10].as<int64_t>();
      run.record_id = row[11].as<std::string>();
      run.env_file_name = row[12].as<std::string>();
      run.env_file_content_id = row[13].as<std::string>();
      by_id.emplace(run.id, std::move(run));
    }
    if (by_id.empty()) return out;
    const auto get = [&](int64_t id) -> RunRecord* {
      auto it = by_id.find(id);
      return it == by_id.end() ? nullptr : &it->second;
    };
    for (const auto& row : w_.exec_prepared("run_get_params", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>()))
        run->params.emplace_back(row[1].as<std::string>(), row[2].as<std::string>());
    }
    for (const auto& row : w_.exec_prepared("run_get_metrics", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>())) {
        RunMetricRecord m;
        m.key = row[1].as<std::string>();
        if (!row[2].is_null()) m.step = row[2].as<int64_t>();
        m.value = row[3].as<double>();
        run->metrics.push_back(std::move(m));
      }
    }
    for (const auto& row : w_.exec_prepared("run_get_inputs", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>())) {
        RunInputRecord in;
        in.repo_id = row[1].as<int64_t>();
        in.repository = row[2].as<std::string>();
        in.path = row[3].as<std::string>();
        in.number = row[4].as<int64_t>();
        in.content_id = row[5].as<std::string>();
        in.directory = row[6].as<bool>();
        run->inputs.push_back(std::move(in));
      }
    }
    for (const auto& row : w_.exec_prepared("run_get_outputs", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>()))
        run->outputs.push_back({row[1].as<std::string>(), row[2].as<std::string>()});
    }
    for (const auto& row : w_.exec_prepared("run_get_packages", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>()))
        run->packages.emplace_back(row[1].as<std::string>(), row[2].as<std::string>());
    }
    for (const auto& row : w_.exec_prepared("run_get_vars", id_array)) {
      if (RunRecord* run = get(row[0].as<int64_t>()))
        run->env_vars.emplace_back(row[1].as<std::string>(), row[2].as<std::string>());
    }
    for (int64_t id : ids) {
      auto it = by_id.find(id);
      if (it != by_id.end()) out.push_back(it->second);
    }
    return out;
  });
}

absl::StatusOr<std::vector<int64_t>> PgTxn::ListRunIds(int64_t repo_id, const RunFilter& filter) {
  return Run("list runs", [&]() -> absl::StatusOr<std::vector<int64_t>> {
    std::vector<int64_t> out;
    if (filter.limit <= 0) return out;
    const std::string kinds = NumberArrayLiteral(filter.kinds);
    std::string number_text;
    const char* number = nullptr;
    if (filter.number.has_value()) {
      number_text = std::to_string(*filter.number);
      number = number_text.c_str();
    }
    if (filter.segments.empty()) {
      for (const auto& row : w_.exec_prepared("run_list", repo_id, kinds, number,
                                              filter.before_id, filter.limit)) {
        out.push_back(row[0].as<int64_t>());
      }
      return out;
    }
    for (const FirstParentSegment& s : filter.segments) {
      for (const auto& row : w_.exec_prepared("run_list_segment", repo_id, kinds, number,
                                              filter.before_id, filter.limit, s.line, s.after,
                                              s.upto)) {
        out.push_back(row[0].as<int64_t>());
      }
    }
    std::sort(out.begin(), out.end(), std::greater<int64_t>());
    if (out.size() > static_cast<size_t>(filter.limit)) out.resize(filter.limit);
    return out;
  });
}

absl::StatusOr<std::vector<FirstParentSegment>> PgTxn::FirstParentSegments(int64_t repo_id,
                                                                           int64_t number) {
  return Run("first-parent segments", [&]() -> absl::StatusOr<std::vector<FirstParentSegment>> {
    std::vector<FirstParentSegment> out;
    for (const auto& row : w_.exec_prepared("fp_segments", repo_id, number)) {
      FirstParentSegment s;
      if (row[0].is_null()) {
        // A changeset not yet on a line: only itself is known here.
        return absl::FailedPreconditionError(
            absl::StrCat("changeset @", row[2].as<int64_t>(), " is on no branch yet"));
      }
      s.line = row[0].as<int64_t>();
      s.after = row[1].as<int64_t>();
      s.upto = row[2].as<int64_t>();
      out.push_back(s);
    }
    if (out.empty()) return absl::NotFoundError(absl::StrCat("no changeset @", number));
    return out;
  });
}

absl::StatusOr<std::optional<int64_t>> PgTxn::NewestRunInSegment(int64_t repo_id,
                                                                 const FirstParentSegment& s,
                                                                 int kind) {
  return Run("newest run in segment", [&]() -> absl::StatusOr<std::optional<int64_t>> {
    pqxx::result r =
        w_.exec_prepared("run_newest_in_segment", repo_id, s.line, kind, s.after, s.upto);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<int64_t>> PgTxn::TrainingRunsWithOutput(int64_t repo_id,
                                                                   const std::string& content_id,
                                                                   int limit) {
  return Run("training runs with output", [&]() -> absl::StatusOr<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (const auto& row :
         w_.exec_prepared("run_training_with_output", repo_id, content_id, limit)) {
      out.push_back(row[0].as<int64_t>());
    }
    return out;
  });
}

absl::StatusOr<std::vector<int64_t>> PgTxn::RunsWithInput(int64_t repo_id,
                                                          const std::string& content_id,
                                                          const std::vector<int>& kinds,
                                                          int limit) {
  return Run("runs with input", [&]() -> absl::StatusOr<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (const auto& row : w_.exec_prepared("run_with_input", repo_id, content_id,
                                            NumberArrayLiteral(kinds), limit)) {
      out.push_back(row[0].as<int64_t>());
    }
    return out;
  });
}

absl::StatusOr<std::vector<MetricPointRecord>> PgTxn::MetricPoints(
    int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& s,
    int64_t after_number, int limit) {
  return Run("metric points", [&]() -> absl::StatusOr<std::vector<MetricPointRecord>> {
    std::vector<MetricPointRecord> out;
    for (const auto& row :
         w_.exec_prepared("metric_points", repo_id, metric.key, s.line,
                          std::max(after_number, s.after), s.upto, metric.kind, limit)) {
      out.push_back(PointFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::optional<MetricPointRecord>> PgTxn::LastMetricPoint(
    int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& s,
    int64_t at_most) {
  return Run("last metric point", [&]() -> absl::StatusOr<std::optional<MetricPointRecord>> {
    pqxx::result r = w_.exec_prepared("metric_last_point", repo_id, metric.key, s.line, s.after,
                                      std::min(at_most, s.upto), metric.kind);
    if (r.empty()) return std::nullopt;
    return PointFromRow(r[0]);
  });
}

absl::StatusOr<std::optional<double>> PgTxn::BestMetricValue(int64_t repo_id,
                                                             const MetricSelector& metric,
                                                             const FirstParentSegment& s,
                                                             int64_t at_most,
                                                             bool higher_is_better) {
  return Run("best metric value", [&]() -> absl::StatusOr<std::optional<double>> {
    pqxx::result r =
        w_.exec_prepared(higher_is_better ? "metric_best_max" : "metric_best_min", repo_id,
                         metric.key, s.line, s.after, std::min(at_most, s.upto), metric.kind);
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return r[0][0].as<double>();
  });
}

absl::StatusOr<std::vector<MetricStepRecord>> PgTxn::FindMetricRegressions(
    int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& s,
    const RegressionRule& rule, int limit) {
  return Run("find metric regressions", [&]() -> absl::StatusOr<std::vector<MetricStepRecord>> {
    std::string drop_text, below_text;
    const char* drop = nullptr;
    const char* below = nullptr;
    if (rule.drop.has_value()) {
      drop_text = DoubleText(*rule.drop);
      drop = drop_text.c_str();
    }
    if (rule.below.has_value()) {
      below_text = DoubleText(*rule.below);
      below = below_text.c_str();
    }
    std::vector<MetricStepRecord> out;
    for (const auto& row : w_.exec_prepared("metric_regressions", repo_id, metric.key, s.line,
                                            s.after, s.upto, metric.kind, rule.higher_is_better,
                                            drop, below, limit)) {
      MetricStepRecord step;
      step.point = PointFromRow(row);
      if (!row[4].is_null()) {
        step.prev_number = row[4].as<int64_t>();
        step.prev_value = row[5].as<double>();
      }
      out.push_back(step);
    }
    return out;
  });
}

absl::StatusOr<std::optional<double>> PgTxn::MetricValueAt(int64_t repo_id,
                                                           const MetricSelector& metric,
                                                           int64_t number) {
  return Run("metric value at", [&]() -> absl::StatusOr<std::optional<double>> {
    pqxx::result r =
        w_.exec_prepared("metric_value_at", repo_id, metric.key, number, metric.kind);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<double>();
  });
}

absl::StatusOr<std::vector<int>> PgTxn::SucceededRunKindsAt(int64_t repo_id, int64_t number) {
  return Run("succeeded run kinds", [&]() -> absl::StatusOr<std::vector<int>> {
    std::vector<int> out;
    for (const auto& row : w_.exec_prepared("run_succeeded_kinds", repo_id, number)) {
      out.push_back(row[0].as<int>());
    }
    return out;
  });
}

absl::StatusOr<std::vector<ChangesetRecord>> PgTxn::SegmentChangesets(int64_t repo_id,
                                                                      const FirstParentSegment& s,
                                                                      int64_t after_number,
                                                                      int limit) {
  return Run("segment changesets", [&]() -> absl::StatusOr<std::vector<ChangesetRecord>> {
    std::vector<ChangesetRecord> out;
    for (const auto& row : w_.exec_prepared("cs_segment", repo_id, s.line,
                                            std::max(after_number, s.after), s.upto, limit)) {
      out.push_back(ChangesetFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::pair<int64_t, std::vector<ChangedPathRecord>>>>
PgTxn::GetChangedPathsOf(int64_t repo_id, const std::vector<int64_t>& numbers) {
  using Out = std::vector<std::pair<int64_t, std::vector<ChangedPathRecord>>>;
  return Run("get changed paths of changesets", [&]() -> absl::StatusOr<Out> {
    Out out;
    for (int64_t n : numbers) out.emplace_back(n, std::vector<ChangedPathRecord>());
    if (numbers.empty()) return out;
    std::map<int64_t, std::vector<ChangedPathRecord>*> slot;
    for (auto& [n, paths] : out) slot[n] = &paths;
    for (const auto& row :
         w_.exec_prepared("cs_paths_of", repo_id, NumberArrayLiteral(numbers))) {
      ChangedPathRecord p;
      p.path = row[1].as<std::string>();
      const std::string code = row[2].as<std::string>();
      if (code == "A") {
        p.action = PathAction::kAdd;
      } else if (code == "M") {
        p.action = PathAction::kModify;
      } else if (code == "D") {
        p.action = PathAction::kDelete;
      } else {
        return absl::DataLossError("changed path with unknown action '" + code + "'");
      }
      if (!row[3].is_null()) p.content_id = row[3].as<std::string>();
      slot[row[0].as<int64_t>()]->push_back(std::move(p));
    }
    return out;
  });
}

absl::StatusOr<std::vector<ChangesetRecord>> PgTxn::GetChangesets(
    int64_t repo_id, const std::vector<int64_t>& numbers) {
  return Run("get changesets", [&]() -> absl::StatusOr<std::vector<ChangesetRecord>> {
    std::vector<ChangesetRecord> out;
    if (numbers.empty()) return out;
    for (const auto& row : w_.exec_prepared("cs_many", repo_id, NumberArrayLiteral(numbers))) {
      out.push_back(ChangesetFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::vector<ChangesetRecord>>> PgTxn::SegmentChangesetsInRanges(
    int64_t repo_id, const std::vector<FirstParentSegment>& segments,
    const std::vector<std::pair<int64_t, int64_t>>& ranges, int per_range) {
  using Out = std::vector<std::vector<ChangesetRecord>>;
  return Run("segment changesets in ranges", [&]() -> absl::StatusOr<Out> {
    Out out(ranges.size());
    if (ranges.empty() || segments.empty()) return out;
    std::vector<int64_t> lo, hi, lines, afters, uptos;
    for (const auto& [a, b] : ranges) {
      lo.push_back(a);
      hi.push_back(b);
    }
    for (const FirstParentSegment& s : segments) {
      lines.push_back(s.line);
      afters.push_back(s.after);
      uptos.push_back(s.upto);
    }
    for (const auto& row : w_.exec_prepared("cs_segment_ranges", repo_id, NumberArrayLiteral(lo),
                                            NumberArrayLiteral(hi), NumberArrayLiteral(lines),
                                            NumberArrayLiteral(afters), NumberArrayLiteral(uptos),
                                            per_range)) {
      const int64_t idx = row[0].as<int64_t>() - 1;
      if (out[idx].size() >= static_cast<size_t>(per_range)) continue;
      // The changeset columns follow the index (ChangesetFromRow reads from column 0).
      ChangesetRecord cs;
      cs.number = row[1].as<int64_t>();
      if (!row[2].is_null()) cs.parent = row[2].as<int64_t>();
      if (!row[3].is_null()) cs.merge_parent = row[3].as<int64_t>();
      cs.root_tree = row[4].as<std::string>();
      cs.author_id = row[5].as<int64_t>();
      cs.author_name = row[6].as<std::string>();
      cs.created_at_micros = row[7].as<int64_t>();
      cs.message = row[8].as<std::string>();
      if (!row[9].is_null()) cs.submit_id = row[9].as<std::string>();
      out[idx].push_back(std::move(cs));
    }
    return out;
  });
}

}  // namespace mlvc::server::store::internal
