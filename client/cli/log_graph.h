// The lanes drawn left of `mlvc log --graph`: one column per line of history in flight, '*'
// for the changeset printed on that row, '|' for a lane passing by, '\' where a merge opens
// the lane of its merge parent, '/' where lanes join (or shift left after a join).
// Requires: client/remote (types only). Used by: log_cmd.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/remote/remote_types.h"

namespace mlvc::client::cli {

// What to print for one changeset: optional join row before it, its own row prefix, an
// optional fork row after it, and the prefix of its detail lines (message, Merge:).
struct GraphRows {
  std::string join;    // e.g. "| / " (empty: none)
  std::string commit;  // e.g. "* | "
  std::string fork;    // e.g. "| \ " (empty: none)
  std::string detail;  // e.g. "| | "
};

// Lays out `log` (newest first, every changeset reachable through both parents, as
// LogRequest.all_parents returns it). A parent missing from `log` (cut by the limit) simply
// ends its lane.
class GraphLayout {
 public:
  GraphRows Next(const remote::ChangesetInfo& cs);

 private:
  std::vector<int64_t> lanes_;  // the changeset each lane waits for
};

}  // namespace mlvc::client::cli
