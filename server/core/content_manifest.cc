#include "server/core/content_manifest.h"

#include <unordered_set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

}  // namespace

void PackedHashes::Add(std::string_view hex) {
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes_.push_back(static_cast<char>(HexValue(hex[i]) * 16 + HexValue(hex[i + 1])));
  }
}

std::string PackedHashes::Hex(size_t i) const {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t k = 0; k < 32; ++k) {
    const unsigned char c = static_cast<unsigned char>(bytes_[i * 32 + k]);
    out[2 * k] = kDigits[c >> 4];
    out[2 * k + 1] = kDigits[c & 15];
  }
  return out;
}

ChunkBatcher::~ChunkBatcher() {
  if (in_flight_.valid()) in_flight_.wait();
}

absl::Status ChunkBatcher::Add(ReceivedChunk chunk) {
  batch_bytes_ += chunk.data.size();
  batch_.push_back(std::move(chunk));
  if (batch_bytes_ >= batch_limit_) return Launch();
  return absl::OkStatus();
}

absl::Status ChunkBatcher::Wait() {
  if (!in_flight_.valid()) return absl::OkStatus();
  return in_flight_.get();
}

absl::Status ChunkBatcher::Launch() {
  RETURN_IF_ERROR(Wait());
  if (batch_.empty()) return absl::OkStatus();
  in_flight_ = std::async(std::launch::async,
                          [&session = session_, batch = std::move(batch_)]() -> absl::Status {
                            std::vector<store::pack::ChunkInput> inputs;
                            inputs.reserve(batch.size());
                            for (const ReceivedChunk& c : batch) {
                              inputs.push_back({c.hash, c.data, /*verified=*/true});
                            }
                            return session.Add(inputs);
                          });
  batch_.clear();
  batch_bytes_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<ChunkUploadResult> ChunkBatcher::Finish() {
  absl::Status launched = Launch();
  absl::Status waited = Wait();
  // Flushed even after an error: the chunks already written into the open pack are
  // complete and verified, so a resumed push need not send them again.
  absl::StatusOr<store::pack::StoreChunksResult> flushed = session_.Flush();
  RETURN_IF_ERROR(launched);
  RETURN_IF_ERROR(waited);
  if (!flushed.ok()) return flushed.status();
  ChunkUploadResult result;
  result.chunks_stored = flushed->chunks_stored;
  result.chunks_skipped = flushed->chunks_skipped;
  result.bytes_stored = flushed->raw_bytes;
  return result;
}

absl::Status CheckHashArg(const char* what, const std::string& id) {
  if (common::IsContentId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " '", absl::CHexEscape(id.substr(0, 80)),
                                                 "' is not 64 lowercase hex digits"));
}

absl::Status RecordManifests(store::MetadataStore& metadata,
                             const std::vector<ManifestView>& manifests) {
  if (manifests.empty()) return absl::OkStatus();
  return metadata.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    std::vector<store::ContentHead> heads;
    heads.reserve(manifests.size());
    for (const ManifestView& m : manifests) {
      heads.push_back({m.id, m.size, static_cast<int64_t>(m.hashes.size())});
    }
    ASSIGN_OR_RETURN(std::vector<std::string> won, txn.InsertContentHeads(heads));
    const std::unordered_set<std::string> won_set(won.begin(), won.end());
    std::vector<store::ContentChunkRow> rows;
    for (const ManifestView& m : manifests) {
      if (won_set.count(m.id) == 0) continue;  // already has a manifest
      for (size_t i = 0; i < m.hashes.size(); ++i) {
        rows.push_back({m.id, static_cast<int64_t>(i), m.hashes.Hex(i), 0});
        if (rows.size() >= kManifestRowsPerStatement) {
          RETURN_IF_ERROR(txn.InsertContentChunks(rows));
          rows.clear();
        }
      }
    }
    if (!rows.empty()) RETURN_IF_ERROR(txn.InsertContentChunks(rows));
    return absl::OkStatus();
  });
}

absl::Status RecordManifest(store::MetadataStore& metadata, const std::string& id, uint64_t size,
                            const PackedHashes& hashes) {
  return RecordManifests(metadata, {ManifestView{id, size, hashes}});
}

}  // namespace mlvc::server::core
