#include "server/core/submit_merge.h"

#include "common/merge/diff3.h"
#include "common/status/status_macros.h"
#include "server/core/content_io.h"

namespace mlvc::server::core {

absl::StatusOr<std::optional<HeadMerge>> MergeChangeOnHead(store::BlobStore& blobs,
                                                           store::MetadataTxn& txn,
                                                           const Change& change,
                                                           const common::TreeNodeEntry& at_head) {
  using common::NodeKind;
  if (!change.action.has_value() || *change.action != store::PathAction::kModify ||
      change.kind != NodeKind::kText || at_head.kind != NodeKind::kText ||
      at_head.size > kMaxMergeTextBytes) {
    return std::nullopt;
  }
  // Both the client's base and its new content must be known to the server.
  for (const std::string* id : {&change.base_content_id, &change.content_id}) {
    ASSIGN_OR_RETURN(std::optional<uint64_t> size, txn.GetContentSize(*id));
    if (!size.has_value() || *size > kMaxMergeTextBytes) return std::nullopt;
  }
  ASSIGN_OR_RETURN(std::string base, ReadContent(txn, blobs, change.base_content_id, kMaxMergeTextBytes));
  ASSIGN_OR_RETURN(std::string mine, ReadContent(txn, blobs, change.content_id, kMaxMergeTextBytes));
  ASSIGN_OR_RETURN(std::string head, ReadContent(txn, blobs, at_head.id, kMaxMergeTextBytes));
  common::MergeResult merged = common::Merge3(base, mine, head);
  if (!merged.clean) return std::nullopt;
  // A blob written by a transaction that then rolls back is harmless: content-addressed,
  // unreferenced, collected by GC.
  ASSIGN_OR_RETURN(std::string id, WriteContent(blobs, merged.text));
  RETURN_IF_ERROR(txn.PutContent(id, merged.text.size()));
  return HeadMerge{id, merged.text.size()};
}

}  // namespace mlvc::server::core
