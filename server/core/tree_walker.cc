#include "server/core/tree_walker.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using common::TreeNodeEntry;

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

// Whole path under a filter: take everything below.
bool CoveredByFilter(const std::vector<std::string>& filters, std::string_view path) {
  if (filters.empty()) return true;
  for (const std::string& f : filters) {
    if (common::RelpathIsWithin(path, f)) return true;
  }
  return false;
}

// A directory worth entering: covered, or an ancestor of some filter.
bool DirectoryLeadsToFilter(const std::vector<std::string>& filters, std::string_view dir) {
  if (CoveredByFilter(filters, dir)) return true;
  for (const std::string& f : filters) {
    if (common::RelpathIsWithin(f, dir)) return true;
  }
  return false;
}

FileEntry ToFileEntry(const std::string& path, const TreeNodeEntry& e) {
  return FileEntry{path, e.kind, e.executable, e.size, e.id};
}

// Sibling order that yields bytewise order of full paths: a directory "a" sorts as "a/".
std::vector<const TreeNodeEntry*> PathOrder(const std::vector<TreeNodeEntry>& entries) {
  std::vector<std::pair<std::string, const TreeNodeEntry*>> keyed;
  keyed.reserve(entries.size());
  for (const TreeNodeEntry& e : entries) {
    keyed.emplace_back(e.kind == NodeKind::kDirectory ? e.name + "/" : e.name, &e);
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const TreeNodeEntry*> out;
  out.reserve(keyed.size());
  for (auto& k : keyed) out.push_back(k.second);
  return out;
}

absl::Status Walk(TreeNodeCache& cache, const std::string& node, const std::string& dir,
                  const std::vector<std::string>& filters,
                  const std::function<absl::Status(FileEntry)>& visit) {
  ASSIGN_OR_RETURN(const std::vector<TreeNodeEntry>* entries, cache.Get(node));
  // The cache keeps nodes in a std::map: these pointers stay valid while it grows below.
  for (const TreeNodeEntry* e : PathOrder(*entries)) {
    std::string path = JoinPath(dir, e->name);
    if (e->kind == NodeKind::kDirectory) {
      if (DirectoryLeadsToFilter(filters, path)) {
        RETURN_IF_ERROR(Walk(cache, e->id, path, filters, visit));
      }
    } else if (CoveredByFilter(filters, path)) {
      RETURN_IF_ERROR(visit(ToFileEntry(path, *e)));
    }
  }
  return absl::OkStatus();
}

class Differ {
 public:
  Differ(TreeNodeCache& cache, const std::vector<std::string>& filters)
      : cache_(cache), filters_(filters) {}

  absl::Status DiffDirs(const std::string& from, const std::string& to, const std::string& dir) {
    if (from == to) return absl::OkStatus();
    // Node pointers from the cache stay valid while it grows (std::map).
    ASSIGN_OR_RETURN(const std::vector<TreeNodeEntry>* a, cache_.Get(from));
    ASSIGN_OR_RETURN(const std::vector<TreeNodeEntry>* b, cache_.Get(to));
    std::map<std::string, std::pair<const TreeNodeEntry*, const TreeNodeEntry*>> merged;
    for (const TreeNodeEntry& e : *a) merged[e.name].first = &e;
    for (const TreeNodeEntry& e : *b) merged[e.name].second = &e;
    for (const auto& [name, pair] : merged) {
      const std::string path = JoinPath(dir, name);
      const TreeNodeEntry* x = pair.first;
      const TreeNodeEntry* y = pair.second;
      if (x != nullptr && y != nullptr && *x == *y) continue;
      const bool x_dir = x != nullptr && x->kind == NodeKind::kDirectory;
      const bool y_dir = y != nullptr && y->kind == NodeKind::kDirectory;
      if (x_dir && y_dir) {
        if (DirectoryLeadsToFilter(filters_, path)) RETURN_IF_ERROR(DiffDirs(x->id, y->id, path));
        continue;
      }
      if (x != nullptr && y != nullptr && !x_dir && !y_dir) {
        if (CoveredByFilter(filters_, path)) {
          out_.push_back(
              {path, store::PathAction::kModify, ToFileEntry(path, *x), ToFileEntry(path, *y)});
        }
        continue;
      }
      // Kinds differ, or one side is absent: each side separately.
      if (x != nullptr) RETURN_IF_ERROR(OneSide(*x, path, /*is_from=*/true));
      if (y != nullptr) RETURN_IF_ERROR(OneSide(*y, path, /*is_from=*/false));
    }
    return absl::OkStatus();
  }

  std::vector<FileDiff> Take() {
    std::sort(out_.begin(), out_.end(),
              [](const FileDiff& p, const FileDiff& q) { return p.path < q.path; });
    return std::move(out_);
  }

 private:
  absl::Status OneSide(const TreeNodeEntry& e, const std::string& path, bool is_from) {
    auto record = [&](FileEntry f) -> absl::Status {
      FileDiff d;
      d.path = f.path;
      if (is_from) {
        d.action = store::PathAction::kDelete;
        d.from = std::move(f);
      } else {
        d.action = store::PathAction::kAdd;
        d.to = std::move(f);
      }
      out_.push_back(std::move(d));
      return absl::OkStatus();
    };
    if (e.kind == NodeKind::kDirectory) {
      if (!DirectoryLeadsToFilter(filters_, path)) return absl::OkStatus();
      return Walk(cache_, e.id, path, filters_, record);
    }
    if (!CoveredByFilter(filters_, path)) return absl::OkStatus();
    return record(ToFileEntry(path, e));
  }

  TreeNodeCache& cache_;
  const std::vector<std::string>& filters_;
  std::vector<FileDiff> out_;
};

}  // namespace

absl::Status WalkTree(TreeNodeCache& cache, const std::string& root,
                      const std::vector<std::string>& filters,
                      const std::function<absl::Status(FileEntry)>& visit) {
  return Walk(cache, root, "", filters, visit);
}

absl::StatusOr<std::vector<FileDiff>> DiffTrees(TreeNodeCache& cache, const std::string& from,
                                                const std::string& to,
                                                const std::vector<std::string>& filters) {
  Differ differ(cache, filters);
  RETURN_IF_ERROR(differ.DiffDirs(from, to, ""));
  return differ.Take();
}

}  // namespace mlvc::server::core
