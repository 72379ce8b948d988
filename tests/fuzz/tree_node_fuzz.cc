// Fuzz target: tree node decoding (common/tree), which the server runs on every node it
// loads from the store. The encoding is canonical (equal listings have equal hashes), so a
// node that decodes must re-encode to exactly its bytes: a second spelling of one listing
// would give it a second hash. Entry names must be path components, as the format promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "common/tree/tree_node.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<mlvc::common::TreeNodeEntry>> entries =
      mlvc::common::DecodeTreeNode(input);
  if (!entries.ok()) return 0;
  for (const mlvc::common::TreeNodeEntry& e : *entries) {
    FUZZ_CHECK(mlvc::common::IsContentId(e.id));
    absl::StatusOr<std::string> norm = mlvc::common::NormalizeRepoRelpath(e.name);
    FUZZ_CHECK(norm.ok() && *norm == e.name);
    FUZZ_CHECK(e.name.find('/') == std::string::npos);
  }
  const std::string encoded = mlvc::common::EncodeTreeNode(*entries);
  FUZZ_CHECK(encoded == input);
  absl::StatusOr<std::vector<mlvc::common::TreeNodeEntry>> again =
      mlvc::common::DecodeTreeNode(encoded);
  FUZZ_CHECK(again.ok() && *again == *entries);
  return 0;
}
