// Branches, labels, switching the working copy to another branch, and comparing two refs
// on the server. Thin over client/remote; names are checked locally first so a bad
// one never costs a round trip.
// Requires: client/remote, client/wc. Used by: client/cli (branch, label, switch, diff, log).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/ops/update.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// Every function may also return what any server call returns (UNAUTHENTICATED,
// PERMISSION_DENIED, UNAVAILABLE, DEADLINE_EXCEEDED).

// Creates branch `name` at `from` (branch, label or changeset; empty means "main").
// INVALID_ARGUMENT bad name; ALREADY_EXISTS when a branch or label has the name; NOT_FOUND
// unknown repository or source.
absl::StatusOr<remote::BranchInfo> CreateBranch(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& name,
                                                const std::string& from);

// FAILED_PRECONDITION for "main"; NOT_FOUND unknown branch.
absl::Status DeleteBranch(const Endpoint& endpoint, const std::string& repository,
                          const std::string& name);

// INVALID_ARGUMENT bad name (common::ValidateLabelName); ALREADY_EXISTS "label 'L' already
// exists" or a branch has the name; NOT_FOUND unknown ref.
absl::StatusOr<remote::LabelInfo> CreateLabel(const Endpoint& endpoint,
                                              const std::string& repository,
                                              const std::string& name, const std::string& ref,
                                              const std::string& notes);

// Sorted by name.
absl::StatusOr<std::vector<remote::LabelInfo>> ListLabels(const Endpoint& endpoint,
                                                          const std::string& repository);

// PERMISSION_DENIED unless a maintainer; NOT_FOUND unknown label.
absl::Status DeleteLabel(const Endpoint& endpoint, const std::string& repository,
                         const std::string& name);

// Makes the working copy follow branch `name` and updates it to that branch's head: only the
// files that differ are rewritten, and local edits are kept (an edited file that also differs
// between the branches is handled exactly as Update handles an edit changed upstream: never
// overwritten). INVALID_ARGUMENT when `name` is not a
// branch name; FAILED_PRECONDITION when it names a label ("labels are immutable: check it out
// with ..."); NOT_FOUND unknown branch; plus what Update returns.
absl::StatusOr<UpdateResult> Switch(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& name,
                                    const ProgressCallback& progress = nullptr,
                                    TransferObserver* observer = nullptr);

// Two versions compared on the server.
struct RefDiff {
  int64_t from_number = 0;
  int64_t to_number = 0;
  std::vector<remote::FileChange> files;  // sorted by path; text diffs rendered (<= 1 MiB)
};

// Resolves `from_ref` and `to_ref` (branch, label or changeset) and diffs them server-side
// with text. NOT_FOUND unknown repository or ref; INVALID_ARGUMENT bad path.
absl::StatusOr<RefDiff> DiffRefs(const Endpoint& endpoint, const std::string& repository,
                                 const std::string& from_ref, const std::string& to_ref,
                                 const std::vector<std::string>& paths);

}  // namespace mlvc::client::ops
