#include "server/core/content_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

absl::Status CheckContentId(const std::string& id) {
  if (common::IsContentId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("content id '", absl::CHexEscape(id.substr(0, 80)),
                                                 "' is not 64 lowercase hex digits"));
}

absl::StatusOr<std::optional<uint64_t>> RecordedSize(store::MetadataStore& metadata,
                                                     const std::string& id) {
  std::optional<uint64_t> size;
  absl::Status txn_status = metadata.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(size, txn.GetContentSize(id));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return size;
}

// The content is recorded already: accept and drop the bytes.
class DiscardingUpload : public Upload {
 public:
  explicit DiscardingUpload(std::string id) : id_(std::move(id)) {}
  absl::Status Append(std::string_view) override { return absl::OkStatus(); }
  absl::StatusOr<UploadResult> Finish() override { return UploadResult{id_, true}; }

 private:
  std::string id_;
};

class VerifyingUpload : public Upload {
 public:
  VerifyingUpload(store::MetadataStore& metadata, const Caller& caller, UploadHeader header,
                  std::unique_ptr<store::BlobWriter> writer)
      : metadata_(metadata),
        caller_(caller),
        header_(std::move(header)),
        writer_(std::move(writer)) {}

  absl::Status Append(std::string_view piece) override {
    received_ += piece.size();
    if (received_ > header_.size) {
      return absl::DataLossError(absl::StrCat("content size mismatch: more than the announced ",
                                              header_.size, " bytes received"));
    }
    hash_.Update(piece);
    return writer_->Append(piece);
  }

  absl::StatusOr<UploadResult> Finish() override {
    if (received_ != header_.size) {
      return absl::DataLossError(absl::StrCat("content size mismatch: announced ", header_.size,
                                              " bytes, received ", received_));
    }
    const std::string actual = hash_.FinishHex();
    if (actual != header_.content_id) {
      return absl::DataLossError(absl::StrCat("content hash mismatch: announced ",
                                              header_.content_id, ", received ", actual));
    }
    RETURN_IF_ERROR(writer_->Commit());
    RETURN_IF_ERROR(metadata_.RunInTransaction(
        [&](store::MetadataTxn& txn) { return txn.PutContent(header_.content_id, header_.size); }));
    return UploadResult{header_.content_id, false};
  }

 private:
  store::MetadataStore& metadata_;
  Caller caller_;
  UploadHeader header_;
  std::unique_ptr<store::BlobWriter> writer_;
  common::Sha256 hash_;
  uint64_t received_ = 0;
};

class BlobDownload : public Download {
 public:
  explicit BlobDownload(std::unique_ptr<store::BlobReader> reader) : reader_(std::move(reader)) {}
  uint64_t total_size() const override { return reader_->size(); }
  absl::Status Next(std::string* piece) override { return reader_->Read(kMaxPieceBytes, piece); }

 private:
  std::unique_ptr<store::BlobReader> reader_;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ContentService::FindMissing(
    const std::vector<std::string>& content_ids) {
  if (content_ids.size() > kMaxFindMissingIds) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many content ids (", content_ids.size(), " > ", kMaxFindMissingIds, ")"));
  }
  for (const std::string& id : content_ids) RETURN_IF_ERROR(CheckContentId(id));
  std::vector<std::string> missing;
  if (content_ids.empty()) return missing;
  absl::Status txn_status =
      metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
        ASSIGN_OR_RETURN(missing, txn.FindMissingContents(content_ids));
        return absl::OkStatus();
      });
  RETURN_IF_ERROR(txn_status);
  return missing;
}

absl::StatusOr<std::unique_ptr<Upload>> ContentService::BeginUpload(const Caller& caller,
                                                                    const UploadHeader& header) {
  RETURN_IF_ERROR(CheckContentId(header.content_id));
  ASSIGN_OR_RETURN(std::optional<uint64_t> recorded, RecordedSize(metadata_, header.content_id));
  if (recorded.has_value()) return std::make_unique<DiscardingUpload>(header.content_id);
  ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> writer, blobs_.NewWriter(header.content_id));
  return std::make_unique<VerifyingUpload>(metadata_, caller, header, std::move(writer));
}

absl::StatusOr<std::unique_ptr<Download>> ContentService::OpenDownload(
    const std::string& content_id, uint64_t offset) {
  RETURN_IF_ERROR(CheckContentId(content_id));
  ASSIGN_OR_RETURN(std::optional<uint64_t> recorded, RecordedSize(metadata_, content_id));
  if (!recorded.has_value()) {
    return absl::NotFoundError(absl::StrCat("unknown content ", content_id));
  }
  if (offset > *recorded) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of content ",
                                              content_id, " (", *recorded, " bytes)"));
  }
  absl::StatusOr<std::unique_ptr<store::BlobReader>> reader = blobs_.Open(content_id, offset);
  if (absl::IsNotFound(reader.status())) {
    return absl::DataLossError(
        absl::StrCat("content ", content_id, " is recorded but its bytes are missing"));
  }
  RETURN_IF_ERROR(reader.status());
  return std::make_unique<BlobDownload>(*std::move(reader));
}

}  // namespace mlvc::server::core
