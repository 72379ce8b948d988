// mlvc checkout: makes a new working copy of one version (or part of one) of a repository.
// Requires: client/wc, client/remote. Used by: client/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"

namespace mlvc::client::ops {

struct CheckoutOptions {
  Endpoint endpoint;
  std::string repository;
  std::string ref;          // branch or changeset number; empty: "main"
  std::string dir_abspath;  // must not exist, or be an empty directory
  std::vector<std::string> sparse_paths;  // repository paths (not yet normalized); empty: all
};

struct CheckoutResult {
  std::string repository;
  int64_t number = 0;    // the changeset checked out
  std::string branch;    // the branch followed ("main" when REF was a number)
  std::string root;      // absolute path of the working copy
  size_t file_count = 0;
  uint64_t total_bytes = 0;
  TransferStats transfer;  // chunks fetched, taken from the local cache
};

// Resolves the ref, creates DIR/.mlvc, downloads every file (within the sparse paths) to a
// temporary file, verifies it and renames it into place with its executable bit, and records
// it. The state is saved as files land, so an interrupted checkout leaves a working copy whose
// state matches the disk; `mlvc update` then fetches the rest. Reports kAdded per file.
// Errors: INVALID_ARGUMENT for a bad sparse path or repository name; ALREADY_EXISTS when DIR
// exists and is not empty (or is a file); NOT_FOUND for an unknown repository, branch or
// changeset; DATA_LOSS when a download does not match its content id; INTERNAL on a local
// I/O error; CANCELLED when `observer` stopped it (the chunks received stay in the local
// chunk cache, so checking out again fetches only the rest); INVALID_ARGUMENT for a
// malformed MLVC_CACHE_SIZE; plus what any server call returns (UNAUTHENTICATED, UNAVAILABLE, ...).
// `observer` (may be null) sees the bytes and files as they land, and may cancel.
absl::StatusOr<CheckoutResult> Checkout(const CheckoutOptions& options,
                                        const ProgressCallback& progress = nullptr,
                                        TransferObserver* observer = nullptr);

}  // namespace mlvc::client::ops
