// HistoryService: history through every parent (log --graph) and diffs with their
// text. Kept apart from history_service.cc, which holds the first-parent log and the
// file-level diff these build on.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/diff/unified_diff.h"
#include "common/status/status_macros.h"
#include "server/core/content_io.h"
#include "server/core/history_service.h"
#include "server/core/refs.h"

namespace mlvc::server::core {
namespace {

// The whole content `id` (at most kMaxTextDiffBytes, which the caller checked), chunked or
// stored whole.
absl::StatusOr<std::string> ReadSmallBlob(store::MetadataStore& metadata, store::BlobStore& blobs,
                                          const std::string& id, uint64_t size) {
  if (size == 0) return std::string();
  return ReadContent(metadata, blobs, id, kMaxTextDiffBytes);
}

bool DiffableText(const std::optional<FileEntry>& side) {
  return !side.has_value() ||
         (side->kind == common::NodeKind::kText && side->size <= kMaxTextDiffBytes);
}

}  // namespace

absl::StatusOr<std::vector<ChangesetInfo>> HistoryService::LogAllParents(
    const std::string& repository, const std::string& ref, int limit, bool with_paths) {
  if (limit < 0) return absl::InvalidArgumentError("limit must not be negative");
  if (limit == 0) limit = kDefaultLogLimit;
  limit = std::min(limit, kMaxLogLimit);
  std::vector<ChangesetInfo> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> history,
                     txn.ListHistoryAllParents(repo.id, resolved.number, limit));
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

absl::StatusOr<std::vector<FileDiff>> HistoryService::Diff(const std::string& repository,
                                                           int64_t from, int64_t to,
                                                           const std::vector<std::string>& paths,
                                                           bool with_text) {
  ASSIGN_OR_RETURN(std::vector<FileDiff> files, Diff(repository, from, to, paths));
  if (!with_text || blobs_ == nullptr) return files;
  // Contents are immutable and addressed by hash, so reading them after the metadata
  // transaction ended sees exactly what it named.
  for (FileDiff& file : files) {
    if (!DiffableText(file.from) || !DiffableText(file.to)) continue;
    std::string a;
    std::string b;
    if (file.from.has_value()) {
      ASSIGN_OR_RETURN(a, ReadSmallBlob(store_, *blobs_, file.from->content_id, file.from->size));
    }
    if (file.to.has_value()) {
      ASSIGN_OR_RETURN(b, ReadSmallBlob(store_, *blobs_, file.to->content_id, file.to->size));
    }
    const std::string a_label = file.from.has_value() ? "a/" + file.path : "/dev/null";
    const std::string b_label = file.to.has_value() ? "b/" + file.path : "/dev/null";
    file.unified_diff = common::UnifiedDiff(a, b, a_label, b_label);
  }
  return files;
}

}  // namespace mlvc::server::core
