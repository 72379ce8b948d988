// Fuzz target: the line diff and three-way merge (common/diff, common/merge) that server
// merges, submits on a moved head and `mlvc update` run on users' files. The input is
// "BASE\0OURS\0THEIRS" (merged files are text, which holds no NUL; missing parts are empty).
// Invariants checked besides "never crashes":
//   - a merge of identical sides returns that text, clean;
//   - `clean` agrees with the conflict count, and swapping ours and theirs changes neither
//     (regions and their resolution are symmetric), nor the text of a clean merge;
//   - the line diff's runs cover both texts in order, replay base into ours, and, on inputs
//     small enough to check against a quadratic LCS, are a shortest edit script;
//   - the unified diff is empty exactly when the texts are equal.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/diff/unified_diff.h"
#include "common/merge/diff3.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using Lines = std::vector<std::string_view>;

// Longest common subsequence length by dynamic programming, for small inputs only.
size_t LcsLength(const Lines& a, const Lines& b) {
  std::vector<size_t> row(b.size() + 1, 0), prev(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
    }
    std::swap(row, prev);
  }
  return prev[b.size()];
}

void CheckDiff(std::string_view a_text, std::string_view b_text) {
  const Lines a = mlvc::common::SplitLines(a_text);
  const Lines b = mlvc::common::SplitLines(b_text);
  std::string joined;
  for (std::string_view line : a) joined.append(line);
  FUZZ_CHECK(joined == a_text);

  size_t ai = 0, bi = 0, edits = 0;
  Lines replayed;
  for (const mlvc::common::DiffRun& run : mlvc::common::DiffLines(a, b)) {
    switch (run.kind) {
      case mlvc::common::DiffRun::kKeep:
        FUZZ_CHECK(run.a_start == ai && run.b_start == bi);
        FUZZ_CHECK(ai + run.count <= a.size() && bi + run.count <= b.size());
        for (size_t k = 0; k < run.count; ++k) {
          FUZZ_CHECK(a[ai + k] == b[bi + k]);
          replayed.push_back(a[ai + k]);
        }
        ai += run.count;
        bi += run.count;
        break;
      case mlvc::common::DiffRun::kRemove:
        FUZZ_CHECK(run.a_start == ai && ai + run.count <= a.size());
        ai += run.count;
        edits += run.count;
        break;
      case mlvc::common::DiffRun::kAdd:
        FUZZ_CHECK(run.b_start == bi && bi + run.count <= b.size());
        for (size_t k = 0; k < run.count; ++k) replayed.push_back(b[bi + k]);
        bi += run.count;
        edits += run.count;
        break;
    }
  }
  FUZZ_CHECK(ai == a.size() && bi == b.size());
  FUZZ_CHECK(replayed == b);
  if (a.size() * b.size() <= 20000) {
    FUZZ_CHECK(edits == a.size() + b.size() - 2 * LcsLength(a, b));
  }

  const std::string unified = mlvc::common::UnifiedDiff(a_text, b_text, "a", "b");
  FUZZ_CHECK(unified.empty() == (a_text == b_text));
}

void CheckIdentical(std::string_view base, std::string_view side) {
  const mlvc::common::MergeResult m = mlvc::common::Merge3(base, side, side);
  FUZZ_CHECK(m.clean && m.conflicts == 0 && m.text == side);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    const size_t nul = i < 2 ? input.find('\0') : std::string_view::npos;
    parts[i] = input.substr(0, nul);
    input.remove_prefix(nul == std::string_view::npos ? input.size() : nul + 1);
  }
  const std::string_view base = parts[0], ours = parts[1], theirs = parts[2];

  const mlvc::common::MergeResult m = mlvc::common::Merge3(base, ours, theirs);
  FUZZ_CHECK(m.conflicts >= 0 && m.clean == (m.conflicts == 0));
  const mlvc::common::MergeResult swapped = mlvc::common::Merge3(base, theirs, ours);
  FUZZ_CHECK(swapped.conflicts == m.conflicts);
  if (m.clean) FUZZ_CHECK(swapped.text == m.text);

  CheckIdentical(base, ours);
  CheckIdentical(base, theirs);
  CheckIdentical(ours, ours);

  CheckDiff(base, ours);
  CheckDiff(base, theirs);
  return 0;
}
