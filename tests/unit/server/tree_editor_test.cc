// Tree editing and walking on an in-memory map of nodes.
#include "server/core/tree_editor.h"

#include <catch2/catch.hpp>
#include <map>

#include "common/hash/sha256.h"
#include "server/core/tree_walker.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using common::TreeNodeEntry;

struct MemTree {
  std::map<std::string, std::string> nodes;
  TreeNodeCache Cache() {
    return TreeNodeCache([this](const std::string& hash) -> absl::StatusOr<std::string> {
      auto it = nodes.find(hash);
      if (it == nodes.end()) return absl::NotFoundError(hash);
      return it->second;
    });
  }
  // Applies edits with a fresh cache and stores the new nodes.
  std::string Apply(const std::string& root, const std::vector<TreeEdit>& edits) {
    TreeNodeCache cache = Cache();
    absl::StatusOr<EditedTree> out = ApplyTreeEdits(cache, root, edits);
    REQUIRE(out.ok());
    for (const auto& n : out->new_nodes) {
      nodes[n.hash] = n.encoded;
    }
    return out->root;
  }
  std::vector<std::string> Files(const std::string& root,
                                 const std::vector<std::string>& filters = {}) {
    TreeNodeCache cache = Cache();
    std::vector<std::string> out;
    REQUIRE(WalkTree(cache, root, filters, [&](FileEntry e) {
              out.push_back(e.path + "=" + e.content_id.substr(0, 4));
              return absl::OkStatus();
            }).ok());
    return out;
  }
};

TreeEdit Set(const std::string& path, const std::string& content) {
  return TreeEdit{
      path, TreeNodeEntry{"", NodeKind::kText, false, content.size(), common::Sha256Hex(content)}};
}
TreeEdit Remove(const std::string& path) { return TreeEdit{path, std::nullopt}; }
std::string Id4(const std::string& content) { return common::Sha256Hex(content).substr(0, 4); }

TEST_CASE("edits build nested directories and list in bytewise path order", "[tree]") {
  MemTree t;
  std::string root = t.Apply(common::EmptyTreeHash(), {Set("a/b/c.txt", "1"), Set("a.txt", "2"),
                                                       Set("a/x", "3"), Set("z", "4")});
  CHECK(t.Files(root) == std::vector<std::string>{"a.txt=" + Id4("2"), "a/b/c.txt=" + Id4("1"),
                                                  "a/x=" + Id4("3"), "z=" + Id4("4")});
  CHECK(t.Files(root, {"a/b"}) == std::vector<std::string>{"a/b/c.txt=" + Id4("1")});
  CHECK(t.Files(root, {"a.txt", "z"}).size() == 2);
}

TEST_CASE("unchanged subtrees keep their hashes and only new nodes are written", "[tree]") {
  MemTree t;
  std::string root = t.Apply(common::EmptyTreeHash(), {Set("a/1", "1"), Set("b/2", "2")});
  TreeNodeCache cache = t.Cache();
  auto b_before = LookupPath(cache, root, "b");
  REQUIRE(b_before.ok());
  REQUIRE(b_before->has_value());
  TreeNodeCache cache2 = t.Cache();
  auto edited = ApplyTreeEdits(cache2, root, {Set("a/1", "changed")});
  REQUIRE(edited.ok());
  CHECK(edited->new_nodes.size() == 2);  // new "a" and new root
  for (const auto& n : edited->new_nodes) t.nodes[n.hash] = n.encoded;
  TreeNodeCache cache3 = t.Cache();
  auto b_after = LookupPath(cache3, edited->root, "b");
  REQUIRE(b_after.ok());
  CHECK((*b_after)->id == (*b_before)->id);
}

TEST_CASE("deleting the last file removes empty directories", "[tree]") {
  MemTree t;
  std::string root = t.Apply(common::EmptyTreeHash(), {Set("a/b/c", "1"), Set("d", "2")});
  std::string after = t.Apply(root, {Remove("a/b/c")});
  CHECK(t.Files(after) == std::vector<std::string>{"d=" + Id4("2")});
  std::string empty = t.Apply(after, {Remove("d")});
  CHECK(empty == common::EmptyTreeHash());
}

TEST_CASE("file/directory clashes are INVALID_ARGUMENT", "[tree]") {
  MemTree t;
  std::string root = t.Apply(common::EmptyTreeHash(), {Set("a/b", "1"), Set("f", "2")});
  TreeNodeCache cache = t.Cache();
  CHECK(absl::IsInvalidArgument(ApplyTreeEdits(cache, root, {Set("a", "x")}).status()));
  CHECK(absl::IsInvalidArgument(ApplyTreeEdits(cache, root, {Set("f/g", "x")}).status()));
  CHECK(absl::IsInvalidArgument(
      ApplyTreeEdits(cache, root, {Set("n", "x"), Set("n/m", "y")}).status()));
  // Replacing a file by a directory in one go is fine when the file is removed.
  auto ok = ApplyTreeEdits(cache, root, {Remove("f"), Set("f/g", "x")});
  CHECK(ok.ok());
}

TEST_CASE("equal trees built in different orders have equal hashes", "[tree]") {
  MemTree t;
  std::string one = t.Apply(common::EmptyTreeHash(), {Set("x/1", "1"), Set("y", "2")});
  std::string two = t.Apply(t.Apply(common::EmptyTreeHash(), {Set("y", "2")}), {Set("x/1", "1")});
  CHECK(one == two);
}

TEST_CASE("diff descends where hashes differ and reports kind changes", "[tree]") {
  MemTree t;
  std::string a = t.Apply(common::EmptyTreeHash(),
                          {Set("same/1", "1"), Set("mod", "old"), Set("gone", "g"), Set("f", "f")});
  std::string b = t.Apply(
      a, {Set("mod", "new"), Remove("gone"), Remove("f"), Set("f/inner", "i"), Set("new", "n")});
  TreeNodeCache cache = t.Cache();
  auto diff = DiffTrees(cache, a, b, {});
  REQUIRE(diff.ok());
  std::vector<std::string> got;
  for (const FileDiff& d : *diff) {
    got.push_back(d.path + ":" + std::to_string(static_cast<int>(d.action)));
  }
  CHECK(got == std::vector<std::string>{"f:2", "f/inner:0", "gone:2", "mod:1", "new:0"});
  auto filtered = DiffTrees(cache, a, b, {"mod"});
  REQUIRE(filtered.ok());
  REQUIRE(filtered->size() == 1);
  CHECK((*filtered)[0].from->content_id == common::Sha256Hex("old"));
  CHECK((*filtered)[0].to->content_id == common::Sha256Hex("new"));
}

TEST_CASE("a missing node is DATA_LOSS", "[tree]") {
  MemTree t;
  TreeNodeCache cache = t.Cache();
  CHECK(absl::IsDataLoss(LookupPath(cache, common::Sha256Hex("nope"), "a").status()));
}

}  // namespace
}  // namespace mlvc::server::core
