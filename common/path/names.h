// The grammar of repository, branch and label names (documented for users in
// proto/mlvc/v1/repository.proto and `mlvc help`).
// Requires: abseil. Used by: server core, client cli.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace mlvc::common {

// 1-100 characters from [A-Za-z0-9._-], starting with a letter or digit, not ending with
// '.', without "..", not all digits. INVALID_ARGUMENT otherwise.
absl::Status ValidateRepositoryName(std::string_view name);

// '/'-separated segments of [A-Za-z0-9._-], each starting with a letter or digit and not
// ending with '.' or ".lock"; at most 200 characters; not all digits (so that a ref is
// never ambiguous with a changeset number). INVALID_ARGUMENT otherwise.
absl::Status ValidateBranchName(std::string_view name);

// A label is one branch segment: 1-100 characters from [A-Za-z0-9._-], starting with a letter
// or digit, not ending with '.' or ".lock", without ".."; not all digits. So "v1.2.0",
// "release-2024.06" and "1.0" are labels, "v1/rc" (a '/') and "42" are not. Labels and
// branches share one namespace per repository. INVALID_ARGUMENT otherwise.
absl::Status ValidateLabelName(std::string_view name);

}  // namespace mlvc::common
