#include "server/core/history_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"
#include "server/core/refs.h"
#include "server/core/tree_editor.h"
#include "server/core/tree_walker.h"

namespace mlvc::server::core {
namespace {

TreeNodeCache CacheOver(store::MetadataTxn& txn) {
  return TreeNodeCache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NormalizePaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const std::string& p : paths) {
    ASSIGN_OR_RETURN(std::string normalized, common::NormalizeRepoRelpath(p));
    out.push_back(std::move(normalized));
  }
  return out;
}

absl::Status HistoryService::GetTree(
    const std::string& repository, int64_t number, const std::vector<std::string>& paths,
    const std::function<absl::Status(std::vector<FileEntry>)>& batch) {
  ASSIGN_OR_RETURN(std::vector<std::string> filters, NormalizePaths(paths));
  return store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::ChangesetRecord cs, FindChangeset(txn, repo, number));
    TreeNodeCache cache = CacheOver(txn);
    std::vector<FileEntry> pending;
    RETURN_IF_ERROR(WalkTree(cache, cs.root_tree, filters, [&](FileEntry e) -> absl::Status {
      pending.push_back(std::move(e));
      if (pending.size() < kTreeBatchSize) return absl::OkStatus();
      return batch(std::exchange(pending, {}));
    }));
    if (!pending.empty()) RETURN_IF_ERROR(batch(std::move(pending)));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ChangesetInfo>> HistoryService::Log(const std::string& repository,
                                                               const std::string& ref,
                                                               const std::string& path, int limit,
                                                               bool with_paths) {
  if (limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (limit == 0) limit = kDefaultLogLimit;
  limit = std::min(limit, kMaxLogLimit);
  std::string normalized;
  if (!path.empty()) {
    ASSIGN_OR_RETURN(normalized, common::NormalizeRepoRelpath(path));
  }
  std::vector<ChangesetInfo> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> history,
                     txn.ListHistory(repo.id, resolved.number, normalized, limit));
    for (store::ChangesetRecord& cs : history) {
      ChangesetInfo info;
      if (with_paths) {
        ASSIGN_OR_RETURN(info.changed_paths, txn.GetChangedPaths(repo.id, cs.number));
      }
      info.changeset = std::move(cs);
      out.push_back(std::move(info));
    }
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<ChangesetInfo> HistoryService::GetChangeset(const std::string& repository,
                                                           int64_t number) {
  ChangesetInfo out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(out.changeset, FindChangeset(txn, repo, number));
    ASSIGN_OR_RETURN(out.changed_paths, txn.GetChangedPaths(repo.id, number));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::vector<FileDiff>> HistoryService::Diff(const std::string& repository,
                                                           int64_t from, int64_t to,
                                                           const std::vector<std::string>& paths) {
  ASSIGN_OR_RETURN(std::vector<std::string> filters, NormalizePaths(paths));
  std::vector<FileDiff> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(store::ChangesetRecord a, FindChangeset(txn, repo, from));
    ASSIGN_OR_RETURN(store::ChangesetRecord b, FindChangeset(txn, repo, to));
    TreeNodeCache cache = CacheOver(txn);
    ASSIGN_OR_RETURN(out, DiffTrees(cache, a.root_tree, b.root_tree, filters));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

}  // namespace mlvc::server::core
