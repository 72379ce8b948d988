#include "common/diff/unified_diff.h"

#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace mlvc::common {
namespace {

// Lines "1\n" .. "n\n", with the given 1-based line numbers replaced.
std::string Numbered(int n, std::vector<std::pair<int, std::string>> replaced = {}) {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    std::string line = std::to_string(i);
    for (const auto& [at, text] : replaced) {
      if (at == i) line = text;
    }
    out += line + "\n";
  }
  return out;
}

std::string Diff(std::string_view a, std::string_view b) {
  return UnifiedDiff(a, b, "a/f", "b/f");
}

constexpr char kHead[] = "--- a/f\n+++ b/f\n";

TEST_CASE("unified_diff: SplitLines keeps newlines", "[common][diff]") {
  CHECK(SplitLines("").empty());
  CHECK(SplitLines("a") == std::vector<std::string_view>{"a"});
  CHECK(SplitLines("a\n") == std::vector<std::string_view>{"a\n"});
  CHECK(SplitLines("a\n\nb") == std::vector<std::string_view>{"a\n", "\n", "b"});
}

TEST_CASE("unified_diff: equal texts give nothing", "[common][diff]") {
  CHECK(Diff("", "").empty());
  CHECK(Diff("a\nb\n", "a\nb\n").empty());
  CHECK(Diff("no newline", "no newline").empty());
}

TEST_CASE("unified_diff: insertion", "[common][diff]") {
  CHECK(Diff("a\nb\nc\n", "a\nb\nX\nc\n") ==
        std::string(kHead) + "@@ -1,3 +1,4 @@\n a\n b\n+X\n c\n");
}

TEST_CASE("unified_diff: deletion in the middle", "[common][diff]") {
  CHECK(Diff(Numbered(10), "1\n2\n3\n4\n6\n7\n8\n9\n10\n") ==
        std::string(kHead) + "@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n");
}

TEST_CASE("unified_diff: change at start and at end", "[common][diff]") {
  CHECK(Diff("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n") ==
        std::string(kHead) + "@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n");
  CHECK(Diff("a\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n") ==
        std::string(kHead) + "@@ -2,4 +2,4 @@\n b\n c\n d\n-e\n+E\n");
}

TEST_CASE("unified_diff: missing final newline", "[common][diff]") {
  CHECK(Diff("a\n", "a") ==
        std::string(kHead) + "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
  CHECK(Diff("a\nb", "a\nc") == std::string(kHead) +
                                    "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
                                    "+c\n\\ No newline at end of file\n");
  // An unchanged last line without newline is context and still marked.
  CHECK(Diff("x\nz", "y\nz") == std::string(kHead) +
                                    "@@ -1,2 +1,2 @@\n-x\n+y\n z\n\\ No newline at end of file\n");
}

TEST_CASE("unified_diff: empty files", "[common][diff]") {
  CHECK(Diff("", "x\n") == std::string(kHead) + "@@ -0,0 +1 @@\n+x\n");
  CHECK(Diff("x\ny\n", "") == std::string(kHead) + "@@ -1,2 +0,0 @@\n-x\n-y\n");
}

TEST_CASE("unified_diff: nearby changes share a hunk", "[common][diff]") {
  // Five unchanged lines between the changes: within 2 x 3 context lines.
  CHECK(Diff(Numbered(20), Numbered(20, {{5, "five"}, {11, "eleven"}})) ==
        std::string(kHead) +
            "@@ -2,13 +2,13 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n-11\n+eleven\n"
            " 12\n 13\n 14\n");
  // Seven unchanged lines: two hunks.
  CHECK(Diff(Numbered(20), Numbered(20, {{5, "five"}, {13, "thirteen"}})) ==
        std::string(kHead) + "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n" +
            "@@ -10,7 +10,7 @@\n 10\n 11\n 12\n-13\n+thirteen\n 14\n 15\n 16\n");
}

TEST_CASE("unified_diff: context 0 and custom labels", "[common][diff]") {
  CHECK(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "a/x y", "b/x y", 0) ==
        "--- a/x y\n+++ b/x y\n@@ -2 +2 @@\n-b\n+B\n");
  // An empty side names the line before it.
  CHECK(UnifiedDiff("a\nc\n", "a\nb\nc\n", "A", "B", 0) == "--- A\n+++ B\n@@ -1,0 +2 @@\n+b\n");
}

// Length of a longest common subsequence, by dynamic programming.
size_t Lcs(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  return t[a.size()][b.size()];
}

TEST_CASE("unified_diff: DiffLines is a correct and shortest edit script", "[common][diff]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    auto random_text = [&rng, round]() {
      std::string s;
      const int n = static_cast<int>(rng() % (round < 1500 ? 14 : 60));
      for (int i = 0; i < n; ++i) s += std::string(1, static_cast<char>('a' + rng() % 4)) + "\n";
      return s;
    };
    const std::string ta = random_text();
    const std::string tb = random_text();
    const std::vector<std::string_view> a = SplitLines(ta);
    const std::vector<std::string_view> b = SplitLines(tb);
    const std::vector<DiffRun> runs = DiffLines(a, b);
    INFO("a=" << ta << " b=" << tb);
    size_t ai = 0, bi = 0, edits = 0;
    std::vector<std::string_view> rebuilt;
    for (size_t r = 0; r < runs.size(); ++r) {
      const DiffRun& run = runs[r];
      REQUIRE(run.count > 0);
      if (r > 0) REQUIRE(runs[r - 1].kind != run.kind);
      switch (run.kind) {
        case DiffRun::kKeep:
          REQUIRE(run.a_start == ai);
          REQUIRE(run.b_start == bi);
          for (size_t k = 0; k < run.count; ++k) {
            REQUIRE(a[ai + k] == b[bi + k]);
            rebuilt.push_back(a[ai + k]);
          }
          ai += run.count;
          bi += run.count;
          break;
        case DiffRun::kRemove:
          REQUIRE(run.a_start == ai);
          ai += run.count;
          edits += run.count;
          break;
        case DiffRun::kAdd:
          REQUIRE(run.b_start == bi);
          for (size_t k = 0; k < run.count; ++k) rebuilt.push_back(b[bi + k]);
          bi += run.count;
          edits += run.count;
          break;
      }
    }
    REQUIRE(ai == a.size());
    REQUIRE(bi == b.size());
    REQUIRE(rebuilt == b);
    REQUIRE(edits == a.size() + b.size() - 2 * Lcs(a, b));
  }
}

TEST_CASE("unified_diff: large inputs stay fast", "[common][diff]") {
  std::string a, b;
  for (int i = 0; i < 50000; ++i) {
    a += "line " + std::to_string(i) + "\n";
    b += (i % 1000 == 0 ? "changed " : "line ") + std::to_string(i) + "\n";
  }
  const std::vector<DiffRun> runs = DiffLines(SplitLines(a), SplitLines(b));
  size_t removed = 0;
  for (const DiffRun& r : runs) {
    if (r.kind == DiffRun::kRemove) removed += r.count;
  }
  CHECK(removed == 50);
}

}  // namespace
}  // namespace mlvc::common
