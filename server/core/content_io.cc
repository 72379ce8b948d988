#include "server/core/content_io.h"

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"
#include "server/store/pack/chunk_store.h"
#include "server/store/pack/pack.h"

namespace mlvc::server::core {

namespace {

absl::StatusOr<std::string> ReadWholeBlob(store::BlobStore& blobs, const std::string& content_id,
                                          uint64_t max_bytes) {
  absl::StatusOr<std::unique_ptr<store::BlobReader>> reader = blobs.Open(content_id, 0);
  if (absl::IsNotFound(reader.status())) {
    return absl::DataLossError(
        absl::StrCat("content ", content_id, " is recorded but its bytes are missing"));
  }
  RETURN_IF_ERROR(reader.status());
  if ((*reader)->size() > max_bytes) {
    return absl::OutOfRangeError(
        absl::StrCat("content ", content_id, " is larger than ", max_bytes, " bytes"));
  }
  std::string out;
  out.reserve((*reader)->size());
  std::string piece;
  for (;;) {
    RETURN_IF_ERROR((*reader)->Read(1 << 20, &piece));
    if (piece.empty()) break;
    out += piece;
    if (out.size() > max_bytes) {
      return absl::OutOfRangeError(
          absl::StrCat("content ", content_id, " is larger than ", max_bytes, " bytes"));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReadContent(store::MetadataTxn& txn, store::BlobStore& blobs,
                                        const std::string& content_id, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(std::vector<store::ContentHead> heads, txn.GetContentHeads({content_id}));
  // Not recorded (yet): a merged text written by WriteContent, recorded by the caller later.
  if (heads.empty() || !heads[0].chunk_count.has_value()) {
    return ReadWholeBlob(blobs, content_id, max_bytes);
  }
  const store::ContentHead& head = heads[0];
  if (head.size > max_bytes) {
    return absl::OutOfRangeError(
        absl::StrCat("content ", content_id, " is larger than ", max_bytes, " bytes"));
  }
  std::string out;
  out.reserve(head.size);
  store::pack::PackReader reader(&blobs);
  std::string chunk;
  for (int64_t seq = 0; seq < *head.chunk_count;) {
    ASSIGN_OR_RETURN(store::ContentManifest page,
                     txn.GetContentManifest(content_id, seq,
                                            store::pack::ChunkStore::kManifestPage));
    if (page.chunks.empty()) break;
    for (const store::ChunkLocation& loc : page.chunks) {
      RETURN_IF_ERROR(reader.ReadChunk(loc, &chunk));
      out += chunk;
      if (out.size() > head.size) break;
    }
    seq += static_cast<int64_t>(page.chunks.size());
  }
  if (out.size() != head.size || common::Sha256Hex(out) != content_id) {
    return absl::DataLossError(
        absl::StrCat("content ", content_id, " read back does not match its id or size"));
  }
  return out;
}

absl::StatusOr<std::string> ReadContent(store::MetadataStore& metadata, store::BlobStore& blobs,
                                        const std::string& content_id, uint64_t max_bytes) {
  std::string out;
  RETURN_IF_ERROR(metadata.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(out, ReadContent(txn, blobs, content_id, max_bytes));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> WriteContent(store::BlobStore& blobs, const std::string& bytes) {
  const std::string id = common::Sha256Hex(bytes);
  ASSIGN_OR_RETURN(bool exists, blobs.Exists(id));
  if (exists) return id;
  ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, blobs.NewWriter(id));
  RETURN_IF_ERROR(writer->Append(bytes));
  RETURN_IF_ERROR(writer->Commit());
  return id;
}

}  // namespace mlvc::server::core
