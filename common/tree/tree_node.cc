#include "common/tree/tree_node.h"

#include <algorithm>
#include <charconv>

#include "absl/status/status.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"

namespace mlvc::common {
namespace {

char KindLetter(NodeKind kind) {
  switch (kind) {
    case NodeKind::kText: return 't';
    case NodeKind::kBinary: return 'b';
    case NodeKind::kDirectory: return 'd';
  }
  return 'b';
}

// True for a name NormalizeRepoRelpath keeps as one whole component.
bool IsPathComponent(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return false;
  absl::StatusOr<std::string> norm = NormalizeRepoRelpath(name);
  return norm.ok() && *norm == name;
}

}  // namespace

std::string EncodeTreeNode(std::vector<TreeNodeEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const TreeNodeEntry& a, const TreeNodeEntry& b) { return a.name < b.name; });
  std::string out;
  for (const TreeNodeEntry& e : entries) {
    out.push_back(KindLetter(e.kind));
    out.append(e.executable ? " x " : " - ");
    out.append(std::to_string(e.size));
    out.push_back(' ');
    out.append(e.id);
    out.push_back(' ');
    out.append(e.name);
    out.push_back('\n');
  }
  return out;
}

absl::StatusOr<std::vector<TreeNodeEntry>> DecodeTreeNode(std::string_view encoded) {
  std::vector<TreeNodeEntry> entries;
  if (encoded.empty()) return entries;
  if (encoded.back() != '\n') return absl::InvalidArgumentError("tree node: missing final newline");
  encoded.remove_suffix(1);
  for (std::string_view line : SplitOn(encoded, '\n')) {
    // KIND MODE SIZE ID NAME, where NAME (the rest of the line) may hold spaces.
    std::vector<std::string_view> f;
    std::string_view rest = line;
    for (int i = 0; i < 4; ++i) {
      const size_t space = rest.find(' ');
      if (space == std::string_view::npos) break;
      f.push_back(rest.substr(0, space));
      rest.remove_prefix(space + 1);
    }
    f.push_back(rest);
    if (f.size() != 5 || f[0].size() != 1 || f[1].size() != 1 || f[4].empty()) {
      return absl::InvalidArgumentError("tree node: malformed line");
    }
    TreeNodeEntry e;
    switch (f[0][0]) {
      case 't': e.kind = NodeKind::kText; break;
      case 'b': e.kind = NodeKind::kBinary; break;
      case 'd': e.kind = NodeKind::kDirectory; break;
      default: return absl::InvalidArgumentError("tree node: unknown kind");
    }
    if (f[1][0] != 'x' && f[1][0] != '-') return absl::InvalidArgumentError("tree node: bad mode");
    e.executable = f[1][0] == 'x';
    auto [ptr, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), e.size);
    // A leading zero would be a second spelling of the same listing, with another hash.
    if (ec != std::errc() || ptr != f[2].data() + f[2].size() ||
        (f[2].size() > 1 && f[2][0] == '0')) {
      return absl::InvalidArgumentError("tree node: bad size");
    }
    if (!IsContentId(f[3])) return absl::InvalidArgumentError("tree node: bad id");
    e.id = std::string(f[3]);
    // Every name was a component of a valid repository path when it was encoded; any other
    // (a '/', "..", a control character) is corruption, and would reach clients as a path.
    if (!IsPathComponent(f[4])) return absl::InvalidArgumentError("tree node: bad name");
    e.name = std::string(f[4]);
    if (!entries.empty() && !(entries.back().name < e.name)) {
      return absl::InvalidArgumentError("tree node: entries not sorted or duplicated");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string TreeNodeHash(std::string_view encoded) { return Sha256Hex(encoded); }

const std::string& EmptyTreeHash() {
  static const std::string* const kEmpty = new std::string(Sha256Hex(""));
  return *kEmpty;
}

}  // namespace mlvc::common
