// Loading YAML text with yaml-cpp into a node, its errors turned into absl statuses.
// Internal to common/record: the params and environment parsers share it.
// Requires: abseil, yaml-cpp. Used by: params_file.cc, environment_file.cc.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace mlvc::common::internal {

// The deepest '[' / '{' nesting in `text`, counting brackets inside quotes too. yaml-cpp
// recurses per level, so callers refuse deep input before parsing it; over-counting quoted
// brackets only refuses absurd files.
int MaxBracketDepth(std::string_view text);

// Parses `text` as one YAML document. Returns INVALID_ARGUMENT "LABEL: malformed YAML at line
// L, column C: MESSAGE" (1-based) when yaml-cpp refuses it, or when its brackets nest deeper
// than `max_depth`.
absl::StatusOr<YAML::Node> LoadYaml(std::string_view text, std::string_view label,
                                    int max_depth);

}  // namespace mlvc::common::internal
