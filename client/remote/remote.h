// Remote access: one connection to an mlvc server (gRPC, TLS or plaintext as its address
// says, 16 MiB message limits), with the caller's token attached to every call as
// "authorization: Bearer TOKEN".
// The only client code that sees gRPC: its API takes and returns the plain values of
// remote_types.h, and every failure comes back as an absl::Status with the server's code and
// message (UNAVAILABLE says "server HOST:PORT is unreachable").
// Requires: proto/ (mlvc_proto), common/. Used by: client/ops.
// Not thread-safe for concurrent calls on one instance (one instance per operation).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/remote/admin_types.h"
#include "client/remote/remote_types.h"
#include "client/remote/release_types.h"

namespace mlvc::client::remote {

// Largest piece of data sent or received per message (the proto's kMaxPiece).
inline constexpr size_t kPieceBytes = 1 << 20;
// Most ids per FindMissing call (the server's limit).
inline constexpr size_t kFindMissingBatch = 10000;

// Most hashes or ids per chunked-transfer request (the server's limit).
inline constexpr size_t kChunkBatch = 10000;
// Chunk bytes per UploadChunks message and per ReadChunks request (about; whole chunks).
inline constexpr size_t kChunkMessageBytes = 1 << 20;

// One UploadChunks stream (Remote::OpenChunkUpload). Not thread-safe: one thread per stream;
// several streams may run at once on one Remote.
class ChunkUploadStream {
 public:
  virtual ~ChunkUploadStream() = default;
  // Sends `chunks` (whole chunks, in messages of about kChunkMessageBytes), moving their
  // bytes out (the GiBs of a push are not copied once more). Returns an error when the
  // stream broke; Finish() then says why.
  virtual absl::Status Write(std::vector<ChunkPayload>& chunks) = 0;
  // Ends the stream and returns the server's account of it (DATA_LOSS names a chunk that
  // did not match its hash).
  virtual absl::StatusOr<UploadChunksStats> Finish() = 0;
  // Breaks the stream at once, as a killed client or a dropped connection would; Finish()
  // then returns CANCELLED. The server keeps what it had stored.
  virtual void Cancel() = 0;
};

// One Watch stream (Remote::Watch; release_remote.cc). Next() from one thread; Cancel()
// from any thread (a signal handler's thread, say).
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Blocks until the next event; false when the stream ended (Finish() says why).
  virtual bool Next(EventInfo* event) = 0;
  // Ends the stream: a blocked Next() returns false, and Finish() CANCELLED.
  virtual void Cancel() = 0;
  // Why the stream ended, after Next() returned false: CANCELLED after Cancel(); the
  // server's error otherwise (UNAVAILABLE when it shut down or went away).
  virtual absl::Status Finish() = 0;
};

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
    // PEM file of the CAs that TLS connections trust; empty: the system's roots.
    std::string ca_file;
  };

  // Makes a channel to `server`, "[https://|http://]HOST:PORT", in TLS or plaintext as
  // server_address.h decides. Connecting is lazy: an unreachable server shows as UNAVAILABLE
  // on the first call, and a failed TLS handshake as UNAVAILABLE "cannot make a TLS
  // connection to SERVER: <why>". INVALID_ARGUMENT for an empty or malformed server, or an
  // unusable `options.ca_file`.
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
  // Sets the role every signed-in user without a role of their own has on the repository
  // ("none", "reader" or "writer") and returns the repository as it is now. Maintainers
  // only. INVALID_ARGUMENT for any other value.
  absl::StatusOr<RepositoryInfo> SetDefaultRole(const std::string& repository,
                                                const std::string& default_role);
  // NOT_FOUND for an unknown repository.
  absl::StatusOr<std::vector<BranchInfo>> ListBranches(const std::string& repository);
  // `ref`: branch name or changeset number ('@' optional); empty means "main".
  // NOT_FOUND for an unknown repository, branch or changeset.
  absl::StatusOr<ResolvedRef> ResolveRef(const std::string& repository, const std::string& ref);
  // Every file of changeset `number` (only under `paths` when non-empty), sorted by path.
  // NOT_FOUND for an unknown repository/changeset, INVALID_ARGUMENT for a bad path.
  absl::StatusOr<std::vector<TreeFile>> GetTree(const std::string& repository, int64_t number,
                                                const std::vector<std::string>& paths);
  // Content calls name the repository they are made for (content.proto: content is reached
  // through a repository): the one pushed to, or read from.

  // The ids in `content_ids` the server does not hold, in order (batches of 10,000).
  // INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<std::vector<std::string>> FindMissing(const std::string& repository,
                                                       const std::vector<std::string>& content_ids);
  // Streams a local file in 1 MiB pieces (never whole in memory). DATA_LOSS when the server
  // computed another id or size (e.g. the file changed meanwhile); INTERNAL when the file
  // cannot be read.
  absl::Status UploadFile(const std::string& repository, const std::string& local_abspath,
                          const std::string& content_id, uint64_t size);
  // Writes a content to `dest_abspath` (created or truncated) as it arrives, hashing as it
  // writes. DATA_LOSS, and the file removed, when the bytes received do not hash to
  // `content_id`; NOT_FOUND for unknown content; INTERNAL on a local write error (the file
  // removed too).
  absl::Status DownloadToFile(const std::string& repository, const std::string& content_id,
                              const std::string& dest_abspath);
  // Reads a content into memory, verified like DownloadToFile. OUT_OF_RANGE when it is bigger
  // than `max_bytes` (nothing more is read).
  absl::StatusOr<std::string> DownloadToMemory(const std::string& repository,
                                               const std::string& content_id, uint64_t max_bytes);
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

  // --- chunked transfer (chunk_transfer.cc; ContentService's chunk calls in content.proto) ---
  // Each call batches for the server's limits (kChunkBatch hashes per request, about
  // kChunkMessageBytes of chunk data per message). Unlike the calls above, these may run
  // concurrently on one instance (several upload or read streams at once).

  // The hashes of `chunk_hashes` the server lacks, in order, each once per batch of
  // kChunkBatch (pass each hash once to get it once). INVALID_ARGUMENT for a malformed hash.
  // UNIMPLEMENTED from a server without chunked transfer.
  absl::StatusOr<std::vector<std::string>> FindMissingChunks(
      const std::string& repository, const std::vector<std::string>& chunk_hashes);
  // Opens one UploadChunks stream, once the server admitted it (its per-user upload limit:
  // a refusal is retried after the wait the server asks for).
  absl::StatusOr<std::unique_ptr<ChunkUploadStream>> OpenChunkUpload(
      const std::string& repository);
  // Records contents as their chunk lists (one stream, batched). Returns the committed ids
  // in order. NOT_FOUND names a chunk the server does not hold; DATA_LOSS when the chunks do
  // not hash to the content id or add up to its size.
  absl::StatusOr<std::vector<std::string>> CommitContents(
      const std::string& repository, const std::vector<ContentManifest>& manifests);
  // Manifests of `content_ids`, in order (batched). NOT_FOUND for an unknown content.
  absl::StatusOr<std::vector<RemoteManifest>> GetManifests(
      const std::string& repository, const std::vector<std::string>& content_ids);
  // Fetches chunks (batched) and calls `sink` with each, in the order of `chunk_hashes`,
  // after checking it against its hash unless `verify_each` is false (DATA_LOSS when it
  // does not match, or when the server's answer skips or reorders chunks). An error from
  // `sink` stops the read and is returned. NOT_FOUND for a chunk the server does not hold.
  absl::Status ReadChunks(const std::string& repository,
                          const std::vector<std::string>& chunk_hashes,
                          const std::function<absl::Status(ChunkPayload&&)>& sink,
                          bool verify_each = true);
  // Chunk bytes sent and received so far by this instance (all streams together).
  TransferCounters counters() const;

  // --- releases, deployments, events (release_remote.cc; ReleaseService in release.proto) ---
  // `ref`: changeset, branch or label (empty: the head of `branch`); `branch`: whose policy
  // applies (empty: the ref when a branch, else main). ALREADY_EXISTS when a branch, label or
  // environment has the name; FAILED_PRECONDITION naming every unmet policy rule.
  absl::StatusOr<ReleaseInfo> CreateRelease(const std::string& repository,
                                            const std::string& version, const std::string& ref,
                                            const std::string& branch, const std::string& notes);
  // Newest first, at most `limit` (0: every release, fetched page by page); with `after`,
  // only releases older than that version (the last one of the previous page).
  absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(const std::string& repository,
                                                        int limit,
                                                        const std::string& after = "");
  // NOT_FOUND for an unknown release.
  absl::StatusOr<ReleaseInfo> GetRelease(const std::string& repository,
                                         const std::string& version);
  // Maintainers only. NOT_FOUND unknown release; INVALID_ARGUMENT bad environment name.
  absl::StatusOr<DeploymentInfo> Deploy(const std::string& repository, const std::string& version,
                                        const std::string& environment, const std::string& note);
  // Newest first, of one environment when non-empty, at most `limit` (0: all, paged); with
  // `live_only`, each environment's live deployment; with `before_id` > 0, only deployments
  // with a smaller id (the last id of the previous page).
  absl::StatusOr<std::vector<DeploymentInfo>> ListDeployments(const std::string& repository,
                                                              const std::string& environment,
                                                              int limit, bool live_only,
                                                              int64_t before_id = 0);
  // Maintainers only. NOT_FOUND environment never deployed to; FAILED_PRECONDITION nothing
  // earlier to roll back to.
  absl::StatusOr<DeploymentInfo> Rollback(const std::string& repository,
                                          const std::string& environment,
                                          const std::string& note);
  // Opens a Watch stream (no deadline): events after `after_id` (or all with `from_start`,
  // or only new ones), then live. `repository` empty: every repository (admins).
  absl::StatusOr<std::unique_ptr<EventStream>> Watch(const std::string& repository,
                                                     int64_t after_id, bool from_start);

  // --- the ML record (record_remote.cc; RecordService in proto/mlvc/v1/record.proto) ---
  // Refs are what ResolveRef accepts (plus environment names); empty means "main".
  // NOT_FOUND for an unknown repository or ref everywhere.

  // Records a run against `ref`'s changeset; a retry with the same `record_id` returns the
  // first run. INVALID_ARGUMENT bad kind/key/value or unparsable environment file; NOT_FOUND
  // an input or output that does not exist, an environment content not uploaded.
  absl::StatusOr<RunInfo> RecordRun(const std::string& repository, const std::string& ref,
                                    const RunSpec& run, const std::string& record_id);
  // Submits and records the run in one transaction (both or neither). Submit's errors, and
  // RecordRun's. Retried on UNAVAILABLE with the same submit_id.
  absl::StatusOr<PushModelResult> PushModel(const SubmitRequest& submit, const RunSpec& run);
  absl::StatusOr<RunInfo> GetRun(const std::string& repository, int64_t id);
  // Newest first; fewer than the limit means no more.
  absl::StatusOr<std::vector<RunInfo>> ListRuns(const RunQuery& query);
  // With `model_path`: the training run that produced that path's content at `ref`; else
  // the newest run of `kind` at ref or its nearest first-parent ancestor. NOT_FOUND when none.
  absl::StatusOr<FoundRun> FindRun(const std::string& repository, const std::string& ref,
                                   const std::string& model_path, RunKind kind);
  // NOT_FOUND for a path that does not exist at the ref.
  absl::StatusOr<ModelExplanation> ExplainModel(const std::string& repository,
                                                const std::string& path, const std::string& ref);
  absl::StatusOr<ChangesSinceInfo> ChangesSince(const std::string& repository,
                                                int64_t from_number, const std::string& branch,
                                                int32_t limit);
  absl::StatusOr<std::vector<MetricPointInfo>> MetricHistory(const MetricHistoryQuery& query);
  absl::StatusOr<std::vector<RegressionInfo>> FindRegressions(const RegressionQuery& query);
  absl::StatusOr<ApprovalInfo> ApproveChangeset(const std::string& repository,
                                                const std::string& ref, const std::string& note);
  // PERMISSION_DENIED unless a maintainer; INVALID_ARGUMENT malformed rule; an empty policy
  // removes the branch's policy.
  absl::StatusOr<PolicyInfo> SetPolicy(const std::string& repository, const std::string& branch,
                                       const PolicyInfo& policy);
  absl::StatusOr<BranchPolicyInfo> GetPolicy(const std::string& repository,
                                             const std::string& branch);
  absl::StatusOr<PolicyCheckInfo> CheckPolicy(const std::string& repository,
                                              const std::string& branch, const std::string& ref);

  // --- administration (admin_remote.cc; AdminService in proto/mlvc/v1/admin.proto) ---
  // Who may call what is the server's authorization table: users and listings across every
  // repository need a server admin (PERMISSION_DENIED otherwise); a repository's roles and
  // audit rows its maintainers; one's own tokens anyone but a service account.

  // The user of this connection's token.
  absl::StatusOr<WhoAmIInfo> WhoAmI();
  // Creates a user with a first token (never expiring), or a service account without one.
  // INVALID_ARGUMENT bad name or an admin service account; ALREADY_EXISTS name taken.
  absl::StatusOr<CreatedUserInfo> CreateUser(const std::string& name, bool admin, bool service);
  // Every user, by name.
  absl::StatusOr<std::vector<UserInfo>> ListUsers();
  // Refuses every token of the user from the next call on. NOT_FOUND unknown user;
  // FAILED_PRECONDITION for the caller themselves.
  absl::StatusOr<UserInfo> DisableUser(const std::string& name);
  // NOT_FOUND unknown user.
  absl::StatusOr<UserInfo> EnableUser(const std::string& name);
  // Issues a token for `user` (empty: the caller) named `name`, living `lifetime_seconds`
  // (0: forever). INVALID_ARGUMENT bad name or lifetime; NOT_FOUND unknown user;
  // FAILED_PRECONDITION disabled user.
  absl::StatusOr<IssuedTokenInfo> CreateToken(const std::string& user, const std::string& name,
                                              int64_t lifetime_seconds);
  // Tokens of `user` (empty: the caller's; `all`: every user's, admins only), newest first,
  // without secrets. NOT_FOUND unknown user; INVALID_ARGUMENT a user and `all` together.
  absl::StatusOr<std::vector<TokenInfo>> ListTokens(const std::string& user, bool all);
  // Revokes a token from the next call on. NOT_FOUND unknown token (or, to anyone but an
  // admin, another user's).
  absl::StatusOr<TokenInfo> RevokeToken(int64_t token_id);
  // Gives `user` `role` on `repository`, replacing an earlier role. INVALID_ARGUMENT bad
  // role; NOT_FOUND unknown user.
  absl::StatusOr<RoleGrantInfo> GrantRole(const std::string& repository, const std::string& user,
                                          const std::string& role);
  // Takes `user`'s own role on `repository` away. NOT_FOUND unknown user, or no role to take.
  absl::Status RevokeRole(const std::string& repository, const std::string& user);
  // Roles of `repository` (empty: every repository, admins only), only `user`'s when
  // non-empty. NOT_FOUND unknown user or (admins) repository.
  absl::StatusOr<RoleListingInfo> ListRoles(const std::string& repository,
                                            const std::string& user);
  // Audit rows, newest first. INVALID_ARGUMENT negative limit or after_id; NOT_FOUND
  // unknown user or (admins) repository.
  absl::StatusOr<std::vector<AuditEntryInfo>> ListAudit(const AuditQueryInfo& query);

 private:
  struct Impl;
  explicit Remote(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::client::remote
