#include "common/record/yaml_load.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace mlvc::common::internal {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

int MaxBracketDepth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

absl::StatusOr<YAML::Node> LoadYaml(std::string_view text, std::string_view label,
                                    int max_depth) {
  if (MaxBracketDepth(text) > max_depth) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(label), ": nested deeper than ", max_depth, " levels"));
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // mark is 0-based; editors count from 1.
    return absl::InvalidArgumentError(absl::StrCat(Absl(label), ": malformed YAML at line ",
                                                   e.mark.line + 1, ", column ",
                                                   e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace mlvc::common::internal
