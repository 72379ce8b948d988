// Submit on a moved head: the three-way merge of one text change with what the branch head
// holds now. Requires: content_io.h, common/merge. Used by: HistoryService::Submit.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/tree/tree_node.h"
#include "server/core/types.h"
#include "server/store/blob_store.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

struct HeadMerge {
  std::string content_id;  // the merged text, stored and recorded in the transaction
  uint64_t size = 0;
};

// For a MODIFY of a text file whose head version (`at_head`, a text) differs from the
// change's base: merges (base = change.base_content_id, mine = change.content_id, theirs =
// the head's content). When the merge is clean, writes the merged text to `blobs`, records it
// with txn.PutContent, and returns it. Returns nullopt when the change does not qualify
// (not a text MODIFY, a content over kMaxMergeTextBytes, the client's content not uploaded
// yet) or the edits overlap: the caller then reports the submit as out of date.
// Errors of the stores otherwise.
absl::StatusOr<std::optional<HeadMerge>> MergeChangeOnHead(store::BlobStore& blobs,
                                                           store::MetadataTxn& txn,
                                                           const Change& change,
                                                           const common::TreeNodeEntry& at_head);

}  // namespace mlvc::server::core
