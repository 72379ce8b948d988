#include "server/core/merge_base.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

constexpr unsigned kFromA = 1, kFromB = 2, kStale = 4;

// Caches the loader: the walks below ask for the same changesets more than once.
class Graph {
 public:
  explicit Graph(const ParentLoader& load) : load_(load) {}
  absl::StatusOr<std::vector<int64_t>> Parents(int64_t n) {
    auto it = cache_.find(n);
    if (it == cache_.end()) {
      ASSIGN_OR_RETURN(ParentsOf p, load_(n));
      std::vector<int64_t> out;
      if (p.parent.has_value()) out.push_back(*p.parent);
      if (p.merge_parent.has_value() && p.merge_parent != p.parent) out.push_back(*p.merge_parent);
      it = cache_.emplace(n, std::move(out)).first;
    }
    return it->second;
  }

 private:
  const ParentLoader& load_;
  std::map<int64_t, std::vector<int64_t>> cache_;
};

absl::StatusOr<bool> Reaches(Graph& graph, int64_t from, int64_t target) {
  // Parents have smaller numbers than children: never walk below `target`.
  std::set<int64_t, std::greater<>> queue = {from};
  std::set<int64_t> seen = {from};
  while (!queue.empty()) {
    const int64_t n = *queue.begin();
    queue.erase(queue.begin());
    if (n == target) return true;
    if (n < target) return false;  // everything left is older still
    ASSIGN_OR_RETURN(std::vector<int64_t> parents, graph.Parents(n));
    for (int64_t p : parents) {
      if (seen.insert(p).second) queue.insert(p);
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> MergeBases(int64_t a, int64_t b, const ParentLoader& load) {
  Graph graph(load);
  if (a == b) return std::vector<int64_t>{a};
  // Paint down, newest first: a changeset reached from both sides is a common ancestor; its
  // ancestors are marked stale (they cannot be maximal). Stop when only stale ones are left.
  std::map<int64_t, unsigned, std::greater<>> queue;  // number -> flags
  std::map<int64_t, unsigned> flags;
  queue[a] |= kFromA;
  queue[b] |= kFromB;
  flags[a] |= kFromA;
  flags[b] |= kFromB;
  std::vector<int64_t> candidates;
  auto live = [&]() {
    for (const auto& [n, f] : queue) {
      if ((f & kStale) == 0) return true;
    }
    return false;
  };
  while (!queue.empty() && live()) {
    auto top = queue.begin();
    const int64_t n = top->first;
    unsigned f = flags[n];
    queue.erase(top);
    if ((f & (kFromA | kFromB)) == (kFromA | kFromB) && (f & kStale) == 0) {
      candidates.push_back(n);
      f |= kStale;
      flags[n] = f;
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> parents, graph.Parents(n));
    for (int64_t p : parents) {
      unsigned& pf = flags[p];
      if ((pf | f) == pf) continue;
      pf |= f;
      queue[p] = pf;
    }
  }
  // Drop candidates that are ancestors of other candidates.
  std::vector<int64_t> result;
  for (int64_t c : candidates) {
    bool redundant = false;
    for (int64_t other : candidates) {
      if (other == c || other < c) continue;
      ASSIGN_OR_RETURN(bool reaches, Reaches(graph, other, c));
      if (reaches) {
        redundant = true;
        break;
      }
    }
    if (!redundant) result.push_back(c);
  }
  std::sort(result.begin(), result.end(), std::greater<>());
  return result;
}

absl::StatusOr<std::optional<int64_t>> MergeBase(int64_t a, int64_t b, const ParentLoader& load) {
  ASSIGN_OR_RETURN(std::vector<int64_t> bases, MergeBases(a, b, load));
  if (bases.empty()) return std::nullopt;
  return bases.front();
}

absl::StatusOr<bool> IsAncestor(int64_t ancestor, int64_t descendant, const ParentLoader& load) {
  Graph graph(load);
  return Reaches(graph, descendant, ancestor);
}

}  // namespace mlvc::server::core
