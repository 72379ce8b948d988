// mlvc commit: sends the working copy's changes to the server as one changeset.
// Requires: client/wc, client/remote. Used by: client/cli.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/remote_types.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

struct CommittedFile {
  std::string path;
  remote::ChangeAction action = remote::ChangeAction::kModify;
};

struct CommitResult {
  bool nothing_to_commit = false;  // no M/A/D in scope: nothing was sent
  int64_t number = 0;              // the new changeset
  bool replayed = false;
  std::vector<CommittedFile> files;  // sorted by path
  // Files the server merged with upstream edits (submit on a moved head); their merged
  // content was downloaded into the working copy.
  std::vector<std::string> merged_paths;
  TransferStats transfer;  // chunk bytes sent (only the chunks the server lacked)
  std::optional<remote::RunInfo> run;  // recorded with the changeset (push-model hook)
};

// Scans the scope (`relpaths`, empty: the whole working copy within the sparse paths),
// uploads the contents the server lacks, submits every M/A/D with a fresh random submit id,
// then records what was committed (base = new content, added → normal, deleted → forgotten)
// and saves. The working copy's base moves to the new changeset only when its parent is the
// old base; otherwise the copy is mixed-revision and each file keeps its own base.
// A pending working-copy merge (WcConfig::pending_merge_parent) is submitted as the merge
// parent and cleared; with one pending, a commit with no file changes is still sent (an empty
// merge changeset). Text files the server merged with upstream edits are downloaded.
// Errors (nothing is changed locally on any of them):
//   ABORTED when a file in scope is conflicted (the message names it and says to resolve it);
//   FAILED_PRECONDITION with IsMissingFilesError() true when a versioned file in scope is
//     missing ('!'); the message names it and says to 'mlvc rm' or 'mlvc revert' it;
//   FAILED_PRECONDITION (server): out of date; the message names the path and changeset;
//   INVALID_ARGUMENT for an empty message; DATA_LOSS when a file changed while uploading;
//   CANCELLED when `observer` stopped the upload (the chunks the server acknowledged stay
//   there: committing again sends only the rest); plus what any server call returns.
// Uploads are chunked (transfer.h); `observer` (may be null) sees their progress.
// Push-model hook (`run` non-null): the changeset is sent with RecordService.PushModel
// instead of Submit, so the run is recorded in the same transaction (both land or neither;
// PushModel's errors then, e.g. NOT_FOUND for an unknown input); CommitResult::run holds it.
// The server releases the caller's locks on the committed paths (and their lockable files
// turn read-only) unless `keep_locks`.
absl::StatusOr<CommitResult> Commit(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& message,
                                    const std::vector<std::string>& relpaths,
                                    bool keep_locks = false,
                                    TransferObserver* observer = nullptr,
                                    const remote::RunSpec* run = nullptr);

// True for Commit's "missing file" refusal (the CLI exits 1 for it, not 6).
bool IsMissingFilesError(const absl::Status& status);

}  // namespace mlvc::client::ops
