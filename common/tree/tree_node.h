// Tree nodes: the content-addressed directory listings that make up a version.
//
// Encoding (canonical, so equal listings have equal hashes): one line per entry, sorted by
// name (bytewise), each "KIND MODE SIZE ID NAME\n" where KIND is d (directory), t (text
// file) or b (binary file), MODE is x (executable) or - , SIZE is decimal bytes (0 for a
// directory), ID is the content id (file) or the tree hash (directory), NAME a path
// component. A node's hash is the SHA-256 of its encoding; the empty tree is the hash of "".
// Names hold no control character (repo_path.h), so the format needs no escaping.
// Requires: abseil, common/hash. Used by: server core (submit, tree walks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::common {

enum class NodeKind { kText, kBinary, kDirectory };

struct TreeNodeEntry {
  std::string name;
  NodeKind kind = NodeKind::kBinary;
  bool executable = false;
  uint64_t size = 0;
  std::string id;  // content id for files, tree hash for directories

  friend bool operator==(const TreeNodeEntry&, const TreeNodeEntry&) = default;
};

// Encodes entries, sorting them by name. REQUIRES: names are unique valid components.
std::string EncodeTreeNode(std::vector<TreeNodeEntry> entries);

// Decodes an encoding made by EncodeTreeNode. INVALID_ARGUMENT when malformed, including a
// name that is not one valid path component (which, for a node read from the store, means
// corruption: callers report DATA_LOSS).
absl::StatusOr<std::vector<TreeNodeEntry>> DecodeTreeNode(std::string_view encoded);

// SHA-256 hex of an encoding.
std::string TreeNodeHash(std::string_view encoded);

// Hash of the tree with no entries.
const std::string& EmptyTreeHash();

}  // namespace mlvc::common
