#include "client/ops/diff.h"

#include "client/ops/ops_internal.h"
#include "common/diff/unified_diff.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<std::vector<FileDiffText>> Diff(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                               const std::vector<std::string>& relpaths) {
  ASSIGN_OR_RETURN(std::vector<wc::StatusItem> items, wc.Scan(relpaths));
  RETURN_IF_ERROR(wc.Save());

  std::unique_ptr<remote::Remote> remote;  // connected only when a base content is needed
  auto base_content = [&](const wc::WcEntry& entry) -> absl::StatusOr<std::string> {
    if (remote == nullptr) {
      ASSIGN_OR_RETURN(remote, internal::Connect(endpoint));
    }
    return remote->DownloadToMemory(wc.config().repository, entry.base_content_id, kMaxDiffBytes);
  };

  std::vector<FileDiffText> out;
  for (const wc::StatusItem& item : items) {
    const wc::WcEntry* entry = wc.Find(item.relpath);
    if (entry == nullptr) continue;
    const bool has_old = item.code == wc::StatusCode::kModified ||
                         item.code == wc::StatusCode::kDeleted;
    const bool has_new = item.code == wc::StatusCode::kModified ||
                         item.code == wc::StatusCode::kAdded;
    if (!has_old && !has_new) continue;  // missing: nothing to show
    if (item.code == wc::StatusCode::kModified && item.content_id == entry->base_content_id) {
      continue;  // only the executable bit changed
    }
    FileDiffText diff;
    diff.path = item.relpath;
    const bool binary = (has_old && entry->kind == wc::FileKind::kBinary) ||
                        (has_new && item.kind == wc::FileKind::kBinary);
    const bool large =
        (has_old && entry->base_size > kMaxDiffBytes) || (has_new && item.size > kMaxDiffBytes);
    if (binary) {
      diff.kind = FileDiffText::Kind::kBinary;
    } else if (large) {
      diff.kind = FileDiffText::Kind::kLarge;
    } else {
      std::string old_text;
      std::string new_text;
      if (has_old) {
        ASSIGN_OR_RETURN(old_text, base_content(*entry));
      }
      if (has_new) {
        ASSIGN_OR_RETURN(new_text, internal::ReadSmallFile(wc.AbsPath(item.relpath)));
      }
      diff.text = common::UnifiedDiff(old_text, new_text, "a/" + item.relpath,
                                      "b/" + item.relpath);
      if (diff.text.empty()) continue;  // e.g. an empty file added
    }
    out.push_back(std::move(diff));
  }
  return out;
}

}  // namespace mlvc::client::ops
