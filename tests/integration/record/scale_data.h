// A large ML record for the scale test: `runs` changesets on main's first-parent history,
// one run each, `values_per_run` metric values per run, plus a side branch whose runs must
// not show in main's history. Generated in SQL (generate_series), in seconds, straight into
// the tables (the triggers of migration 0006 still assign first-parent lines).
// Test code only; uses libpqxx directly.
#pragma once

#include <cstdint>
#include <string>

namespace mlvc::testing {

struct ScaleShape {
  int64_t runs = 100000;          // changesets on main, one run each (every 10th a train run)
  int64_t side_runs = 1000;       // changesets (and runs) on branch "side", forked mid-way
};

struct ScaleFigures {
  int64_t changesets = 0;
  int64_t runs = 0;
  int64_t metric_values = 0;
  double seconds = 0;
};

// Fills repository `repo_id` (created empty, with @0 and main, by the caller) as the author
// `user_id`. Every run has 5 single values (accuracy, loss, f1, precision, recall) and a
// 5-step series "loss.train": 10 values per run. Values are deterministic functions of the
// changeset number. Ends with VACUUM ANALYZE.
ScaleFigures GenerateScaleRecord(const std::string& uri, int64_t repo_id, int64_t user_id,
                                 const ScaleShape& shape);

}  // namespace mlvc::testing
