// Which repository (and server) a branch/label/diff command acts on: --repo and --server when
// given, else the working copy around the current directory.
// Requires: client/wc, client/ops. Used by: branch_cmd.cc, label_cmd.cc, diff_cmd.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"

namespace mlvc::client::cli {

struct RepoTarget {
  ops::Endpoint endpoint;
  std::string repository;
  // Set when the repository came from the working copy (no --repo).
  std::optional<std::string> wc_branch;
  int64_t wc_base = 0;
};

// --repo R names the repository (server: --server, MLVC_SERVER, the working copy's, the login
// default); without it the working copy around the current directory gives both.
// NotAWorkingCopyError (exit 12) when there is neither; UNAUTHENTICATED when not logged in.
absl::StatusOr<RepoTarget> ResolveRepoTarget(const std::string& server_flag,
                                             const std::string& repo_flag);

inline constexpr char kRepoFlagHelp[] =
    "Repository to act on (default: the working copy's)";
inline constexpr char kServerFlagHelp[] =
    "Server HOST:PORT (default: MLVC_SERVER, the working copy's, or the login default)";

}  // namespace mlvc::client::cli
