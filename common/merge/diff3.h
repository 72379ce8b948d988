// Line-based three-way merge of texts (diff3 -m / git merge-file semantics).
// Requires: the line diff in common/diff. Used by: server/core (server-side merge, submit
// on a moved head) and client/ops (mlvc update with local edits). Pure code, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace mlvc::common {

struct MergeResult {
  std::string text;  // the merged text, with conflict regions written as marker blocks
  bool clean;        // true when conflicts == 0
  int conflicts;     // number of conflict blocks in text
};

// Names written after the conflict markers.
struct MergeLabels {
  std::string base = "base", ours = "mine", theirs = "theirs";
};

// Merges the changes that `ours` and `theirs` each made to `base`.
//
// Both sides are diffed line by line against base (lines compared whole, terminator
// included, so "x\r\n", "x\n" and a final "x" are three different lines). The base is then
// cut into regions: a region is a maximal group of changes, from either side, whose base
// ranges overlap or touch. Two changes touch when no unchanged base line separates them, so
//   - a change on one side directly followed by a change on the other (e.g. ours edits
//     line 3, theirs edits line 4) is ONE region: adjacent edits conflict;
//   - insertions of both sides at the same base position are one region;
//   - an insertion right before or after lines the other side changed is one region.
// Each region resolves as follows:
//   - changed on one side only: that side's lines are taken (clean);
//   - changed on both sides to the same lines: taken once (clean) — this includes the
//     same deletion on both sides;
//   - otherwise a conflict, written as
//       <<<<<<< {labels.ours}
//       ...ours lines...
//       ||||||| {labels.base}
//       ...base lines...
//       =======
//       ...theirs lines...
//       >>>>>>> {labels.theirs}
//     e.g. a deletion on one side against an edit of the same lines on the other.
// Lines outside every region are copied from base.
//
// Line endings: marker lines end in "\r\n" when the first terminated line of ours ends in
// "\r\n" (when ours has no terminated line: theirs, then base decide), else in "\n". A
// marker always starts its own line: when the text before it lacks a final newline, one
// (of the marker style) is added first. A missing final newline of the merged side is kept
// in clean merges; after a conflict block at the end the text ends with the marker's
// newline. Empty texts on any side are ordinary zero-line files.
MergeResult Merge3(std::string_view base, std::string_view ours, std::string_view theirs,
                   const MergeLabels& labels = {});

}  // namespace mlvc::common
