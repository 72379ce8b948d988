#include "common/merge/diff3.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/diff/unified_diff.h"

namespace mlvc::common {
namespace {

using Lines = std::vector<std::string_view>;

// One change of a side against base: base lines [base_begin, base_end) became the side's
// lines [side_begin, side_end). A pure insertion has base_begin == base_end.
struct Hunk {
  size_t base_begin, base_end, side_begin, side_end;
};

// The changes of `side` against `base`, in base order. Consecutive hunks are separated by
// at least one unchanged line, since each hunk is a maximal run of non-kept diff runs.
std::vector<Hunk> Hunks(const Lines& base, const Lines& side) {
  std::vector<Hunk> hunks;
  size_t a = 0, b = 0;
  bool open = false;
  for (const DiffRun& run : DiffLines(base, side)) {
    if (run.count == 0) continue;
    if (run.kind == DiffRun::kKeep) {
      a += run.count;
      b += run.count;
      open = false;
      continue;
    }
    if (!open) {
      hunks.push_back(Hunk{a, a, b, b});
      open = true;
    }
    if (run.kind == DiffRun::kRemove) {
      a += run.count;
    } else {
      b += run.count;
    }
    hunks.back().base_end = a;
    hunks.back().side_end = b;
  }
  return hunks;
}

// The end-of-line style of `text`: that of its first terminated line, or empty when none.
std::string_view EolOf(std::string_view text) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return {};
  return nl > 0 && text[nl - 1] == '\r' ? "\r\n" : "\n";
}

class Writer {
 public:
  explicit Writer(std::string_view eol) : eol_(eol) {}

  void Line(std::string_view line) {
    // Only a file's last line lacks a terminator; if one is followed by more content (never
    // expected outside conflict blocks) it gets one rather than being glued to the next.
    EndLine();
    out_.append(line);
  }

  void Range(const Lines& lines, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) Line(lines[i]);
  }

  void Marker(std::string_view marker, std::string_view label) {
    EndLine();
    out_.append(marker);
    if (!label.empty()) out_.append(" ").append(label);
    out_.append(eol_);
  }

  std::string Take() { return std::move(out_); }

 private:
  void EndLine() {
    if (!out_.empty() && out_.back() != '\n') out_.append(eol_);
  }

  std::string_view eol_;
  std::string out_;
};

bool SameLines(const Lines& a, size_t a_begin, size_t a_end, const Lines& b, size_t b_begin,
               size_t b_end) {
  return a_end - a_begin == b_end - b_begin &&
         std::equal(a.begin() + a_begin, a.begin() + a_end, b.begin() + b_begin);
}

// The lines of one side that correspond to base region [lo, hi), given the side's hunks
// [first, last) that fall inside it. Outside its hunks the side equals base, so the ends
// of the region map linearly from the outermost hunks.
void SideRange(const std::vector<Hunk>& hunks, size_t first, size_t last, size_t lo, size_t hi,
               size_t* begin, size_t* end) {
  if (first == last) {
    *begin = lo;
    *end = hi;
    return;
  }
  const Hunk& head = hunks[first];
  const Hunk& tail = hunks[last - 1];
  *begin = head.side_begin - (head.base_begin - lo);
  *end = tail.side_end + (hi - tail.base_end);
}

}  // namespace

MergeResult Merge3(std::string_view base, std::string_view ours, std::string_view theirs,
                   const MergeLabels& labels) {
  // Fast paths; each gives exactly what the general algorithm would.
  if (ours == theirs || base == theirs) return MergeResult{std::string(ours), true, 0};
  if (base == ours) return MergeResult{std::string(theirs), true, 0};

  const Lines base_lines = SplitLines(base);
  const Lines our_lines = SplitLines(ours);
  const Lines their_lines = SplitLines(theirs);
  const std::vector<Hunk> our_hunks = Hunks(base_lines, our_lines);
  const std::vector<Hunk> their_hunks = Hunks(base_lines, their_lines);

  std::string_view eol = EolOf(ours);
  if (eol.empty()) eol = EolOf(theirs);
  if (eol.empty()) eol = EolOf(base);
  if (eol.empty()) eol = "\n";
  Writer out(eol);
  int conflicts = 0;

  size_t pos = 0;  // next base line not yet written
  size_t oi = 0, ti = 0;
  while (oi < our_hunks.size() || ti < their_hunks.size()) {
    // A region starts at the earliest remaining hunk and absorbs every hunk of either side
    // that overlaps or touches it, until no unchanged base line separates it from the next.
    const bool ours_first = ti == their_hunks.size() ||
                            (oi < our_hunks.size() &&
                             our_hunks[oi].base_begin <= their_hunks[ti].base_begin);
    const size_t lo = ours_first ? our_hunks[oi].base_begin : their_hunks[ti].base_begin;
    size_t hi = lo;
    const size_t o_first = oi, t_first = ti;
    for (;;) {
      if (oi < our_hunks.size() && our_hunks[oi].base_begin <= hi) {
        hi = std::max(hi, our_hunks[oi++].base_end);
      } else if (ti < their_hunks.size() && their_hunks[ti].base_begin <= hi) {
        hi = std::max(hi, their_hunks[ti++].base_end);
      } else {
        break;
      }
    }

    out.Range(base_lines, pos, lo);
    pos = hi;
    size_t o_begin, o_end, t_begin, t_end;
    SideRange(our_hunks, o_first, oi, lo, hi, &o_begin, &o_end);
    SideRange(their_hunks, t_first, ti, lo, hi, &t_begin, &t_end);
    if (t_first == ti) {
      out.Range(our_lines, o_begin, o_end);
    } else if (o_first == oi ||
               SameLines(our_lines, o_begin, o_end, their_lines, t_begin, t_end)) {
      out.Range(their_lines, t_begin, t_end);
    } else {
      ++conflicts;
      out.Marker("<<<<<<<", labels.ours);
      out.Range(our_lines, o_begin, o_end);
      out.Marker("|||||||", labels.base);
      out.Range(base_lines, lo, hi);
      out.Marker("=======", "");
      out.Range(their_lines, t_begin, t_end);
      out.Marker(">>>>>>>", labels.theirs);
    }
  }
  out.Range(base_lines, pos, base_lines.size());
  return MergeResult{out.Take(), conflicts == 0, conflicts};
}

}  // namespace mlvc::common
