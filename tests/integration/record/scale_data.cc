#include "tests/integration/record/scale_data.h"

#include <chrono>
#include <pqxx/pqxx>

namespace mlvc::testing {

ScaleFigures GenerateScaleRecord(const std::string& uri, int64_t repo_id, int64_t user_id,
                                 const ScaleShape& shape) {
  const auto start = std::chrono::steady_clock::now();
  pqxx::connection conn(uri);
  ScaleFigures figures;
  {
    pqxx::work w(conn);
    const std::string repo = std::to_string(repo_id);
    const std::string user = std::to_string(user_id);
    const std::string n = std::to_string(shape.runs);
    const std::string fork = std::to_string(shape.runs / 2);
    const std::string side_last = std::to_string(shape.runs + shape.side_runs);
    const std::string content(64, 'c');
    w.exec("INSERT INTO contents (id, size) VALUES ('" + content + "', 1) ON CONFLICT DO NOTHING");
    // Main: @1..@N, each the first-parent child of the one before, on main's line.
    w.exec("INSERT INTO changesets (repo_id, number, parent, root_tree, author_id, message,"
           " fp_line) SELECT " + repo + ", g, g - 1, c0.root_tree, " + user +
           ", 'change ' || g, b.fp_line FROM generate_series(1, " + n + ") g,"
           " changesets c0, branches b WHERE c0.repo_id = " + repo + " AND c0.number = 0"
           " AND b.repo_id = " + repo + " AND b.name = 'main'");
    w.exec("UPDATE branches SET head = " + n + " WHERE repo_id = " + repo + " AND name = 'main'");
    // Side: a branch made at @N/2 (its own line), then @N+1.. on it.
    w.exec("INSERT INTO branches (repo_id, name, head) VALUES (" + repo + ", 'side', " + fork +
           ")");
    w.exec("INSERT INTO changesets (repo_id, number, parent, root_tree, author_id, message,"
           " fp_line) SELECT " + repo + ", g, CASE WHEN g = " + n + " + 1 THEN " + fork +
           " ELSE g - 1 END, c0.root_tree, " + user + ", 'side ' || g, b.fp_line"
           " FROM generate_series(" + n + " + 1, " + side_last + ") g, changesets c0, branches b"
           " WHERE c0.repo_id = " + repo + " AND c0.number = 0 AND b.repo_id = " + repo +
           " AND b.name = 'side'");
    w.exec("UPDATE branches SET head = " + side_last + " WHERE repo_id = " + repo +
           " AND name = 'side'");
    w.exec("UPDATE repositories SET last_number = " + side_last + " WHERE id = " + repo);
    // What each changeset changed: a code file, and every 7th a data file too.
    w.exec("INSERT INTO changed_paths (repo_id, number, path, action, content_id)"
           " SELECT " + repo + ", g, 'train.py', 'M', '" + content + "'"
           " FROM generate_series(1, " + side_last + ") g");
    w.exec("INSERT INTO changed_paths (repo_id, number, path, action, content_id)"
           " SELECT " + repo + ", g, 'data/part-' || (g % 100) || '.csv', 'M', '" + content + "'"
           " FROM generate_series(7, " + side_last + ", 7) g");
    // One run per changeset: every 10th a train run, the others eval runs.
    w.exec("INSERT INTO runs (repo_id, number, fp_line, kind, name, status, user_id, started_at,"
           " finished_at) SELECT c.repo_id, c.number, c.fp_line,"
           " CASE WHEN c.number % 10 = 0 THEN 1 ELSE 2 END, 'run', 1, " + user +
           ", now(), now() FROM changesets c WHERE c.repo_id = " + repo + " AND c.number > 0"
           " ORDER BY c.number");
    // Values move with the number in a way that has regular small and rare large drops.
    w.exec("INSERT INTO run_metrics (run_id, repo_id, number, fp_line, kind, key, step, value,"
           " last) SELECT r.id, r.repo_id, r.number, r.fp_line, r.kind, k.key, NULL,"
           " k.base + 0.1 * sin(r.number * 0.37) - CASE WHEN r.number % 997 = 0 THEN 0.3"
           " ELSE 0 END, true FROM runs r,"
           " (VALUES ('accuracy', 0.8), ('loss', 0.3), ('f1', 0.7), ('precision', 0.75),"
           "  ('recall', 0.72)) AS k (key, base) WHERE r.repo_id = " + repo);
    w.exec("INSERT INTO run_metrics (run_id, repo_id, number, fp_line, kind, key, step, value,"
           " last) SELECT r.id, r.repo_id, r.number, r.fp_line, r.kind, 'loss.train', s,"
           " 1.0 / (s + 1) + 0.01 * cos(r.number), s = 4 FROM runs r, generate_series(0, 4) s"
           " WHERE r.repo_id = " + repo);
    figures.changesets = w.exec1("SELECT count(*) FROM changesets WHERE repo_id = " + repo)[0]
                             .as<int64_t>();
    figures.runs = w.exec1("SELECT count(*) FROM runs WHERE repo_id = " + repo)[0].as<int64_t>();
    figures.metric_values =
        w.exec1("SELECT count(*) FROM run_metrics WHERE repo_id = " + repo)[0].as<int64_t>();
    w.commit();
  }
  pqxx::nontransaction(conn).exec(
      "VACUUM ANALYZE changesets, changed_paths, runs, run_metrics, fp_lines, branches");
  figures.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return figures;
}

}  // namespace mlvc::testing
