#include "server/core/tree_editor.h"

#include <set>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using common::TreeNodeEntry;

struct PendingEdit {
  std::string_view rest;  // path relative to the directory being edited
  const TreeEdit* edit;
};

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

class Editor {
 public:
  explicit Editor(TreeNodeCache& cache) : cache_(cache) {}

  // Returns the new hash of the directory `hash` at `dir_path` after `edits`; sets *empty
  // when it has no entries left.
  absl::StatusOr<std::string> EditDir(const std::string& hash, const std::string& dir_path,
                                      const std::vector<PendingEdit>& edits, bool* empty) {
    ASSIGN_OR_RETURN(const std::vector<TreeNodeEntry>* current, cache_.Get(hash));
    std::map<std::string, TreeNodeEntry> entries;
    for (const TreeNodeEntry& e : *current) entries.emplace(e.name, e);

    struct Group {
      const TreeEdit* here = nullptr;
      std::vector<PendingEdit> deeper;
    };
    std::map<std::string, Group, std::less<>> groups;
    for (const PendingEdit& p : edits) {
      size_t slash = p.rest.find('/');
      if (slash == std::string_view::npos) {
        groups[std::string(p.rest)].here = p.edit;
      } else {
        groups[std::string(p.rest.substr(0, slash))].deeper.push_back(
            {p.rest.substr(slash + 1), p.edit});
      }
    }

    for (auto& [name, group] : groups) {
      const std::string path = JoinPath(dir_path, name);
      auto it = entries.find(name);
      if (group.here != nullptr) {
        if (it != entries.end() && it->second.kind == NodeKind::kDirectory) {
          return absl::InvalidArgumentError(
              absl::StrCat("'", path, "' is a directory, not a file"));
        }
        if (group.here->entry.has_value()) {
          if (!group.deeper.empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("'", path, "' cannot be both a file and a directory in one change"));
          }
          TreeNodeEntry e = *group.here->entry;
          e.name = name;
          entries[name] = std::move(e);
        } else if (it != entries.end()) {
          entries.erase(it);
        }
        it = entries.find(name);
      }
      if (!group.deeper.empty()) {
        if (it != entries.end() && it->second.kind != NodeKind::kDirectory) {
          return absl::InvalidArgumentError(
              absl::StrCat("'", path, "' is a file, not a directory"));
        }
        const std::string child = it != entries.end() ? it->second.id : common::EmptyTreeHash();
        bool child_empty = false;
        ASSIGN_OR_RETURN(std::string new_child, EditDir(child, path, group.deeper, &child_empty));
        if (child_empty) {
          if (it != entries.end()) entries.erase(it);
        } else {
          TreeNodeEntry dir;
          dir.name = name;
          dir.kind = NodeKind::kDirectory;
          dir.id = std::move(new_child);
          entries[name] = std::move(dir);
        }
      }
    }

    *empty = entries.empty();
    std::vector<TreeNodeEntry> list;
    list.reserve(entries.size());
    for (auto& [name, e] : entries) list.push_back(std::move(e));
    std::string encoded = common::EncodeTreeNode(std::move(list));
    std::string new_hash = common::TreeNodeHash(encoded);
    if (new_hash != hash && written_.insert(new_hash).second) {
      new_nodes_.push_back({new_hash, std::move(encoded)});
    }
    return new_hash;
  }

  std::vector<store::TreeNodeRecord> TakeNewNodes() { return std::move(new_nodes_); }

 private:
  TreeNodeCache& cache_;
  std::set<std::string> written_;
  std::vector<store::TreeNodeRecord> new_nodes_;
};

}  // namespace

absl::StatusOr<const std::vector<TreeNodeEntry>*> TreeNodeCache::Get(const std::string& hash) {
  auto it = nodes_.find(hash);
  if (it != nodes_.end()) return &it->second;
  if (hash == common::EmptyTreeHash()) {
    return &nodes_.emplace(hash, std::vector<TreeNodeEntry>()).first->second;
  }
  absl::StatusOr<std::string> encoded = loader_(hash);
  if (absl::IsNotFound(encoded.status())) {
    return absl::DataLossError(absl::StrCat("tree node ", hash, " is missing"));
  }
  if (!encoded.ok()) return encoded.status();
  absl::StatusOr<std::vector<TreeNodeEntry>> entries = common::DecodeTreeNode(*encoded);
  if (!entries.ok()) {
    return absl::DataLossError(
        absl::StrCat("tree node ", hash, " is corrupt: ", entries.status().message()));
  }
  return &nodes_.emplace(hash, *std::move(entries)).first->second;
}

absl::StatusOr<std::optional<TreeNodeEntry>> LookupPath(TreeNodeCache& cache,
                                                        const std::string& root,
                                                        const std::string& path) {
  std::string node = root;
  std::string_view rest = path;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view name = rest.substr(0, slash);
    ASSIGN_OR_RETURN(const std::vector<TreeNodeEntry>* entries, cache.Get(node));
    auto it =
        std::lower_bound(entries->begin(), entries->end(), name,
                         [](const TreeNodeEntry& e, std::string_view n) { return e.name < n; });
    if (it == entries->end() || it->name != name) return std::nullopt;
    if (slash == std::string_view::npos) return *it;
    if (it->kind != NodeKind::kDirectory) return std::nullopt;
    node = it->id;
    rest = rest.substr(slash + 1);
  }
}

absl::StatusOr<EditedTree> ApplyTreeEdits(TreeNodeCache& cache, const std::string& root,
                                          const std::vector<TreeEdit>& edits) {
  std::vector<PendingEdit> pending;
  pending.reserve(edits.size());
  for (const TreeEdit& e : edits) pending.push_back({e.path, &e});
  Editor editor(cache);
  bool empty = false;
  EditedTree out;
  ASSIGN_OR_RETURN(out.root, editor.EditDir(root, "", pending, &empty));
  out.new_nodes = editor.TakeNewNodes();
  return out;
}

}  // namespace mlvc::server::core
