#include "server/core/content_io.h"

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {

absl::StatusOr<std::string> ReadContent(store::BlobStore& blobs, const std::string& content_id,
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
