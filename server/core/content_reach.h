// Content is reached through a repository. The rule every content call follows:
//
// Reading. A content's manifest or bytes (GetManifests, Download) and a chunk's bytes
// (ReadChunks) are served only through a repository the caller can read that references
// them: some changeset of it added or modified a file with that content, or some run of it
// recorded it as its environment file (a chunk: it is a chunk of such a content). A content
// or chunk that exists but is not referenced there answers exactly like one that does not
// exist ("unknown content ...", NOT_FOUND).
//
// Existence. FindMissing, FindMissingChunks and CommitContents answer as if the server held
// only what the caller reaches:
//   * the contents, and their chunks, that repositories the caller can read reference;
//   * the chunks the caller sent themselves (packs their uploads wrote, and chunks they sent
//     that were stored already), and contents all of whose chunks are those.
// Anything else is "missing", whether or not another repository holds it, so no answer
// tells a caller whether a file they have (or guess) is stored anywhere they cannot read.
// The price is bandwidth, never storage: a file already stored for a repository the caller
// cannot read is sent again, the server finds every chunk stored and keeps no second copy,
// and from then on the caller reaches it (they proved they hold its bytes). Server admins
// reach everything.
//
// Referencing. A submit, push-model or run may reference only contents the caller reaches,
// checked in the transaction that references them ("content ... has not been uploaded",
// as for a content that does not exist): otherwise a content id learnt elsewhere would be a
// key to another repository's file.
// Requires: store/metadata_store.h, access.h. Used by: ContentService, HistoryService
// (submit), RecordService (run environment files).
#pragma once

#include "absl/status/statusor.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// The reach of `caller`, read in the caller's transaction.
absl::StatusOr<store::ContentReach> ReachOf(store::AccessTxn& txn, const Caller& caller);

// The repository `caller`'s reads are scoped to: the one the call was authorized on; none
// for server admins, who read any stored content.
std::optional<int64_t> ReadScopeOf(const Caller& caller);

}  // namespace mlvc::server::core
