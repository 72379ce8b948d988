// Line diff of two texts and its unified-diff rendering (as `diff -u` prints it).
// Requires: nothing. Used by: client (mlvc diff); server merge builds on the same line diff.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlvc::common {

// Splits text into lines, each keeping its '\n' (the last may lack one).
std::vector<std::string_view> SplitLines(std::string_view text);

// One run of a line diff: `count` lines kept, removed from `a`, or added from `b`.
struct DiffRun {
  enum Kind { kKeep, kRemove, kAdd } kind;
  size_t a_start;  // index of the first line in a (kKeep, kRemove)
  size_t b_start;  // index of the first line in b (kKeep, kAdd)
  size_t count;
};

// A shortest edit script from a to b (Myers' O(ND) algorithm), as alternating runs.
std::vector<DiffRun> DiffLines(const std::vector<std::string_view>& a,
                               const std::vector<std::string_view>& b);

// `diff -u` style text with `context` lines around each change, headed by
// "--- a_label" and "+++ b_label". Empty when the texts are equal. A last line without a
// newline is followed by "\ No newline at end of file".
std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view a_label,
                        std::string_view b_label, int context = 3);

}  // namespace mlvc::common
