#include "server/store/pack/chunk_store.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::store::pack {

ChunkStore::ChunkStore(MetadataStore* metadata, BlobStore* blobs, PackOptions options)
    : metadata_(metadata), blobs_(blobs), options_(options) {}

absl::StatusOr<StoreChunksResult> ChunkStore::StoreChunks(const std::vector<ChunkInput>& batch) {
  PackSession session(*this);
  RETURN_IF_ERROR(session.Add(batch));
  return session.Flush();
}

absl::Status ChunkStore::RecordPack(std::unique_ptr<PackWriter> writer,
                                    std::optional<int64_t> uploader,
                                    StoreChunksResult* result) {
  ASSIGN_OR_RETURN(PackInfo info, writer->Finish());
  writer.reset();
  std::vector<std::string> inserted;
  const absl::Status recorded = metadata_->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t pack_id,
                     txn.InsertPack(info.key, info.size, static_cast<int64_t>(info.chunks.size()),
                                    uploader));
    ASSIGN_OR_RETURN(inserted, txn.InsertChunks(pack_id, info.chunks));
    if (uploader.has_value() && inserted.size() < info.chunks.size()) {
      // The chunks another pack recorded first: the uploader sent them all the same.
      std::set<std::string> won(inserted.begin(), inserted.end());
      std::vector<std::string> lost;
      for (const ChunkRecord& c : info.chunks) {
        if (won.count(c.hash) == 0) lost.push_back(c.hash);
      }
      RETURN_IF_ERROR(txn.RecordChunkPossessions(*uploader, lost));
    }
    if (inserted.empty()) return txn.DeleteUnusedPack(pack_id);
    return absl::OkStatus();
  });
  if (!recorded.ok()) return recorded;
  if (inserted.empty()) {
    // Every chunk was recorded first by a racing pack: this object holds nothing anyone
    // references. (Were this delete to fail, garbage collection finds an object no row names.)
    RETURN_IF_ERROR(blobs_->Delete(info.key));
    result->chunks_skipped += static_cast<int64_t>(info.chunks.size());
    return absl::OkStatus();
  }
  std::set<std::string> won(inserted.begin(), inserted.end());
  for (const ChunkRecord& c : info.chunks) {
    if (won.count(c.hash) > 0) {
      ++result->chunks_stored;
      result->raw_bytes += c.raw_length;
      result->stored_bytes += c.stored_length;
    } else {
      ++result->chunks_skipped;  // dead bytes in this pack, reclaimed by a later repack
    }
  }
  ++result->packs_written;
  return absl::OkStatus();
}

absl::Status ChunkStore::PutContent(const std::string& content_id, uint64_t size,
                                    const std::vector<std::string>& chunk_hashes) {
  if (!common::IsContentId(content_id)) {
    return absl::InvalidArgumentError(absl::StrCat("not a content id: '", content_id, "'"));
  }
  // Read every chunk back in order and hash the whole, a page of locations at a time.
  common::Sha256 whole;
  uint64_t total = 0;
  PackReader reader(blobs_);
  std::string bytes;
  for (size_t begin = 0; begin < chunk_hashes.size(); begin += kManifestPage) {
    const size_t end = std::min(chunk_hashes.size(), begin + static_cast<size_t>(kManifestPage));
    const std::vector<std::string> page(chunk_hashes.begin() + begin, chunk_hashes.begin() + end);
    std::vector<ChunkLocation> locations;
    RETURN_IF_ERROR(metadata_->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(locations, txn.GetChunkLocations(page));
      return absl::OkStatus();
    }));
    for (const ChunkLocation& loc : locations) {
      RETURN_IF_ERROR(reader.ReadChunk(loc, &bytes));
      whole.Update(bytes);
      total += bytes.size();
    }
  }
  if (total != size) {
    return absl::InvalidArgumentError(absl::StrCat("the chunks of content ", content_id,
                                                   " add up to ", total, " bytes, not ", size));
  }
  if (whole.FinishHex() != content_id) {
    return absl::DataLossError(
        absl::StrCat("the chunks given for content ", content_id, " do not hash to it"));
  }
  return metadata_->RunInTransaction([&](MetadataTxn& txn) {
    return txn.PutContentManifest(content_id, size, chunk_hashes);
  });
}

absl::Status ChunkStore::ReadContent(const std::string& content_id,
                                     const std::function<absl::Status(std::string_view)>& sink) {
  common::Sha256 whole;
  uint64_t total = 0;
  uint64_t size = 0;
  PackReader reader(blobs_);
  std::string bytes;
  for (int64_t seq = 0;;) {
    ContentManifest page;
    RETURN_IF_ERROR(metadata_->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(page, txn.GetContentManifest(content_id, seq, kManifestPage));
      return absl::OkStatus();
    }));
    size = page.size;
    for (const ChunkLocation& loc : page.chunks) {
      RETURN_IF_ERROR(reader.ReadChunk(loc, &bytes));
      whole.Update(bytes);
      total += bytes.size();
      RETURN_IF_ERROR(sink(bytes));
    }
    seq += static_cast<int64_t>(page.chunks.size());
    if (seq >= page.chunk_count) break;
  }
  if (total != size || whole.FinishHex() != content_id) {
    return absl::DataLossError(
        absl::StrCat("content ", content_id, " read back does not match its id or size"));
  }
  return absl::OkStatus();
}

// ---- PackSession ----

PackSession::~PackSession() {
  if (recording_.valid()) recording_.wait();
}

absl::Status PackSession::Add(const std::vector<ChunkInput>& batch) {
  std::vector<std::string> hashes;
  hashes.reserve(batch.size());
  for (const ChunkInput& c : batch) {
    if (!common::IsContentId(c.hash)) {
      return absl::InvalidArgumentError(absl::StrCat("not a chunk hash: '", c.hash, "'"));
    }
    if (!c.verified && common::Sha256Hex(c.bytes) != c.hash) {
      return absl::DataLossError(absl::StrCat("chunk ", c.hash, " (", c.bytes.size(),
                                              " bytes) does not match its hash"));
    }
    hashes.push_back(c.hash);
  }
  if (batch.empty()) return absl::OkStatus();
  std::vector<std::string> missing_list;
  RETURN_IF_ERROR(store_.metadata_->RunInTransaction([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(missing_list, txn.FindMissingChunks(hashes));
    return absl::OkStatus();
  }));
  std::set<std::string> missing(missing_list.begin(), missing_list.end());
  if (uploader_.has_value() && missing.size() < batch.size()) {
    // Chunks stored before this batch: held by the uploader from now on as well.
    std::vector<std::string> held;
    for (const ChunkInput& c : batch) {
      if (missing.count(c.hash) == 0 && in_open_pack_.count(c.hash) == 0 &&
          in_recording_.count(c.hash) == 0) {
        held.push_back(c.hash);
      }
    }
    if (!held.empty()) {
      RETURN_IF_ERROR(store_.metadata_->RunInTransaction(
          [&](MetadataTxn& txn) { return txn.RecordChunkPossessions(*uploader_, held); }));
    }
  }
  for (const ChunkInput& c : batch) {
    // erase: a chunk repeated in the batch is written once; nor is one an earlier batch
    // wrote into a pack not recorded yet.
    if (missing.erase(c.hash) == 0 || in_open_pack_.count(c.hash) > 0 ||
        in_recording_.count(c.hash) > 0) {
      ++skipped_.chunks_skipped;
      continue;
    }
    if (writer_ == nullptr) {
      ASSIGN_OR_RETURN(writer_, PackWriter::Create(store_.blobs_, store_.options_));
      // Recorded before the first byte so garbage collection leaves the object alone.
      const std::string& key = writer_->key();
      RETURN_IF_ERROR(store_.metadata_->RunInTransaction(
          [&](MetadataTxn& txn) { return txn.BeginPackUpload(key); }));
    }
    RETURN_IF_ERROR(writer_->Add(c.hash, c.bytes));
    in_open_pack_.insert(c.hash);
    if (writer_->full()) RETURN_IF_ERROR(HandOver());
  }
  return absl::OkStatus();
}

absl::Status PackSession::WaitForRecording() {
  if (!recording_.valid()) return absl::OkStatus();
  return recording_.get();
}

absl::Status PackSession::HandOver() {
  RETURN_IF_ERROR(WaitForRecording());
  // The previous pack is recorded (FindMissingChunks sees its chunks); this one is not yet.
  in_recording_ = std::move(in_open_pack_);
  in_open_pack_.clear();
  recording_ = std::async(std::launch::async,
                          [this, writer = std::move(writer_)]() mutable -> absl::Status {
                            return store_.RecordPack(std::move(writer), uploader_, &recorded_);
                          });
  writer_.reset();
  return absl::OkStatus();
}

absl::StatusOr<StoreChunksResult> PackSession::Flush() {
  if (writer_ != nullptr) RETURN_IF_ERROR(HandOver());
  RETURN_IF_ERROR(WaitForRecording());
  in_recording_.clear();
  StoreChunksResult total = recorded_;
  total.chunks_skipped += skipped_.chunks_skipped;
  return total;
}

}  // namespace mlvc::server::store::pack
