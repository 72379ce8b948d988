// Remote access: one connection to an mlvc server (gRPC, insecure channel, 16 MiB message
// limits), with the caller's token attached to every call as "authorization: Bearer TOKEN".
// The only client code that sees gRPC: its API takes and returns the plain values of
// remote_types.h, and every failure comes back as an absl::Status with the server's code and
// message (UNAVAILABLE says "server HOST:PORT is unreachable").
// Requires: proto/ (mlvc_proto), common/. Used by: client/ops.
// Not thread-safe for concurrent calls on one instance (one instance per operation).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/remote/remote_types.h"

namespace mlvc::client::remote {

// Largest piece of data sent or received per message (the proto's kMaxPiece).
inline constexpr size_t kPieceBytes = 1 << 20;
// Most ids per FindMissing call (the server's limit).
inline constexpr size_t kFindMissingBatch = 10000;

// Every method may also return what any call may: UNAUTHENTICATED (no or bad token),
// PERMISSION_DENIED, UNAVAILABLE (server unreachable), DEADLINE_EXCEEDED.
class Remote {
 public:
  struct Options {
    // Deadline of each unary call. Streams (GetTree, upload, download) have none, so a
    // large file is never cut off; they fail when the connection does.
    int unary_deadline_seconds = 60;
    // Extra attempts of Submit after UNAVAILABLE, with the same submit_id.
    int submit_retries = 2;
  };

  // Makes a channel to `server` ("HOST:PORT"). Connecting is lazy: an unreachable server
  // shows as UNAVAILABLE on the first call. INVALID_ARGUMENT for an empty server.
  static absl::StatusOr<std::unique_ptr<Remote>> Connect(const std::string& server,
                                                         const std::string& token);
  static absl::StatusOr<std::unique_ptr<Remote>> Connect(const std::string& server,
                                                         const std::string& token,
                                                         Options options);
  ~Remote();
  Remote(const Remote&) = delete;
  Remote& operator=(const Remote&) = delete;

  const std::string& server() const;

  // INVALID_ARGUMENT for a bad name, ALREADY_EXISTS when taken.
  absl::StatusOr<RepositoryInfo> CreateRepository(const std::string& name);
  // Sorted by name.
  absl::StatusOr<std::vector<RepositoryInfo>> ListRepositories();
  // NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<BranchInfo>> ListBranches(const std::string& repository);
  // `ref`: branch name or changeset number ('@' optional); empty means "main".
  // NOT_FOUND for an unknown repository, branch or changeset.
  absl::StatusOr<ResolvedRef> ResolveRef(const std::string& repository, const std::string& ref);
  // Every file of changeset `number` (only under `paths` when non-empty), sorted by path.
  // NOT_FOUND for an unknown repository/changeset, INVALID_ARGUMENT for a bad path.
  absl::StatusOr<std::vector<TreeFile>> GetTree(const std::string& repository, int64_t number,
                                                const std::vector<std::string>& paths);
  // The ids in `content_ids` the server does not hold, in order (batches of 10,000).
  // INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<std::vector<std::string>> FindMissing(const std::vector<std::string>& content_ids);
  // Streams a local file in 1 MiB pieces (never whole in memory). DATA_LOSS when the server
  // computed another id or size (e.g. the file changed meanwhile); INTERNAL when the file
  // cannot be read.
  absl::Status UploadFile(const std::string& local_abspath, const std::string& content_id,
                          uint64_t size);
  // Writes a content to `dest_abspath` (created or truncated) as it arrives, hashing as it
  // writes. DATA_LOSS, and the file removed, when the bytes received do not hash to
  // `content_id`; NOT_FOUND for unknown content; INTERNAL on a local write error (the file
  // removed too).
  absl::Status DownloadToFile(const std::string& content_id, const std::string& dest_abspath);
  // Reads a content into memory, verified like DownloadToFile. OUT_OF_RANGE when it is bigger
  // than `max_bytes` (nothing more is read).
  absl::StatusOr<std::string> DownloadToMemory(const std::string& content_id, uint64_t max_bytes);
  // Commits. Retried on UNAVAILABLE with the same submit_id, so that a submit that landed
  // before the connection broke comes back as `replayed` rather than twice.
  // FAILED_PRECONDITION when out of date (message names the path and changeset) or a content
  // is missing; INVALID_ARGUMENT, NOT_FOUND as the server says.
  absl::StatusOr<SubmitResult> Submit(const SubmitRequest& request);
  // Merges on the server (see HistoryService.Merge). ABORTED "merge conflict in N paths:
  // ..." when not a preview and paths conflict; NOT_FOUND for an unknown repository, source
  // or target branch; PERMISSION_DENIED without the writer role.
  absl::StatusOr<MergeOutcome> Merge(const MergeRequest& request);
  // Newest first. NOT_FOUND for an unknown repository/ref.
  absl::StatusOr<std::vector<ChangesetInfo>> Log(const LogQuery& query);
  // With its changed paths. NOT_FOUND when unknown.
  absl::StatusOr<ChangesetInfo> GetChangeset(const std::string& repository, int64_t number);
  // File-level differences between two changesets, sorted by path. With `with_text`, text
  // files of at most 1 MiB on both sides carry their unified diff, rendered by the server.
  absl::StatusOr<std::vector<FileChange>> Diff(const std::string& repository,
                                               int64_t from_number, int64_t to_number,
                                               const std::vector<std::string>& paths,
                                               bool with_text = false);

  // --- branches and labels (branches and labels share one name space per repository) ---
  // `from`: branch, label or changeset number; empty means "main". INVALID_ARGUMENT bad
  // name, ALREADY_EXISTS when a branch or label has the name, NOT_FOUND unknown source.
  absl::StatusOr<BranchInfo> CreateBranch(const std::string& repository, const std::string& name,
                                          const std::string& from);
  // FAILED_PRECONDITION for "main", NOT_FOUND unknown branch.
  absl::Status DeleteBranch(const std::string& repository, const std::string& name);
  // ALREADY_EXISTS "label 'v1.0' already exists", INVALID_ARGUMENT bad name, NOT_FOUND
  // unknown ref.
  absl::StatusOr<LabelInfo> CreateLabel(const std::string& repository, const std::string& name,
                                        const std::string& ref, const std::string& notes);
  // Every label, sorted by name (fetched page by page).
  absl::StatusOr<std::vector<LabelInfo>> ListLabels(const std::string& repository);
  // PERMISSION_DENIED unless a maintainer; NOT_FOUND unknown label.
  absl::Status DeleteLabel(const std::string& repository, const std::string& name);

  // --- locks (LockService; see proto/mlvc/v1/lock.proto for the errors) ---
  // All or nothing. FAILED_PRECONDITION "'P' is locked by U since T" or "... out of date ...".
  absl::StatusOr<std::vector<LockInfo>> Lock(const std::string& repository,
                                             const std::string& branch,
                                             const std::vector<LockTargetInfo>& targets,
                                             const std::string& comment);
  // All or nothing. NOT_FOUND "'P' is not locked", FAILED_PRECONDITION "'P' is not locked by
  // you ...", PERMISSION_DENIED for `force` without the maintainer role.
  absl::StatusOr<std::vector<LockInfo>> Unlock(const std::string& repository,
                                               const std::string& branch,
                                               const std::vector<std::string>& paths,
                                               bool force);
  // Every lock of `branch` whose path starts with `prefix`, in path order, fetched in pages
  // of `page_size` (one round trip for up to that many locks).
  absl::StatusOr<std::vector<LockInfo>> ListLocks(const std::string& repository,
                                                  const std::string& branch,
                                                  const std::string& prefix,
                                                  int page_size = 10000);
  absl::StatusOr<std::vector<std::string>> GetLockablePatterns(const std::string& repository);
  // PERMISSION_DENIED unless a maintainer. Returns the patterns now in force.
  absl::StatusOr<std::vector<std::string>> SetLockablePatterns(
      const std::string& repository, const std::vector<std::string>& patterns);

 private:
  struct Impl;
  explicit Remote(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::client::remote
