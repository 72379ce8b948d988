#include "common/merge/diff3.h"

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace mlvc::common {
namespace {

// Lines "1\n" .. "n\n", with the given 1-based line numbers replaced by the given text
// (which carries its own terminator, or is empty to delete the line).
std::string Numbered(int n, std::vector<std::pair<int, std::string>> replaced = {},
                     const std::string& eol = "\n") {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    std::string line = std::to_string(i) + eol;
    for (const auto& [at, text] : replaced) {
      if (at == i) line = text;
    }
    out += line;
  }
  return out;
}

void RequireClean(const MergeResult& r, const std::string& expected) {
  CHECK(r.clean);
  CHECK(r.conflicts == 0);
  CHECK(r.text == expected);
}

void RequireConflict(const MergeResult& r, const std::string& expected, int conflicts = 1) {
  CHECK_FALSE(r.clean);
  CHECK(r.conflicts == conflicts);
  CHECK(r.text == expected);
}

TEST_CASE("Merge3 takes a change made on one side only", "[merge]") {
  const std::string base = Numbered(5);
  const std::string changed = Numbered(5, {{3, "three\n"}});
  RequireClean(Merge3(base, changed, base), changed);
  RequireClean(Merge3(base, base, changed), changed);
  RequireClean(Merge3(base, base, base), base);
}

TEST_CASE("Merge3 applies changes to distant regions from both sides", "[merge]") {
  const std::string base = Numbered(10);
  const std::string ours = Numbered(10, {{2, "two\n"}});
  const std::string theirs = Numbered(10, {{8, "eight\n"}, {9, "nine\nnine b\n"}});
  RequireClean(Merge3(base, ours, theirs),
               Numbered(10, {{2, "two\n"}, {8, "eight\n"}, {9, "nine\nnine b\n"}}));
}

TEST_CASE("Merge3 keeps changes separated by one unchanged line apart", "[merge]") {
  const std::string base = Numbered(6);
  // Line 4 stays untouched between the two edits.
  RequireClean(Merge3(base, Numbered(6, {{3, "x\n"}}), Numbered(6, {{5, "y\n"}})),
               Numbered(6, {{3, "x\n"}, {5, "y\n"}}));
  // An insertion before line 4 and an edit of line 5: line 4 separates them.
  RequireClean(Merge3(base, Numbered(6, {{3, "3\nnew\n"}}), Numbered(6, {{5, "y\n"}})),
               Numbered(6, {{3, "3\nnew\n"}, {5, "y\n"}}));
}

// Rule: changes conflict when no unchanged base line separates them, even if they do not
// overlap (as diff3 and git merge-file do): the merge cannot know the edits are independent.
TEST_CASE("Merge3 treats adjacent changes as a conflict", "[merge]") {
  const std::string base = Numbered(6);
  SECTION("edits of consecutive lines") {
    RequireConflict(Merge3(base, Numbered(6, {{3, "x\n"}}), Numbered(6, {{4, "y\n"}})),
                    "1\n2\n"
                    "<<<<<<< mine\nx\n4\n"
                    "||||||| base\n3\n4\n"
                    "=======\n3\ny\n"
                    ">>>>>>> theirs\n"
                    "5\n6\n");
  }
  SECTION("an insertion right before lines the other side edits") {
    RequireConflict(Merge3(base, Numbered(6, {{2, "2\nnew\n"}}), Numbered(6, {{3, "y\n"}})),
                    "1\n2\n"
                    "<<<<<<< mine\nnew\n3\n"
                    "||||||| base\n3\n"
                    "=======\ny\n"
                    ">>>>>>> theirs\n"
                    "4\n5\n6\n");
  }
  SECTION("an insertion right after lines the other side deletes") {
    RequireConflict(Merge3(base, Numbered(6, {{3, ""}}), Numbered(6, {{3, "3\nnew\n"}})),
                    "1\n2\n"
                    "<<<<<<< mine\n"
                    "||||||| base\n3\n"
                    "=======\n3\nnew\n"
                    ">>>>>>> theirs\n"
                    "4\n5\n6\n");
  }
  SECTION("insertions of both sides at the same place") {
    RequireConflict(Merge3(base, Numbered(6, {{3, "3\na\n"}}), Numbered(6, {{3, "3\nb\n"}})),
                    "1\n2\n3\n"
                    "<<<<<<< mine\na\n"
                    "||||||| base\n"
                    "=======\nb\n"
                    ">>>>>>> theirs\n"
                    "4\n5\n6\n");
  }
  SECTION("a chain of alternating adjacent edits is one conflict") {
    RequireConflict(
        Merge3(base, Numbered(6, {{2, "a\n"}, {4, "c\n"}}), Numbered(6, {{3, "b\n"}})),
        "1\n"
        "<<<<<<< mine\na\n3\nc\n"
        "||||||| base\n2\n3\n4\n"
        "=======\n2\nb\n4\n"
        ">>>>>>> theirs\n"
        "5\n6\n");
  }
}

TEST_CASE("Merge3 writes overlapping different changes as one conflict block", "[merge]") {
  const std::string base = "a\nb\nc\nd\ne\nf\ng\nh\n";
  const std::string ours = "a\nb\nC1\nD1\ne\nf\ng\nh\n";
  const std::string theirs = "a\nb\nc\nD2\nE2\nf\ng\nH\n";
  RequireConflict(Merge3(base, ours, theirs),
                  "a\nb\n"
                  "<<<<<<< mine\nC1\nD1\ne\n"
                  "||||||| base\nc\nd\ne\n"
                  "=======\nc\nD2\nE2\n"
                  ">>>>>>> theirs\n"
                  "f\ng\nH\n");
}

TEST_CASE("Merge3 counts separate conflicts and uses the given labels", "[merge]") {
  const std::string base = Numbered(7);
  const MergeLabels labels{"@4", "working copy", "@9"};
  RequireConflict(Merge3(base, Numbered(7, {{2, "a\n"}, {6, "c\n"}}),
                         Numbered(7, {{2, "b\n"}, {6, "d\n"}}), labels),
                  "1\n"
                  "<<<<<<< working copy\na\n||||||| @4\n2\n=======\nb\n>>>>>>> @9\n"
                  "3\n4\n5\n"
                  "<<<<<<< working copy\nc\n||||||| @4\n6\n=======\nd\n>>>>>>> @9\n"
                  "7\n",
                  2);
}

TEST_CASE("Merge3 takes identical changes once", "[merge]") {
  const std::string base = Numbered(8);
  const std::string both = Numbered(8, {{3, "x\ny\n"}, {4, ""}});
  RequireClean(Merge3(base, both, both), both);
  // The same edit plus a distinct one elsewhere on one side.
  RequireClean(Merge3(base, both, Numbered(8, {{3, "x\ny\n"}, {4, ""}, {7, "z\n"}})),
               Numbered(8, {{3, "x\ny\n"}, {4, ""}, {7, "z\n"}}));
  // The same edit on both sides, with other edits touching it on one side: the region is
  // the union, and the sides differ there.
  RequireConflict(Merge3(base, Numbered(8, {{3, "x\n"}}), Numbered(8, {{3, "x\n"}, {4, "w\n"}})),
                  "1\n2\n"
                  "<<<<<<< mine\nx\n4\n||||||| base\n3\n4\n=======\nx\nw\n>>>>>>> theirs\n"
                  "5\n6\n7\n8\n");
}

TEST_CASE("Merge3 handles deletions on both sides", "[merge]") {
  const std::string base = Numbered(8);
  SECTION("the same deletion is clean") {
    const std::string deleted = Numbered(8, {{3, ""}, {4, ""}});
    RequireClean(Merge3(base, deleted, deleted), deleted);
    RequireClean(Merge3(base, deleted, Numbered(8, {{3, ""}, {4, ""}, {8, "end\n"}})),
                 Numbered(8, {{3, ""}, {4, ""}, {8, "end\n"}}));
  }
  SECTION("different lines deleted, apart, are both deleted") {
    RequireClean(Merge3(base, Numbered(8, {{2, ""}}), Numbered(8, {{5, ""}, {6, ""}})),
                 "1\n3\n4\n7\n8\n");
  }
  SECTION("deletion against an edit of the same lines conflicts") {
    RequireConflict(Merge3(base, Numbered(8, {{4, ""}, {5, ""}}), Numbered(8, {{5, "five\n"}})),
                    "1\n2\n3\n"
                    "<<<<<<< mine\n"
                    "||||||| base\n4\n5\n"
                    "=======\n4\nfive\n"
                    ">>>>>>> theirs\n"
                    "6\n7\n8\n");
    RequireConflict(Merge3(base, Numbered(8, {{5, "five\n"}}), Numbered(8, {{5, ""}})),
                    "1\n2\n3\n4\n"
                    "<<<<<<< mine\nfive\n"
                    "||||||| base\n5\n"
                    "=======\n"
                    ">>>>>>> theirs\n"
                    "6\n7\n8\n");
  }
  SECTION("deletions of adjacent lines conflict") {
    RequireConflict(Merge3(base, Numbered(8, {{4, ""}}), Numbered(8, {{5, ""}})),
                    "1\n2\n3\n"
                    "<<<<<<< mine\n5\n||||||| base\n4\n5\n=======\n4\n>>>>>>> theirs\n"
                    "6\n7\n8\n");
  }
}

TEST_CASE("Merge3 handles empty files on any side", "[merge]") {
  RequireClean(Merge3("", "", ""), "");
  SECTION("base empty") {
    RequireClean(Merge3("", "a\nb\n", ""), "a\nb\n");
    RequireClean(Merge3("", "", "a\nb\n"), "a\nb\n");
    RequireClean(Merge3("", "a\nb\n", "a\nb\n"), "a\nb\n");
    RequireConflict(Merge3("", "a\n", "b\n"),
                    "<<<<<<< mine\na\n||||||| base\n=======\nb\n>>>>>>> theirs\n");
  }
  SECTION("one or both sides emptied") {
    const std::string base = "a\nb\n";
    RequireClean(Merge3(base, "", base), "");
    RequireClean(Merge3(base, base, ""), "");
    RequireClean(Merge3(base, "", ""), "");
    RequireConflict(Merge3(base, "", "a\nB\n"),
                    "<<<<<<< mine\n||||||| base\na\nb\n=======\na\nB\n>>>>>>> theirs\n");
    RequireConflict(Merge3(base, "a\nB\n", ""),
                    "<<<<<<< mine\na\nB\n||||||| base\na\nb\n=======\n>>>>>>> theirs\n");
  }
}

TEST_CASE("Merge3 inserts at the start and at the end", "[merge]") {
  const std::string base = Numbered(4);
  RequireClean(Merge3(base, "top\n" + base, base + "bottom\n"), "top\n" + base + "bottom\n");
  RequireClean(Merge3(base, base + "bottom\n", "top\n" + base), "top\n" + base + "bottom\n");
  RequireClean(Merge3(base, "top\n" + base, "top\n" + base), "top\n" + base);
  RequireClean(Merge3(base, base + "bottom\n", base + "bottom\n"), base + "bottom\n");
  RequireConflict(Merge3(base, "a\n" + base, "b\n" + base),
                  "<<<<<<< mine\na\n||||||| base\n=======\nb\n>>>>>>> theirs\n" + base);
  RequireConflict(Merge3(base, base + "a\n", base + "b\n"),
                  base + "<<<<<<< mine\na\n||||||| base\n=======\nb\n>>>>>>> theirs\n");
}

TEST_CASE("Merge3 keeps or drops the final newline as the sides say", "[merge]") {
  SECTION("base lacks it and nobody touches the last line") {
    const std::string base = "a\nb\nc";
    RequireClean(Merge3(base, "A\nb\nc", base), "A\nb\nc");
    RequireClean(Merge3(base, base, "A\nb\nc"), "A\nb\nc");
    RequireClean(Merge3(base, "A\nb\nc", "A\nb\nc"), "A\nb\nc");
  }
  SECTION("one side edits the unterminated last line") {
    RequireClean(Merge3("a\nb\nc\nd", "A\nb\nc\nd", "a\nb\nc\nD"), "A\nb\nc\nD");
  }
  SECTION("one side adds the final newline") {
    RequireClean(Merge3("a\nb\nc", "A\nb\nc", "a\nb\nc\n"), "A\nb\nc\n");
  }
  SECTION("one side removes the final newline") {
    RequireClean(Merge3("a\nb\nc\n", "a\nb\nc", "A\nb\nc\n"), "A\nb\nc");
  }
  SECTION("appending after an unterminated line touches it, so both sides doing so conflict") {
    RequireConflict(Merge3("a\nb", "a\nb\nx", "a\nb\ny\n"),
                    "a\n"
                    "<<<<<<< mine\nb\nx\n"
                    "||||||| base\nb\n"
                    "=======\nb\ny\n"
                    ">>>>>>> theirs\n");
  }
  SECTION("a marker after an unterminated line starts its own line") {
    RequireConflict(Merge3("a\nb\n", "a\nX", "a\nY"),
                    "a\n<<<<<<< mine\nX\n||||||| base\nb\n=======\nY\n>>>>>>> theirs\n");
    RequireConflict(Merge3("a\nb", "a\nX\n", "a\nY"),
                    "a\n<<<<<<< mine\nX\n||||||| base\nb\n=======\nY\n>>>>>>> theirs\n");
    RequireConflict(Merge3("", "x", "y"),
                    "<<<<<<< mine\nx\n||||||| base\n=======\ny\n>>>>>>> theirs\n");
  }
  SECTION("the same change without a final newline is taken once") {
    RequireClean(Merge3("a\nb\n", "a\nB", "a\nB"), "a\nB");
    RequireClean(Merge3("1\n2\n3\n4\nb\n", "one\n2\n3\n4\nB", "1\n2\n3\n4\nB"),
                 "one\n2\n3\n4\nB");
  }
}

TEST_CASE("Merge3 merges CRLF files line by line", "[merge]") {
  const std::string crlf = "\r\n";
  const std::string base = Numbered(6, {}, crlf);
  SECTION("clean merge keeps CRLF") {
    RequireClean(Merge3(base, Numbered(6, {{1, "one\r\n"}}, crlf),
                        Numbered(6, {{5, "five\r\n"}}, crlf)),
                 Numbered(6, {{1, "one\r\n"}, {5, "five\r\n"}}, crlf));
  }
  SECTION("conflict markers follow the CRLF of ours") {
    RequireConflict(
        Merge3(base, Numbered(6, {{3, "x\r\n"}}, crlf), Numbered(6, {{3, "y\r\n"}}, crlf)),
        "1\r\n2\r\n"
        "<<<<<<< mine\r\nx\r\n||||||| base\r\n3\r\n=======\r\ny\r\n>>>>>>> theirs\r\n"
        "4\r\n5\r\n6\r\n");
  }
  SECTION("a line-ending change is a change of the whole line") {
    // Theirs converts line 3 to LF, ours edits line 5: apart, so both are kept.
    RequireClean(
        Merge3(base, Numbered(6, {{5, "five\r\n"}}, crlf), Numbered(6, {{3, "3\n"}}, crlf)),
        Numbered(6, {{3, "3\n"}, {5, "five\r\n"}}, crlf));
    // Ours converts the whole file to LF while theirs edits one line: every line conflicts.
    const MergeResult r = Merge3(base, Numbered(6), Numbered(6, {{2, "two\r\n"}}, crlf));
    CHECK(r.conflicts == 1);
    CHECK(r.text.rfind("<<<<<<< mine\n1\n2\n", 0) == 0);
  }
  SECTION("an unterminated CRLF ours gets a CRLF before the marker") {
    RequireConflict(Merge3("a\r\nb\r\n", "a\r\nX", "a\r\nY\r\n"),
                    "a\r\n<<<<<<< mine\r\nX\r\n||||||| base\r\nb\r\n=======\r\nY\r\n"
                    ">>>>>>> theirs\r\n");
  }
  SECTION("LF ours gets LF markers even when theirs is CRLF") {
    RequireConflict(Merge3("", "a\n", "b\r\n"),
                    "<<<<<<< mine\na\n||||||| base\n=======\nb\r\n>>>>>>> theirs\n");
  }
}

// One edit of the stress test: base lines [begin, begin + removed) become `inserted`.
struct Edit {
  size_t begin, removed;
  std::vector<std::string> inserted;
  int side;  // 0 ours, 1 theirs, 2 both
};

std::string Apply(const std::vector<std::string>& base, const std::vector<Edit>& edits,
                  bool ours, bool theirs) {
  std::string out;
  size_t pos = 0;
  for (const Edit& e : edits) {
    const bool applies = e.side == 2 || (e.side == 0 && ours) || (e.side == 1 && theirs);
    if (!applies) continue;
    for (; pos < e.begin; ++pos) out += base[pos];
    for (const std::string& line : e.inserted) out += line;
    pos += e.removed;
  }
  for (; pos < base.size(); ++pos) out += base[pos];
  return out;
}

TEST_CASE("Merge3 of random edits on separated regions is clean and holds every edit",
          "[merge]") {
  std::mt19937 rng(20240611);
  auto uniform = [&rng](size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  };
  int fresh = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string eol = round % 3 == 0 ? "\r\n" : "\n";
    const size_t n = uniform(0, 60);
    std::vector<std::string> base;
    for (size_t i = 0; i < n; ++i) base.push_back("base " + std::to_string(i) + eol);

    // Edits at increasing positions, each followed by at least one untouched base line
    // before the next, so no two edits touch.
    std::vector<Edit> edits;
    size_t pos = uniform(0, 2);
    while (pos <= n) {
      Edit e;
      e.begin = pos;
      e.removed = uniform(0, std::min<size_t>(3, n - pos));
      const size_t inserted = uniform(e.removed == 0 ? 1 : 0, 3);
      e.side = static_cast<int>(uniform(0, 9) < 2 ? 2 : uniform(0, 1));
      for (size_t k = 0; k < inserted; ++k) {
        e.inserted.push_back("new " + std::to_string(fresh++) + eol);
      }
      edits.push_back(std::move(e));
      pos = edits.back().begin + edits.back().removed + 1 + uniform(0, 4);
    }

    const std::string b = Apply(base, {}, false, false);
    const std::string ours = Apply(base, edits, true, false);
    const std::string theirs = Apply(base, edits, false, true);
    const std::string expected = Apply(base, edits, true, true);
    INFO("round " << round << "\nbase:\n" << b << "ours:\n" << ours << "theirs:\n" << theirs);
    const MergeResult r = Merge3(b, ours, theirs);
    REQUIRE(r.clean);
    REQUIRE(r.conflicts == 0);
    REQUIRE(r.text == expected);
    // The merge is symmetric when clean.
    REQUIRE(Merge3(b, theirs, ours).text == expected);
  }
}

}  // namespace
}  // namespace mlvc::common
