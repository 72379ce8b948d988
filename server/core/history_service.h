// History: the files of a version, the log, single changesets, diffs between versions, and
// Submit, which commits changes on top of a branch atomically (see the HistoryService.Submit
// comment in proto/mlvc/v1/history.proto for the contract clients rely on).
// Requires: store/metadata_store.h. Used by: server/rpc (HistoryService), tests, tools.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Thread-safe (stateless beyond the store).
class HistoryService {
 public:
  explicit HistoryService(store::MetadataStore& store) : store_(store) {}

  // Where Diff(..., with_text=true) reads file contents; without one, diffs carry no text.
  // Set once, before serving; the store must outlive this service.
  void SetBlobStore(store::BlobStore* blobs) { blobs_ = blobs; }

  // Calls `batch` with the files of changeset `number` (only those equal to or under one of
  // `paths` when non-empty), bytewise sorted by path, at most kTreeBatchSize per call; only
  // directories on the requested paths are read. Stops at the first error `batch` returns.
  // INVALID_ARGUMENT for a bad path, NOT_FOUND for an unknown repository or changeset,
  // DATA_LOSS for a corrupt tree. Holds one store connection while it runs.
  absl::Status GetTree(const std::string& repository, int64_t number,
                       const std::vector<std::string>& paths,
                       const std::function<absl::Status(std::vector<FileEntry>)>& batch);

  // Changesets on the first-parent history of `ref` (see ResolveRefIn), newest first,
  // only those that changed `path` (or under it) when non-empty; `limit` 0 means 100,
  // capped at 10,000. INVALID_ARGUMENT for a bad path or negative limit, NOT_FOUND for an
  // unknown repository or ref.
  absl::StatusOr<std::vector<ChangesetInfo>> Log(const std::string& repository,
                                                 const std::string& ref, const std::string& path,
                                                 int limit, bool with_paths);

  // Every changeset reachable from `ref` through first AND merge parents, newest (highest
  // number) first, for `log --graph`; `limit` as for Log. INVALID_ARGUMENT negative limit,
  // NOT_FOUND unknown repository or ref. (history_graph_diff.cc)
  absl::StatusOr<std::vector<ChangesetInfo>> LogAllParents(const std::string& repository,
                                                           const std::string& ref, int limit,
                                                           bool with_paths);

  // As Diff, and with `with_text` each text file below kMaxTextDiffBytes on both sides also
  // gets its unified diff ("--- a/PATH", "+++ b/PATH"), read from the blob store (none
  // without SetBlobStore). DATA_LOSS when a content is missing from the blob store.
  // (history_graph_diff.cc)
  absl::StatusOr<std::vector<FileDiff>> Diff(const std::string& repository, int64_t from,
                                             int64_t to, const std::vector<std::string>& paths,
                                             bool with_text);

  // One changeset with its changed paths. NOT_FOUND for an unknown repository or changeset.
  absl::StatusOr<ChangesetInfo> GetChangeset(const std::string& repository, int64_t number);

  // Files that differ between changesets `from` and `to` (restricted to `paths` when
  // non-empty), sorted by path. Reads only subtrees whose hashes differ.
  // INVALID_ARGUMENT for a bad path, NOT_FOUND for an unknown repository or changeset.
  absl::StatusOr<std::vector<FileDiff>> Diff(const std::string& repository, int64_t from,
                                             int64_t to, const std::vector<std::string>& paths);

  // Commits `request` on top of its branch as the caller, in one transaction, and audits it.
  //   INVALID_ARGUMENT  bad path, duplicate path, empty or too many changes (> 100,000),
  //                     malformed content id, bad action or kind, empty message, bad
  //                     submit_id (1-64 of [A-Za-z0-9-]), a file/directory clash;
  //   NOT_FOUND         unknown repository or branch, or unknown merge_parent changeset;
  //   FAILED_PRECONDITION "out of date: 'PATH' was changed in @N" when the head holds at a
  //                     path something other than the change's base, or
  //                     "content C for 'PATH' has not been uploaded";
  // A text MODIFY whose path changed at the head since its base is merged three-way with
  // the head (submit_merge.h, needs SetBlobStore): clean merges land with the merged content
  // and are listed in merged_paths; overlapping ones are out of date as above.
  // A set merge_parent is recorded as the changeset's merge parent; with one, the change list
  // may be empty (an empty merge: same tree as the head, two parents).
  // A submit_id already used in the repository returns that changeset with replayed=true.
  // Nothing is changed on any error. Who may submit is the authorization table's business.
  // One audit row per call, landed or replayed, in the submit's transaction.
  absl::StatusOr<SubmitResult> Submit(const Caller& caller, const SubmitRequest& request);

  // Runs inside Submit's transaction once the changeset has landed (inserted, branch moved,
  // audited), with the repository and the new changeset; an error it returns rolls the whole
  // submit back and is Submit's error. Not called when the submit_id replays.
  using SubmitHook = std::function<absl::Status(store::MetadataTxn& txn,
                                                const store::RepositoryRecord& repo,
                                                const ChangesetInfo& landed)>;
  // Submit, with `hook` (may be empty) run as above, audited as `audit_action`: PushModel
  // records its run this way, in one audit row "push-model".
  absl::StatusOr<SubmitResult> Submit(const Caller& caller, const SubmitRequest& request,
                                      const SubmitHook& hook, std::string_view audit_action);

 private:
  store::MetadataStore& store_;
  store::BlobStore* blobs_ = nullptr;
};

// Normalizes every path of `paths` (INVALID_ARGUMENT naming the bad one).
absl::StatusOr<std::vector<std::string>> NormalizePaths(const std::vector<std::string>& paths);

}  // namespace mlvc::server::core
