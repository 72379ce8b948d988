#include "common/tree/tree_node.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/hash/sha256.h"

namespace mlvc::common {
namespace {

std::vector<TreeNodeEntry> Sample() {
  return {
      {"b.txt", NodeKind::kText, false, 12, Sha256Hex("b")},
      {"run.sh", NodeKind::kText, true, 40, Sha256Hex("run")},
      {"a dir", NodeKind::kDirectory, false, 0, Sha256Hex("tree")},
      {"model.bin", NodeKind::kBinary, false, 1ull << 40, Sha256Hex("m")},
  };
}

TEST_CASE("tree_node: encoding is canonical and readable", "[common][tree]") {
  const std::string enc = EncodeTreeNode(Sample());
  const std::string expected = "d - 0 " + Sha256Hex("tree") + " a dir\n" +
                               "t - 12 " + Sha256Hex("b") + " b.txt\n" +
                               "b - 1099511627776 " + Sha256Hex("m") + " model.bin\n" +
                               "t x 40 " + Sha256Hex("run") + " run.sh\n";
  CHECK(enc == expected);
  CHECK(TreeNodeHash(enc) == Sha256Hex(enc));
}

TEST_CASE("tree_node: order of input does not change the hash", "[common][tree]") {
  std::vector<TreeNodeEntry> a = Sample();
  std::vector<TreeNodeEntry> b(a.rbegin(), a.rend());
  std::swap(b[0], b[2]);
  CHECK(TreeNodeHash(EncodeTreeNode(a)) == TreeNodeHash(EncodeTreeNode(b)));
  std::vector<TreeNodeEntry> c = Sample();
  c[1].executable = false;
  CHECK(TreeNodeHash(EncodeTreeNode(a)) != TreeNodeHash(EncodeTreeNode(c)));
}

TEST_CASE("tree_node: decode round trip", "[common][tree]") {
  std::vector<TreeNodeEntry> entries = Sample();
  absl::StatusOr<std::vector<TreeNodeEntry>> decoded = DecodeTreeNode(EncodeTreeNode(entries));
  REQUIRE(decoded.ok());
  std::sort(entries.begin(), entries.end(),
            [](const TreeNodeEntry& x, const TreeNodeEntry& y) { return x.name < y.name; });
  CHECK(*decoded == entries);

  absl::StatusOr<std::vector<TreeNodeEntry>> empty = DecodeTreeNode("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("tree_node: empty tree hash is sha256 of nothing", "[common][tree]") {
  CHECK(EmptyTreeHash() == Sha256Hex(""));
  CHECK(EmptyTreeHash() == TreeNodeHash(EncodeTreeNode({})));
}

TEST_CASE("tree_node: malformed encodings are rejected", "[common][tree]") {
  const std::string id = Sha256Hex("x");
  const std::vector<std::string> bad = {
      "t - 1 " + id + " a",                              // no final newline
      "\n",                                              // empty line
      "q - 1 " + id + " a\n",                            // unknown kind
      "t y 1 " + id + " a\n",                            // bad mode
      "t - -1 " + id + " a\n",                           // negative size
      "t - 1x " + id + " a\n",                           // junk in size
      "t - 99999999999999999999999 " + id + " a\n",      // size overflow
      "t - 012 " + id + " a\n",                          // not canonical: a leading zero
      "d - 00 " + id + " a\n",                           // not canonical: zero as "00"
      "t - 1 " + id.substr(1) + " a\n",                  // short id
      "t - 1 " + id + "\n",                              // no name
      "t - 1 " + id + " \n",                             // empty name
      "t - 1\n",                                         // too few fields
      "tt - 1 " + id + " a\n",                           // two-letter kind
      "t - 1 " + id + " b\nt - 1 " + id + " a\n",        // unsorted
      "t - 1 " + id + " a\nt - 1 " + id + " a\n",        // duplicate
      "t - 1 " + id + " a/b\n",                          // a path, not a name
      "d - 0 " + id + " ..\n",                           // parent directory
      "d - 0 " + id + " .\n",                            // this directory
      "t - 1 " + id + " .mlvc\n",                        // reserved for the working copy
      "t - 1 " + id + " a" + std::string(1, '\0') + "\n",  // NUL in the name
      "t - 1 " + id + " a\rb\n",                         // control character
  };
  for (const std::string& enc : bad) {
    INFO(enc);
    CHECK(DecodeTreeNode(enc).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mlvc::common
