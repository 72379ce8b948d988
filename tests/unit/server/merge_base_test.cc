// MergeBases / MergeBase / IsAncestor on small in-memory changeset graphs.
#include <catch2/catch.hpp>
#include <map>

#include "server/core/merge_base.h"

namespace mlvc::server::core {
namespace {

// number -> {parent, merge_parent}; every node must be listed.
struct FakeGraph {
  std::map<int64_t, ParentsOf> nodes;
  int loads = 0;
  void Add(int64_t n, std::optional<int64_t> parent, std::optional<int64_t> merge = std::nullopt) {
    nodes[n] = ParentsOf{parent, merge};
  }
  ParentLoader Loader() {
    return [this](int64_t n) -> absl::StatusOr<ParentsOf> {
      ++loads;
      auto it = nodes.find(n);
      if (it == nodes.end()) return absl::NotFoundError("unknown");
      return it->second;
    };
  }
};

std::optional<int64_t> Base(FakeGraph& g, int64_t a, int64_t b) {
  auto r = MergeBase(a, b, g.Loader());
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("merge base of a linear history is the older changeset", "[merge_base]") {
  FakeGraph g;
  g.Add(0, std::nullopt);
  for (int64_t n = 1; n <= 5; ++n) g.Add(n, n - 1);
  CHECK(Base(g, 5, 2) == 2);
  CHECK(Base(g, 2, 5) == 2);
  CHECK(Base(g, 3, 3) == 3);
  CHECK(*IsAncestor(2, 5, g.Loader()));
  CHECK_FALSE(*IsAncestor(5, 2, g.Loader()));
}

TEST_CASE("merge base of two branches is their fork point", "[merge_base]") {
  // 0 - 1 - 2 - 4 (main)
  //          \- 3 - 5 (exp)
  FakeGraph g;
  g.Add(0, std::nullopt);
  g.Add(1, 0);
  g.Add(2, 1);
  g.Add(3, 2);
  g.Add(4, 2);
  g.Add(5, 3);
  CHECK(Base(g, 4, 5) == 2);
  CHECK(Base(g, 5, 4) == 2);
}

TEST_CASE("after a merge the merge parent becomes the base of the next merge", "[merge_base]") {
  // main: 0 - 1 - 3 - 5(merge of 4)  ; exp: 1 - 2 - 4 - 6
  FakeGraph g;
  g.Add(0, std::nullopt);
  g.Add(1, 0);
  g.Add(2, 1);
  g.Add(3, 1);
  g.Add(4, 2);
  g.Add(5, 3, 4);
  g.Add(6, 4);
  CHECK(Base(g, 5, 6) == 4);
  // The source merged already: the target contains it.
  CHECK(Base(g, 5, 4) == 4);
  CHECK(*IsAncestor(4, 5, g.Loader()));
}

TEST_CASE("criss-cross history picks the highest maximal common ancestor", "[merge_base]") {
  //   0 - 1 - 2 ---- 4(merge 3) - 6
  //        \- 3 ---- 5(merge 2) - 7
  FakeGraph g;
  g.Add(0, std::nullopt);
  g.Add(1, 0);
  g.Add(2, 1);
  g.Add(3, 1);
  g.Add(4, 2, 3);
  g.Add(5, 3, 2);
  g.Add(6, 4);
  g.Add(7, 5);
  auto bases = MergeBases(6, 7, g.Loader());
  REQUIRE(bases.ok());
  CHECK(*bases == std::vector<int64_t>{3, 2});  // both maximal; 1 is not (below both)
  CHECK(Base(g, 6, 7) == 3);
  CHECK(Base(g, 7, 6) == 3);  // symmetric
}

TEST_CASE("a common ancestor below another common ancestor is not a base", "[merge_base]") {
  // 0 - 1 - 2 - 3 - 5 ; 2 - 4 ; 6 = merge(5, 4); 7 from 4
  FakeGraph g;
  g.Add(0, std::nullopt);
  g.Add(1, 0);
  g.Add(2, 1);
  g.Add(3, 2);
  g.Add(4, 2);
  g.Add(5, 3);
  g.Add(6, 5, 4);
  g.Add(7, 4);
  auto bases = MergeBases(6, 7, g.Loader());
  REQUIRE(bases.ok());
  CHECK(*bases == std::vector<int64_t>{4});
}

TEST_CASE("merge base walks only the recent part of a long history", "[merge_base]") {
  FakeGraph g;
  g.Add(0, std::nullopt);
  for (int64_t n = 1; n <= 1000; ++n) g.Add(n, n - 1);
  g.Add(1001, 1000);
  g.Add(1002, 1000);
  CHECK(Base(g, 1001, 1002) == 1000);
  CHECK(g.loads < 10);
}

TEST_CASE("merge base reports loader errors", "[merge_base]") {
  FakeGraph g;
  g.Add(2, 1);
  g.Add(3, 1);
  auto r = MergeBase(2, 3, g.Loader());
  CHECK(absl::IsNotFound(r.status()));
}

}  // namespace
}  // namespace mlvc::server::core
