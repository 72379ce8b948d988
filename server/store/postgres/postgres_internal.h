// Internals of PostgresMetadataStore shared by its .cc files (one per aggregate): the
// MetadataTxn over a pqxx::work, exception-to-Status mapping, and helpers for parameters.
// Only server/store/postgres includes this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::store::internal {

// What a caught exception said about the connection and the transaction.
struct ErrorFlags {
  bool retryable = false;  // serialization failure or deadlock: the whole body may re-run
  bool broken = false;     // the connection is gone: do not return it to the pool
  // The first statement that failed. Postgres then refuses every later statement of the
  // transaction and turns COMMIT into a rollback, so the body's result cannot be OK.
  absl::Status first_error;
};

// Maps the exception being handled (call only inside a catch block) to a Status:
// serialization_failure, deadlock_detected -> ABORTED; unique_violation -> ALREADY_EXISTS;
// foreign_key_violation -> NOT_FOUND; check_violation, data_exception -> INVALID_ARGUMENT;
// broken_connection -> UNAVAILABLE; anything else -> INTERNAL. Records flags in `flags`.
absl::Status CurrentExceptionToStatus(std::string_view what_doing, ErrorFlags* flags);

// Runs `fn` (returning absl::Status or absl::StatusOr<T>), turning any exception into a
// Status via CurrentExceptionToStatus.
template <typename Fn>
auto Guard(std::string_view what_doing, ErrorFlags* flags, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    return CurrentExceptionToStatus(what_doing, flags);
  }
}

// Roles as stored ('reader', 'writer', 'maintainer'), and back: DATA_LOSS for anything
// else. A default role is stored as 'none' or a role name.
absl::StatusOr<Role> RoleFromText(const std::string& text);
absl::StatusOr<std::optional<Role>> DefaultRoleFromText(const std::string& text);

// A Postgres array literal ('{"a","b",NULL}') for a text[] parameter; elements are quoted
// and escaped so any text is safe. nullopt elements become NULL.
std::string TextArrayLiteral(const std::vector<std::string>& values);
std::string TextArrayLiteral(const std::vector<std::optional<std::string>>& values);

// An optional integer as a libpqxx 6 parameter, which has no optional parameters: a null
// pointer is SQL NULL. The object must outlive the statement it is passed to.
class NullableInt {
 public:
  explicit NullableInt(std::optional<int64_t> value)
      : set_(value.has_value()), text_(value ? std::to_string(*value) : std::string()) {}
  const char* get() const { return set_ ? text_.c_str() : nullptr; }

 private:
  bool set_;
  std::string text_;
};

// Microseconds since the epoch of a timestamptz column, as a SELECT expression.
#define MLVC_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

// Lowercase hex of bytes, for bytea values passed through decode($n, 'hex').
std::string HexEncode(std::string_view bytes);

// Declares every named statement on a fresh connection (one function per aggregate file).
void PrepareUserStatements(pqxx::connection& conn);
void PrepareRepositoryStatements(pqxx::connection& conn);
void PrepareChangesetStatements(pqxx::connection& conn);
void PrepareTreeAndContentStatements(pqxx::connection& conn);
void PrepareAuditStatements(pqxx::connection& conn);
void PrepareLabelStatements(pqxx::connection& conn);
void PrepareLockStatements(pqxx::connection& conn);
void PrepareAccessStatements(pqxx::connection& conn);  // access_sql.cc
void PrepareRunStatements(pqxx::connection& conn);     // run_sql.cc
void PreparePolicyStatements(pqxx::connection& conn);  // policy_sql.cc
void PrepareReleaseStatements(pqxx::connection& conn);  // release_sql.cc
void PrepareEventStatements(pqxx::connection& conn);    // event_sql.cc

// A listener on its own connection to `uri` (event_sql.cc). UNAVAILABLE when it cannot
// connect.
absl::StatusOr<std::unique_ptr<EventListener>> OpenEventListener(const std::string& uri);

// The SQL of the first page of ListLocks (for its EXPLAIN test).
extern const char* const kListLocksSql;

// The SQL of the path-filtered history query (used by ListHistory and its EXPLAIN hook).
extern const char* const kHistoryByPathSql;

// The SQL of the metric-history and regression queries (run_sql.cc; for their EXPLAIN test):
// $1 repo, $2 key, $3 line, $4 numbers above, $5 numbers up to, $6 kind (0: any), then
// $7 limit (points), or $7 higher_is_better, $8 drop, $9 below, $10 limit (regressions).
extern const std::string kMetricPointsSql;
extern const std::string kMetricRegressionsSql;

// The MetadataTxn of one pqxx::work. Its methods are defined in the aggregate files.
class PgTxn final : public MetadataTxn {
 public:
  PgTxn(pqxx::work& work, ErrorFlags* flags) : w_(work), flags_(flags) {}

  // Users and tokens: user_sql.cc.
  absl::StatusOr<UserRecord> CreateUser(const std::string& name, bool is_admin,
                                        bool is_service) override;
  absl::StatusOr<UserRecord> GetUserByName(const std::string& name) override;
  absl::StatusOr<std::vector<UserRecord>> ListUsers() override;
  absl::Status SetUserDisabled(int64_t user_id, bool disabled) override;
  absl::StatusOr<TokenRecord> InsertToken(const NewTokenRow& token) override;
  absl::StatusOr<std::vector<TokenRecord>> ListTokens(std::optional<int64_t> user_id) override;
  absl::StatusOr<TokenRecord> GetToken(int64_t token_id) override;
  absl::StatusOr<TokenRecord> RevokeToken(int64_t token_id) override;
  absl::StatusOr<TokenLookup> LookupToken(const std::string& token_hash) override;

  absl::StatusOr<RepositoryRecord> CreateRepository(const std::string& name,
                                                    int64_t created_by) override;
  absl::StatusOr<RepositoryRecord> GetRepository(const std::string& name) override;
  absl::StatusOr<std::vector<RepositoryRecord>> ListRepositories() override;
  absl::Status CreateBranch(int64_t repo_id, const std::string& name, int64_t head) override;
  absl::StatusOr<BranchRecord> GetBranch(int64_t repo_id, const std::string& name,
                                         bool for_update) override;
  absl::StatusOr<std::vector<BranchRecord>> ListBranches(int64_t repo_id) override;
  absl::Status MoveBranchHead(int64_t repo_id, const std::string& name, int64_t expected_head,
                              int64_t new_head) override;

  absl::StatusOr<int64_t> AllocateChangesetNumber(int64_t repo_id) override;
  absl::Status InsertChangeset(int64_t repo_id, const ChangesetRecord& changeset,
                               const std::vector<ChangedPathRecord>& paths) override;
  absl::StatusOr<ChangesetRecord> GetChangeset(int64_t repo_id, int64_t number) override;
  absl::StatusOr<std::optional<ChangesetRecord>> FindChangesetBySubmitId(
      int64_t repo_id, const std::string& submit_id) override;
  absl::StatusOr<std::vector<ChangesetRecord>> ListHistory(int64_t repo_id, int64_t head,
                                                           const std::string& path,
                                                           int limit) override;
  absl::StatusOr<std::vector<ChangedPathRecord>> GetChangedPaths(int64_t repo_id,
                                                                int64_t number) override;
  absl::StatusOr<std::optional<int64_t>> LastChangeOf(int64_t repo_id, int64_t head,
                                                       const std::string& path) override;

  absl::StatusOr<std::string> GetTreeNode(const std::string& hash) override;
  absl::Status PutTreeNodes(const std::vector<TreeNodeRecord>& nodes) override;

  absl::StatusOr<std::vector<std::string>> FindMissingContents(
      const std::vector<std::string>& content_ids) override;
  absl::Status PutContent(const std::string& content_id, uint64_t size) override;
  absl::StatusOr<std::optional<uint64_t>> GetContentSize(const std::string& content_id) override;

  absl::Status AppendAudit(const AuditRecord& record) override;
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(const AuditFilter& filter) override;

  // Runs: run_sql.cc; reviews and policies: policy_sql.cc.
  absl::StatusOr<int64_t> InsertRun(const RunRecord& run) override;
  absl::StatusOr<std::optional<int64_t>> FindRunByRecordId(int64_t repo_id,
                                                           const std::string& record_id) override;
  absl::StatusOr<std::vector<RunRecord>> GetRuns(int64_t repo_id,
                                                 const std::vector<int64_t>& ids) override;
  absl::StatusOr<std::vector<int64_t>> ListRunIds(int64_t repo_id,
                                                  const RunFilter& filter) override;
  absl::StatusOr<std::vector<FirstParentSegment>> FirstParentSegments(int64_t repo_id,
                                                                      int64_t number) override;
  absl::StatusOr<std::optional<int64_t>> NewestRunInSegment(int64_t repo_id,
                                                            const FirstParentSegment& segment,
                                                            int kind) override;
  absl::StatusOr<std::vector<int64_t>> TrainingRunsWithOutput(int64_t repo_id,
                                                              const std::string& content_id,
                                                              int limit) override;
  absl::StatusOr<std::vector<int64_t>> RunsWithInput(int64_t repo_id,
                                                     const std::string& content_id,
                                                     const std::vector<int>& kinds,
                                                     int limit) override;
  absl::StatusOr<std::vector<MetricPointRecord>> MetricPoints(int64_t repo_id,
                                                              const MetricSelector& metric,
                                                              const FirstParentSegment& segment,
                                                              int64_t after_number,
                                                              int limit) override;
  absl::StatusOr<std::optional<MetricPointRecord>> LastMetricPoint(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      int64_t at_most) override;
  absl::StatusOr<std::optional<double>> BestMetricValue(int64_t repo_id,
                                                        const MetricSelector& metric,
                                                        const FirstParentSegment& segment,
                                                        int64_t at_most,
                                                        bool higher_is_better) override;
  absl::StatusOr<std::vector<MetricStepRecord>> FindMetricRegressions(
      int64_t repo_id, const MetricSelector& metric, const FirstParentSegment& segment,
      const RegressionRule& rule, int limit) override;
  absl::StatusOr<std::optional<double>> MetricValueAt(int64_t repo_id,
                                                      const MetricSelector& metric,
                                                      int64_t number) override;
  absl::StatusOr<std::vector<int>> SucceededRunKindsAt(int64_t repo_id, int64_t number) override;
  absl::StatusOr<std::vector<ChangesetRecord>> SegmentChangesets(
      int64_t repo_id, const FirstParentSegment& segment, int64_t after_number,
      int limit) override;
  absl::StatusOr<std::vector<std::pair<int64_t, std::vector<ChangedPathRecord>>>>
  GetChangedPathsOf(int64_t repo_id, const std::vector<int64_t>& numbers) override;
  absl::StatusOr<std::vector<ChangesetRecord>> GetChangesets(
      int64_t repo_id, const std::vector<int64_t>& numbers) override;
  absl::StatusOr<std::vector<std::vector<ChangesetRecord>>> SegmentChangesetsInRanges(
      int64_t repo_id, const std::vector<FirstParentSegment>& segments,
      const std::vector<std::pair<int64_t, int64_t>>& ranges, int per_range) override;
  absl::Status AddApproval(int64_t repo_id, int64_t number, int64_t user_id,
                           const std::string& note) override;
  absl::StatusOr<std::vector<ApproverRecord>> ListApprovers(int64_t repo_id,
                                                            int64_t number) override;
  absl::Status SetBranchPolicy(int64_t repo_id, const std::string& branch,
                               const PolicyRecord& policy, int64_t set_by) override;
  absl::Status DeleteBranchPolicy(int64_t repo_id, const std::string& branch) override;
  absl::StatusOr<std::optional<PolicyRecord>> GetBranchPolicy(int64_t repo_id,
                                                              const std::string& branch) override;

  // label_sql.cc (and DeleteBranch in repository_sql.cc).
  absl::Status LockRefNames(int64_t repo_id) override;
  absl::Status DeleteBranch(int64_t repo_id, const std::string& name) override;
  absl::Status CreateLabel(int64_t repo_id, const std::string& name, int64_t number,
                           const std::string& notes, int64_t created_by) override;
  absl::StatusOr<LabelRecord> GetLabel(int64_t repo_id, const std::string& name) override;
  absl::StatusOr<std::vector<LabelRecord>> ListLabels(int64_t repo_id, const std::string& after,
                                                      int limit) override;
  absl::Status DeleteLabel(int64_t repo_id, const std::string& name) override;
  absl::StatusOr<std::vector<ChangesetRecord>> ListHistoryAllParents(int64_t repo_id,
                                                                     int64_t head,
                                                                     int limit) override;

  // Roles and locks: lock_sql.cc.
  // Roles and default roles: access_sql.cc.
  absl::StatusOr<RoleLookup> GetRole(int64_t repo_id, int64_t user_id) override;
  absl::Status SetRole(int64_t repo_id, int64_t user_id, Role role) override;
  absl::StatusOr<Role> DeleteRole(int64_t repo_id, int64_t user_id) override;
  absl::StatusOr<std::vector<RoleRecord>> ListRoles(std::optional<int64_t> repo_id,
                                                    std::optional<int64_t> user_id) override;
  absl::Status SetDefaultRole(int64_t repo_id, std::optional<Role> role) override;
  absl::StatusOr<std::vector<int64_t>> ReadableRepositoryIds(int64_t user_id) override;
  absl::StatusOr<LockRecord> TryInsertLock(int64_t repo_id, const LockRecord& lock) override;
  absl::StatusOr<std::vector<LockRecord>> GetLocks(
      int64_t repo_id, const std::string& branch, const std::vector<std::string>& paths) override;
  absl::StatusOr<int64_t> DeleteBranchLocks(int64_t repo_id, const std::string& branch) override;
  absl::StatusOr<std::vector<LockRecord>> DeleteLocks(int64_t repo_id, const std::string& branch,
                                                      const std::vector<std::string>& paths,
                                                      std::optional<int64_t> user_id) override;
  absl::StatusOr<std::vector<LockRecord>> ListLocks(int64_t repo_id, const std::string& branch,
                                                    const std::string& prefix,
                                                    const std::string& after,
                                                    int limit) override;
  absl::StatusOr<std::vector<std::string>> GetLockablePatterns(int64_t repo_id) override;
  absl::Status SetLockablePatterns(int64_t repo_id,
                                   const std::vector<std::string>& patterns) override;

  // Chunks and packs: chunk_sql.cc.
  absl::StatusOr<std::vector<std::string>> FindMissingChunks(
      const std::vector<std::string>& hashes) override;
  absl::Status BeginPackUpload(const std::string& object_key) override;
  absl::StatusOr<int64_t> InsertPack(const std::string& object_key, uint64_t size,
                                     int64_t chunk_count,
                                     std::optional<int64_t> uploaded_by) override;
  absl::StatusOr<std::vector<std::string>> InsertChunks(
      int64_t pack_id, const std::vector<ChunkRecord>& chunks) override;
  absl::Status DeleteUnusedPack(int64_t pack_id) override;
  absl::StatusOr<std::vector<ChunkLocation>> GetChunkLocations(
      const std::vector<std::string>& hashes) override;
  absl::Status PutContentManifest(const std::string& content_id, uint64_t size,
                                  const std::vector<std::string>& chunk_hashes) override;
  absl::StatusOr<ContentManifest> GetContentManifest(const std::string& content_id,
                                                     int64_t first_seq, int64_t limit) override;
  absl::StatusOr<std::vector<ContentHead>> GetContentHeads(
      const std::vector<std::string>& content_ids) override;
  absl::StatusOr<std::vector<std::string>> InsertContentHeads(
      const std::vector<ContentHead>& heads) override;
  absl::Status InsertContentChunks(const std::vector<ContentChunkRow>& rows) override;
  absl::StatusOr<std::vector<ContentChunkRow>> ListContentChunks(
      const std::vector<std::string>& content_ids) override;
  // Reach: content_reach_sql.cc.
  absl::StatusOr<std::vector<std::string>> FindUnreachedChunks(
      const std::vector<std::string>& hashes, const ContentReach& reach) override;
  absl::StatusOr<std::vector<std::string>> FindUnreachedContents(
      const std::vector<std::string>& content_ids, const ContentReach& reach) override;
  absl::StatusOr<std::vector<std::string>> ContentsNotReferencedBy(
      int64_t repo_id, const std::vector<std::string>& content_ids) override;
  absl::StatusOr<std::vector<std::string>> ChunksNotReferencedBy(
      int64_t repo_id, const std::vector<std::string>& hashes) override;
  absl::Status RecordChunkPossessions(int64_t user_id,
                                      const std::vector<std::string>& hashes) override;

  // Releases, deployments: release_sql.cc; events: event_sql.cc.
  absl::Status InsertRelease(int64_t repo_id, const std::string& version,
                             const std::string& notes, int64_t created_by) override;
  absl::StatusOr<ReleaseRecord> GetRelease(int64_t repo_id, const std::string& version) override;
  absl::StatusOr<std::vector<ReleaseRecord>> ListReleases(int64_t repo_id,
                                                          const std::string& after,
                                                          int limit) override;
  absl::StatusOr<std::vector<ReleaseRecord>> ListReleasesAt(
      int64_t repo_id, const std::vector<int64_t>& numbers) override;
  absl::StatusOr<DeploymentRecord> InsertDeployment(int64_t repo_id,
                                                    const DeploymentRecord& deployment) override;
  absl::StatusOr<DeploymentRecord> GetDeployment(int64_t repo_id, int64_t id) override;
  absl::StatusOr<std::optional<DeploymentRecord>> GetLiveDeployment(
      int64_t repo_id, const std::string& environment) override;
  absl::StatusOr<std::vector<DeploymentRecord>> ListDeployments(int64_t repo_id,
                                                                const std::string& environment,
                                                                int64_t before_id, int limit,
                                                                bool live_only) override;
  absl::StatusOr<int64_t> AppendEvent(int64_t repo_id, std::optional<int64_t> user_id,
                                      const std::string& kind,
                                      const std::string& payload_json) override;
  absl::StatusOr<std::vector<EventRecord>> ListEvents(std::optional<int64_t> repo_id,
                                                      int64_t after_id, int limit) override;
  absl::StatusOr<int64_t> LastEventId() override;

 private:
  template <typename Fn>
  auto Run(std::string_view what_doing, Fn&& fn) -> decltype(fn()) {
    return Guard(what_doing, flags_, std::forward<Fn>(fn));
  }

  pqxx::work& w_;
  ErrorFlags* flags_;
};

// The columns every changeset read selects (with alias c for changesets, u for users), and
// the conversion of such a row.
extern const char* const kChangesetColumns;
ChangesetRecord ChangesetFromRow(const pqxx::row& row);

}  // namespace mlvc::server::store::internal
