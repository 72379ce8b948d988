#include "common/diff/unified_diff.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace mlvc::common {
namespace {

// Myers' linear-space O(ND) diff over lines interned as integers, so that the inner loops
// compare ints rather than strings. Marks every line of `a` that is removed and every line
// of `b` that is added; the unmarked lines of both, in order, are the kept ones.
class MyersDiff {
 public:
  MyersDiff(std::vector<int32_t> a, std::vector<int32_t> b)
      : a_(std::move(a)), b_(std::move(b)), removed_(a_.size()), added_(b_.size()) {}

  void Run() { Compare(0, a_.size(), 0, b_.size()); }

  const std::vector<bool>& removed() const { return removed_; }
  const std::vector<bool>& added() const { return added_; }

 private:
  // Diffs a_[a0, a1) against b_[b0, b1).
  void Compare(size_t a0, size_t a1, size_t b0, size_t b1) {
    // A common prefix and suffix are always part of some shortest edit script.
    while (a0 < a1 && b0 < b1 && a_[a0] == b_[b0]) ++a0, ++b0;
    while (a0 < a1 && b0 < b1 && a_[a1 - 1] == b_[b1 - 1]) --a1, --b1;
    if (a0 == a1) {
      for (size_t j = b0; j < b1; ++j) added_[j] = true;
      return;
    }
    if (b0 == b1) {
      for (size_t i = a0; i < a1; ++i) removed_[i] = true;
      return;
    }
    size_t x = 0, y = 0;
    if (!MiddleSnake(a0, a1, b0, b1, &x, &y)) {
      // No common line at all.
      for (size_t i = a0; i < a1; ++i) removed_[i] = true;
      for (size_t j = b0; j < b1; ++j) added_[j] = true;
      return;
    }
    Compare(a0, a0 + x, b0, b0 + y);
    Compare(a0 + x, a1, b0 + y, b1);
  }

  // Finds the point (x, y), relative to (a0, b0), where a forward and a reverse furthest-
  // reaching D-path of a shortest edit script overlap (Myers 1986, section 4b). Returns
  // false when the two ranges have no line in common.
  // REQUIRES: both ranges non-empty, differing in their first and their last line.
  bool MiddleSnake(size_t a0, size_t a1, size_t b0, size_t b1, size_t* split_x,
                   size_t* split_y) {
    const int64_t n = static_cast<int64_t>(a1 - a0);
    const int64_t m = static_cast<int64_t>(b1 - b0);
    const int64_t max_d = (n + m + 1) / 2;
    const int64_t offset = max_d;
    // Room for diagonals -max_d-1 .. max_d+1: the first step reads diagonal 1.
    const int64_t length = 2 * max_d + 2;
    // vf[offset + k]: furthest x on diagonal k (x - y) of the forward search; vr likewise
    // for the reverse search, x counted from the end.
    std::vector<int64_t> vf(length, -1), vr(length, -1);
    vf[offset + 1] = 0;
    vr[offset + 1] = 0;
    const int64_t delta = n - m;
    // With an odd delta the paths meet during a forward step, otherwise a reverse one.
    const bool front = (delta % 2) != 0;
    // Diagonals that ran off the edge of the grid are not extended again.
    int64_t k1_start = 0, k1_end = 0, k2_start = 0, k2_end = 0;
    const int32_t* a = a_.data() + a0;
    const int32_t* b = b_.data() + b0;
    for (int64_t d = 0; d < max_d; ++d) {
      for (int64_t k1 = -d + k1_start; k1 <= d - k1_end; k1 += 2) {
        const int64_t k1_offset = offset + k1;
        int64_t x1;
        if (k1 == -d || (k1 != d && vf[k1_offset - 1] < vf[k1_offset + 1])) {
          x1 = vf[k1_offset + 1];
        } else {
          x1 = vf[k1_offset - 1] + 1;
        }
        int64_t y1 = x1 - k1;
        while (x1 < n && y1 < m && a[x1] == b[y1]) ++x1, ++y1;
        vf[k1_offset] = x1;
        if (x1 > n) {
          k1_end += 2;
        } else if (y1 > m) {
          k1_start += 2;
        } else if (front) {
          const int64_t k2_offset = offset + delta - k1;
          if (k2_offset >= 0 && k2_offset < length && vr[k2_offset] != -1) {
            if (x1 >= n - vr[k2_offset]) {
              *split_x = static_cast<size_t>(x1);
              *split_y = static_cast<size_t>(y1);
              return true;
            }
          }
        }
      }
      for (int64_t k2 = -d + k2_start; k2 <= d - k2_end; k2 += 2) {
        const int64_t k2_offset = offset + k2;
        int64_t x2;
        if (k2 == -d || (k2 != d && vr[k2_offset - 1] < vr[k2_offset + 1])) {
          x2 = vr[k2_offset + 1];
        } else {
          x2 = vr[k2_offset - 1] + 1;
        }
        int64_t y2 = x2 - k2;
        while (x2 < n && y2 < m && a[n - x2 - 1] == b[m - y2 - 1]) ++x2, ++y2;
        vr[k2_offset] = x2;
        if (x2 > n) {
          k2_end += 2;
        } else if (y2 > m) {
          k2_start += 2;
        } else if (!front) {
          const int64_t k1_offset = offset + delta - k2;
          if (k1_offset >= 0 && k1_offset < length && vf[k1_offset] != -1) {
            const int64_t x1 = vf[k1_offset];
            const int64_t y1 = offset + x1 - k1_offset;
            if (x1 >= n - x2) {
              *split_x = static_cast<size_t>(x1);
              *split_y = static_cast<size_t>(y1);
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  std::vector<int32_t> a_, b_;
  std::vector<bool> removed_, added_;
};

// One change of a diff: a_count lines of a at a_start replaced by b_count lines of b.
struct Change {
  size_t a_start, a_count, b_start, b_count;
};

std::vector<Change> ToChanges(const std::vector<DiffRun>& runs) {
  std::vector<Change> changes;
  bool open = false;
  for (const DiffRun& run : runs) {
    if (run.kind == DiffRun::kKeep) {
      open = false;
      continue;
    }
    if (!open) {
      changes.push_back(Change{run.a_start, 0, run.b_start, 0});
      open = true;
    }
    if (run.kind == DiffRun::kRemove) {
      changes.back().a_count += run.count;
    } else {
      changes.back().b_count += run.count;
    }
  }
  return changes;
}

// "start,count" of a hunk side as diff -u prints it: a count of 1 is left out, and an empty
// side names the line before it.
std::string HunkRange(size_t start, size_t count) {
  if (count == 0) return std::to_string(start) + ",0";
  if (count == 1) return std::to_string(start + 1);
  return std::to_string(start + 1) + "," + std::to_string(count);
}

void AppendLine(std::string& out, char prefix, std::string_view line) {
  out.push_back(prefix);
  out.append(line);
  if (line.empty() || line.back() != '\n') out.append("\n\\ No newline at end of file\n");
}

}  // namespace

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::vector<DiffRun> DiffLines(const std::vector<std::string_view>& a,
                               const std::vector<std::string_view>& b) {
  std::unordered_map<std::string_view, int32_t> ids;
  auto intern = [&ids](const std::vector<std::string_view>& lines) {
    std::vector<int32_t> out;
    out.reserve(lines.size());
    for (std::string_view line : lines) {
      out.push_back(ids.emplace(line, static_cast<int32_t>(ids.size())).first->second);
    }
    return out;
  };
  std::vector<int32_t> ia = intern(a);
  std::vector<int32_t> ib = intern(b);
  MyersDiff diff(std::move(ia), std::move(ib));
  diff.Run();
  const std::vector<bool>& removed = diff.removed();
  const std::vector<bool>& added = diff.added();

  std::vector<DiffRun> runs;
  auto emit = [&runs](DiffRun::Kind kind, size_t a_start, size_t b_start) {
    if (!runs.empty() && runs.back().kind == kind) {
      ++runs.back().count;
    } else {
      runs.push_back(DiffRun{kind, a_start, b_start, 1});
    }
  };
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    // Within one change, removals come before additions.
    if (i < a.size() && removed[i]) {
      emit(DiffRun::kRemove, i, j);
      ++i;
    } else if (j < b.size() && added[j]) {
      emit(DiffRun::kAdd, i, j);
      ++j;
    } else {
      emit(DiffRun::kKeep, i, j);
      ++i;
      ++j;
    }
  }
  return runs;
}

std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view a_label,
                        std::string_view b_label, int context) {
  if (a == b) return std::string();
  const std::vector<std::string_view> a_lines = SplitLines(a);
  const std::vector<std::string_view> b_lines = SplitLines(b);
  const std::vector<Change> changes = ToChanges(DiffLines(a_lines, b_lines));
  const size_t ctx = context < 0 ? 0 : static_cast<size_t>(context);

  std::string out;
  out.append("--- ").append(a_label).append("\n");
  out.append("+++ ").append(b_label).append("\n");
  size_t first = 0;
  while (first < changes.size()) {
    // A hunk takes the following changes while the unchanged gap between them is at most
    // two contexts, as diff -u joins them.
    size_t last = first;
    while (last + 1 < changes.size() &&
           changes[last + 1].a_start - (changes[last].a_start + changes[last].a_count) <=
               2 * ctx) {
      ++last;
    }
    const Change& head = changes[first];
    const Change& tail = changes[last];
    const size_t lead = std::min(ctx, head.a_start);
    const size_t a_lo = head.a_start - lead;
    const size_t b_lo = head.b_start - lead;
    const size_t a_tail_end = tail.a_start + tail.a_count;
    const size_t trail = std::min(ctx, a_lines.size() - a_tail_end);
    const size_t a_hi = a_tail_end + trail;
    const size_t b_hi = tail.b_start + tail.b_count + trail;
    out.append("@@ -").append(HunkRange(a_lo, a_hi - a_lo));
    out.append(" +").append(HunkRange(b_lo, b_hi - b_lo)).append(" @@\n");
    size_t ai = a_lo;
    for (size_t c = first; c <= last; ++c) {
      const Change& change = changes[c];
      for (; ai < change.a_start; ++ai) AppendLine(out, ' ', a_lines[ai]);
      for (size_t k = 0; k < change.a_count; ++k) AppendLine(out, '-', a_lines[ai++]);
      for (size_t k = 0; k < change.b_count; ++k) {
        AppendLine(out, '+', b_lines[change.b_start + k]);
      }
    }
    for (; ai < a_hi; ++ai) AppendLine(out, ' ', a_lines[ai]);
    first = last + 1;
  }
  return out;
}

}  // namespace mlvc::common
