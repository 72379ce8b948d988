// The whole-content Upload (chunked by the server as it streams) and Download (chunked or
// stored whole); the chunked RPCs are in content_chunks.cc.
#include "server/core/content_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/core/audit.h"
#include "server/core/content_manifest.h"
#include "server/core/content_reach.h"

namespace mlvc::server::core {
namespace {

absl::Status CheckContentId(const std::string& id) { return CheckHashArg("content id", id); }

// The caller reaches the content already: accept and drop the bytes.
class DiscardingUpload : public Upload {
 public:
  explicit DiscardingUpload(std::string id) : id_(std::move(id)) {}
  absl::Status Append(std::string_view) override { return absl::OkStatus(); }
  absl::StatusOr<UploadResult> Finish() override { return UploadResult{id_, true}; }

 private:
  std::string id_;
};

// Cuts the stream into chunks as it arrives (common/chunk), hashes each chunk and the whole,
// and stores chunks a batch at a time. It computed every hash itself, so it records the
// manifest at Finish without reading anything back.
class ChunkingUpload : public Upload {
 public:
  ChunkingUpload(store::MetadataStore& metadata, store::pack::ChunkStore& chunks,
                 const ContentOptions& options, UploadHeader header, int64_t uploader)
      : metadata_(metadata),
        chunks_(chunks),
        options_(options),
        header_(std::move(header)),
        chunker_(options.chunker),
        batcher_(chunks, options.upload_batch_bytes, uploader) {}

  absl::Status Append(std::string_view piece) override {
    received_ += piece.size();
    if (received_ > header_.size) {
      return absl::DataLossError(absl::StrCat("content size mismatch: more than the announced ",
                                              header_.size, " bytes received"));
    }
    whole_.Update(piece);
    pending_.append(piece);
    cuts_.clear();
    chunker_.Feed(piece, &cuts_);
    return TakeCuts();
  }

  absl::StatusOr<UploadResult> Finish() override {
    if (received_ != header_.size) {
      return absl::DataLossError(absl::StrCat("content size mismatch: announced ", header_.size,
                                              " bytes, received ", received_));
    }
    const std::string actual = whole_.FinishHex();
    if (actual != header_.content_id) {
      return absl::DataLossError(absl::StrCat("content hash mismatch: announced ",
                                              header_.content_id, ", received ", actual));
    }
    cuts_.clear();
    chunker_.Finish(&cuts_);
    RETURN_IF_ERROR(TakeCuts());
    RETURN_IF_ERROR(batcher_.Finish().status());
    RETURN_IF_ERROR(RecordManifest(metadata_, header_.content_id, header_.size, hashes_));
    return UploadResult{header_.content_id, false};
  }

 private:
  // Moves the chunks just cut from pending_ into the batch.
  absl::Status TakeCuts() {
    size_t used = 0;
    for (const common::ChunkRef& cut : cuts_) {
      const size_t at = static_cast<size_t>(cut.offset - pending_start_);
      std::string bytes = pending_.substr(at, static_cast<size_t>(cut.length));
      std::string hash = common::Sha256Hex(bytes);
      hashes_.Add(hash);
      RETURN_IF_ERROR(batcher_.Add({std::move(hash), std::move(bytes)}));
      used = at + static_cast<size_t>(cut.length);
    }
    if (used > 0) {
      pending_.erase(0, used);
      pending_start_ += used;
    }
    return absl::OkStatus();
  }

  store::MetadataStore& metadata_;
  store::pack::ChunkStore& chunks_;
  const ContentOptions& options_;
  UploadHeader header_;
  common::Chunker chunker_;
  common::Sha256 whole_;
  uint64_t received_ = 0;
  std::string pending_;         // stream bytes not yet cut into a chunk
  uint64_t pending_start_ = 0;  // stream offset of pending_[0]
  std::vector<common::ChunkRef> cuts_;
  ChunkBatcher batcher_;
  PackedHashes hashes_;
};

class BlobDownload : public Download {
 public:
  explicit BlobDownload(std::unique_ptr<store::BlobReader> reader) : reader_(std::move(reader)) {}
  uint64_t total_size() const override { return reader_->size(); }
  absl::Status Next(std::string* piece) override { return reader_->Read(kMaxPieceBytes, piece); }

 private:
  std::unique_ptr<store::BlobReader> reader_;
};

// Pages through the manifest (ChunkStore::kManifestPage rows at a time), skips the chunks
// before the offset without reading them, and serves the rest from verified chunk reads in
// pieces of up to kMaxPieceBytes. Each chunk is checked against its hash, and the manifest
// against the whole content when it was committed, so every byte served is verified.
class ChunkedDownload : public Download {
 public:
  ChunkedDownload(store::MetadataStore& metadata, store::BlobStore& blobs, std::string id,
                  uint64_t size, uint64_t offset)
      : metadata_(metadata), reader_(&blobs), id_(std::move(id)), size_(size), skip_(offset) {}

  uint64_t total_size() const override { return size_; }

  absl::Status Next(std::string* piece) override {
    piece->clear();
    while (piece->size() < kMaxPieceBytes) {
      if (chunk_pos_ < chunk_.size()) {
        const size_t n = std::min(chunk_.size() - chunk_pos_, kMaxPieceBytes - piece->size());
        piece->append(chunk_, chunk_pos_, n);
        chunk_pos_ += n;
        continue;
      }
      if (next_in_page_ >= page_.chunks.size()) {
        if (fetched_ >= chunk_count_ && chunk_count_ >= 0) break;  // end of the content
        RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
          ASSIGN_OR_RETURN(page_, txn.GetContentManifest(id_, fetched_,
                                                         store::pack::ChunkStore::kManifestPage));
          return absl::OkStatus();
        }));
        chunk_count_ = page_.chunk_count;
        fetched_ += static_cast<int64_t>(page_.chunks.size());
        next_in_page_ = 0;
        if (page_.chunks.empty()) break;
        continue;
      }
      const store::ChunkLocation& loc = page_.chunks[next_in_page_++];
      if (skip_ >= loc.chunk.raw_length) {  // wholly before the offset: not even read
        skip_ -= loc.chunk.raw_length;
        continue;
      }
      RETURN_IF_ERROR(reader_.ReadChunk(loc, &chunk_));
      chunk_pos_ = static_cast<size_t>(skip_);
      skip_ = 0;
    }
    return absl::OkStatus();
  }

 private:
  store::MetadataStore& metadata_;
  store::pack::PackReader reader_;
  const std::string id_;
  const uint64_t size_;
  uint64_t skip_;              // bytes still to skip before the offset
  store::ContentManifest page_;
  size_t next_in_page_ = 0;
  int64_t fetched_ = 0;        // manifest rows fetched so far
  int64_t chunk_count_ = -1;   // unknown until the first page
  std::string chunk_;          // the current chunk's bytes
  size_t chunk_pos_ = 0;       // next byte of chunk_ to serve
};

}  // namespace

ContentService::ContentService(store::MetadataStore& metadata, store::BlobStore& blobs,
                               ContentOptions options)
    : metadata_(metadata),
      blobs_(blobs),
      options_(options),
      chunks_(&metadata, &blobs, options.pack) {}

absl::StatusOr<std::vector<std::string>> ContentService::FindMissing(
    const Caller& caller, const std::vector<std::string>& content_ids) {
  if (content_ids.size() > kMaxFindMissingIds) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many content ids (", content_ids.size(), " > ", kMaxFindMissingIds, ")"));
  }
  for (const std::string& id : content_ids) RETURN_IF_ERROR(CheckContentId(id));
  std::vector<std::string> missing;
  if (content_ids.empty()) return missing;
  absl::Status txn_status =
      metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
        ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller));
        ASSIGN_OR_RETURN(missing, txn.FindUnreachedContents(content_ids, reach));
        return absl::OkStatus();
      });
  RETURN_IF_ERROR(txn_status);
  return missing;
}

absl::StatusOr<std::unique_ptr<Upload>> ContentService::BeginUpload(const Caller& caller,
                                                                    const UploadHeader& header) {
  RETURN_IF_ERROR(CheckContentId(header.content_id));
  std::vector<std::string> unreached;
  RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller));
    ASSIGN_OR_RETURN(unreached, txn.FindUnreachedContents({header.content_id}, reach));
    return absl::OkStatus();
  }));
  if (unreached.empty()) return std::make_unique<DiscardingUpload>(header.content_id);
  return std::make_unique<ChunkingUpload>(metadata_, chunks_, options_, header, caller.user.id);
}

absl::StatusOr<std::unique_ptr<Download>> ContentService::OpenDownload(
    const Caller& caller, const std::string& content_id, uint64_t offset) {
  RETURN_IF_ERROR(CheckContentId(content_id));
  std::optional<store::ContentHead> recorded;
  RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    recorded.reset();
    if (const std::optional<int64_t> scope = ReadScopeOf(caller)) {
      ASSIGN_OR_RETURN(std::vector<std::string> foreign,
                       txn.ContentsNotReferencedBy(*scope, {content_id}));
      if (!foreign.empty()) return absl::OkStatus();  // answered as unknown below
    }
    ASSIGN_OR_RETURN(std::vector<store::ContentHead> heads, txn.GetContentHeads({content_id}));
    if (!heads.empty()) recorded = heads.front();
    return absl::OkStatus();
  }));
  if (!recorded.has_value()) {
    return absl::NotFoundError(absl::StrCat("unknown content ", content_id));
  }
  if (offset > recorded->size) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of content ",
                                              content_id, " (", recorded->size, " bytes)"));
  }
  if (recorded->chunk_count.has_value()) {
    return std::make_unique<ChunkedDownload>(metadata_, blobs_, content_id, recorded->size,
                                             offset);
  }
  // Stored whole, before chunking existed (schema 1).
  absl::StatusOr<std::unique_ptr<store::BlobReader>> reader = blobs_.Open(content_id, offset);
  if (absl::IsNotFound(reader.status())) {
    return absl::DataLossError(
        absl::StrCat("content ", content_id, " is recorded but its bytes are missing"));
  }
  RETURN_IF_ERROR(reader.status());
  return std::make_unique<BlobDownload>(*std::move(reader));
}

absl::Status ContentService::AuditUpload(const Caller& caller, std::string summary) {
  return metadata_.RunInTransaction([&](store::MetadataTxn& txn) {
    return txn.AppendAudit(CallerAudit(caller, "content.upload", caller.repo_id, summary));
  });
}

absl::Status ContentService::AuditCommit(const Caller& caller, size_t contents) {
  return metadata_.RunInTransaction([&](store::MetadataTxn& txn) {
    return txn.AppendAudit(CallerAudit(caller, "content.commit", caller.repo_id,
                                       absl::StrCat(contents, " contents")));
  });
}

}  // namespace mlvc::server::core
