// ContentService's chunked transfer (proto/mlvc/v1/content.proto, "Chunked transfer"):
// FindMissingChunks, UploadChunks, CommitContents, GetManifests, ReadChunks.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/core/content_manifest.h"
#include "server/core/content_reach.h"
#include "server/core/content_service.h"

namespace mlvc::server::core {
namespace {

absl::Status CheckHashes(const std::vector<std::string>& hashes, const char* what) {
  if (hashes.size() > kMaxChunkHashes) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many ", what, "es (", hashes.size(), " > ", kMaxChunkHashes, ")"));
  }
  for (const std::string& h : hashes) RETURN_IF_ERROR(CheckHashArg(what, h));
  return absl::OkStatus();
}

// ---- UploadChunks ----

// A content announced by ContentStart, hashed as its chunks arrive.
struct StreamedContent {
  std::string id;
  uint64_t size = 0;
  uint64_t received = 0;
  common::Sha256 whole;
  PackedHashes hashes;
};

// A streamed content that added up and hashed to its id, to record once its chunks are.
struct VerifiedContent {
  std::string id;
  uint64_t size = 0;
  PackedHashes hashes;
};

// Chunk hashes a stream keeps for the contents it verified (32 bytes each: 32 MiB, the
// manifests of ~70 GiB at 64 KiB chunks); beyond that, contents are left to CommitContents.
constexpr size_t kMaxStreamedHashes = 1 << 20;

class ChunkUploadImpl : public ChunkUpload {
 public:
  ChunkUploadImpl(store::MetadataStore& metadata, store::pack::ChunkStore& chunks,
                  uint64_t batch_bytes, int64_t uploader)
      : metadata_(metadata), batcher_(chunks, batch_bytes, uploader) {}

  absl::Status AddMessage(std::vector<ReceivedChunk>& message) override {
    uint64_t total = 0;
    for (const ReceivedChunk& c : message) {
      RETURN_IF_ERROR(CheckHashArg("chunk hash", c.hash));
      if (!c.starts_content_id.empty()) {
        RETURN_IF_ERROR(CheckHashArg("content id", c.starts_content_id));
      }
      if (c.data.size() > kMaxChunkBytes) {
        return absl::InvalidArgumentError(absl::StrCat("chunk ", c.hash, " has ", c.data.size(),
                                                       " bytes, more than ", kMaxChunkBytes));
      }
      total += c.data.size();
    }
    if (total > kMaxChunkMessageBytes) {
      return absl::InvalidArgumentError(absl::StrCat("an upload message carries ", total,
                                                     " bytes, more than ",
                                                     kMaxChunkMessageBytes));
    }
    // Verified here, per message, so a bad chunk refuses only its message and the chunks
    // buffered before it can still be stored; StoreChunks then skips its own hashing.
    for (const ReceivedChunk& c : message) {
      if (common::Sha256Hex(c.data) != c.hash) {
        return absl::DataLossError(absl::StrCat("chunk ", c.hash, " (", c.data.size(),
                                                " bytes) does not match its hash"));
      }
    }
    for (ReceivedChunk& c : message) {
      Follow(c);
      RETURN_IF_ERROR(batcher_.Add(std::move(c)));
    }
    message.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<ChunkUploadResult> Finish() override {
    ASSIGN_OR_RETURN(ChunkUploadResult result, batcher_.Finish());
    // Every chunk of the stream is recorded now, so the contents it completed may be.
    RETURN_IF_ERROR(RecordVerified());
    return result;
  }

 private:
  // Feeds a verified chunk to the content announced before it. A content that does not add
  // up exactly or hash to its id is dropped: CommitContents will read it back and say why.
  void Follow(const ReceivedChunk& c) {
    if (!c.starts_content_id.empty()) {
      streamed_.reset();
      if (complete_hashes_ >= kMaxStreamedHashes) return;
      streamed_.emplace();
      streamed_->id = c.starts_content_id;
      streamed_->size = c.starts_content_size;
    }
    if (!streamed_.has_value()) return;
    StreamedContent& s = *streamed_;
    s.received += c.data.size();
    if (s.received > s.size) {
      streamed_.reset();
      return;
    }
    s.whole.Update(c.data);
    s.hashes.Add(c.hash);
    if (s.received < s.size) return;
    if (s.whole.FinishHex() == s.id && complete_ids_.insert(s.id).second) {
      complete_hashes_ += s.hashes.size();
      complete_.push_back({std::move(s.id), s.size, std::move(s.hashes)});
    }
    streamed_.reset();
  }

  absl::Status RecordVerified() {
    std::vector<ManifestView> views;
    views.reserve(complete_.size());
    for (const VerifiedContent& c : complete_) views.push_back({c.id, c.size, c.hashes});
    return RecordManifests(metadata_, views);
  }

  store::MetadataStore& metadata_;
  ChunkBatcher batcher_;
  std::optional<StreamedContent> streamed_;
  std::vector<VerifiedContent> complete_;
  std::unordered_set<std::string> complete_ids_;
  size_t complete_hashes_ = 0;
};

// ---- CommitContents ----

// Reads chunks back (codec and lengths checked, the chunk hash not: the whole-content hash
// that follows covers every byte) and feeds them to `whole`.
absl::Status HashChunks(store::pack::PackReader& reader,
                        const std::vector<store::ChunkLocation>& locations, size_t begin,
                        size_t end, common::Sha256& whole, std::string& buffer) {
  for (size_t i = begin; i < end; ++i) {
    RETURN_IF_ERROR(reader.ReadChunk(locations[i], &buffer));
    whole.Update(buffer);
  }
  return absl::OkStatus();
}

absl::Status SizeMismatch(const std::string& id, uint64_t total, uint64_t size) {
  return absl::DataLossError(absl::StrCat("the chunks of content ", id, " add up to ", total,
                                          " bytes, not ", size));
}

absl::Status HashMismatch(const std::string& id) {
  return absl::DataLossError(
      absl::StrCat("the chunks given for content ", id, " do not hash to it"));
}

class ContentCommitImpl : public ContentCommit {
 public:
  ContentCommitImpl(store::MetadataStore& metadata, store::BlobStore& blobs, Caller caller)
      : metadata_(metadata), blobs_(blobs), caller_(std::move(caller)) {}

  absl::Status Add(std::vector<ManifestPart>& parts) override {
    for (ManifestPart& part : parts) {
      RETURN_IF_ERROR(CheckHashArg("content id", part.content_id));
      RETURN_IF_ERROR(CheckHashes(part.chunk_hashes, "chunk hash"));
      if (large_.has_value()) {
        if (part.content_id != large_->id || part.size != large_->size) {
          return absl::InvalidArgumentError(
              absl::StrCat("manifest parts interleave: content ", part.content_id,
                           " starts before content ", large_->id, " ended"));
        }
        RETURN_IF_ERROR(AddLargePart(part));
        continue;
      }
      if (!part.more) {  // a whole manifest in one part: batched with its neighbours
        small_hashes_ += part.chunk_hashes.size();
        small_.push_back(std::move(part));
        if (small_hashes_ >= kMaxChunkHashes || small_.size() >= kMaxChunkHashes) {
          RETURN_IF_ERROR(FlushSmall());
        }
        continue;
      }
      RETURN_IF_ERROR(FlushSmall());  // keep the stream's order of commits
      large_.emplace(part.content_id, part.size);
      ASSIGN_OR_RETURN(std::vector<std::string> unreached, Unreached({part.content_id}));
      large_->held = unreached.empty();
      RETURN_IF_ERROR(AddLargePart(part));
    }
    parts.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> Finish() override {
    if (large_.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the manifest of content ", large_->id, " announced more parts than were sent"));
    }
    RETURN_IF_ERROR(FlushSmall());
    return std::move(committed_);
  }

 private:
  // A content whose manifest spans several parts: verified part by part as it arrives,
  // holding only its hashes (32 bytes each) until the last part, then recorded at once.
  struct Large {
    Large(std::string i, uint64_t s) : id(std::move(i)), size(s) {}
    std::string id;
    uint64_t size;
    bool held = false;  // the server has it already: parts are read and dropped
    uint64_t total = 0;
    common::Sha256 whole;
    PackedHashes hashes;
  };

  absl::Status AddLargePart(const ManifestPart& part) {
    Large& c = *large_;
    if (!c.held) {
      std::vector<store::ChunkLocation> locations;
      RETURN_IF_ERROR(Locate(part.chunk_hashes, part.content_id, &locations));
      ASSIGN_OR_RETURN(std::vector<std::string> unreached, UnreachedChunks(part.chunk_hashes));
      if (!unreached.empty()) return NotStored(part.content_id, unreached.front());
      for (const store::ChunkLocation& loc : locations) c.total += loc.chunk.raw_length;
      if (c.total > c.size) return SizeMismatch(c.id, c.total, c.size);
      store::pack::PackReader reader(&blobs_, /*verify_hash=*/false);
      RETURN_IF_ERROR(HashChunks(reader, locations, 0, locations.size(), c.whole, buffer_));
      for (const std::string& h : part.chunk_hashes) c.hashes.Add(h);
    }
    if (part.more) return absl::OkStatus();
    if (!c.held) {
      if (c.total != c.size) return SizeMismatch(c.id, c.total, c.size);
      if (c.whole.FinishHex() != c.id) return HashMismatch(c.id);
      RETURN_IF_ERROR(RecordManifest(metadata_, c.id, c.size, c.hashes));
    }
    committed_.push_back(c.id);
    large_.reset();
    return absl::OkStatus();
  }

  // Locations of `hashes`, one round trip. NOT_FOUND names the first chunk not stored.
  absl::Status Locate(const std::vector<std::string>& hashes, const std::string& content_id,
                      std::vector<store::ChunkLocation>* out) {
    absl::Status found = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(*out, txn.GetChunkLocations(hashes));
      return absl::OkStatus();
    });
    if (!absl::IsNotFound(found)) return found;
    return absl::NotFoundError(absl::StrCat("content ", content_id, ": ", found.message()));
  }

  // Verifies and records the pending one-part manifests: one round trip for which contents
  // are held, one for the locations of all their chunks, one transaction recording all the
  // verified ones. A one-chunk content whose id is its chunk's hash needs no read: the chunk
  // was verified against that hash when it was stored. On an error, the contents before the
  // failing one are recorded, then the error returned.
  absl::Status FlushSmall() {
    if (small_.empty()) return absl::OkStatus();
    std::vector<ManifestPart> parts;
    parts.swap(small_);
    small_hashes_ = 0;

    std::vector<std::string> ids;
    for (const ManifestPart& p : parts) ids.push_back(p.content_id);
    // Contents the caller reaches are held as far as this commit goes; any other is
    // verified from the caller's chunks, even when stored for someone else.
    ASSIGN_OR_RETURN(std::vector<std::string> unreached_ids, Unreached(ids));
    // to_check[i]: parts[i] must be verified (not held, not repeated earlier in the batch).
    std::unordered_set<std::string> seen(ids.begin(), ids.end());
    for (const std::string& id : unreached_ids) seen.erase(id);
    std::vector<bool> to_check(parts.size());
    std::vector<std::string> hashes;
    for (size_t i = 0; i < parts.size(); ++i) {
      to_check[i] = seen.insert(parts[i].content_id).second;
      if (to_check[i]) {
        hashes.insert(hashes.end(), parts[i].chunk_hashes.begin(), parts[i].chunk_hashes.end());
      }
    }
    std::vector<store::ChunkLocation> locations;
    ASSIGN_OR_RETURN(std::vector<std::string> missing, UnreachedChunks(hashes));
    absl::Status located = absl::NotFoundError("a chunk is not stored");
    if (missing.empty()) {
      located = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
        ASSIGN_OR_RETURN(locations, txn.GetChunkLocations(hashes));
        return absl::OkStatus();
      });
    }
    if (absl::IsNotFound(located)) {
      // An error path (its cost does not matter): the first chunk not stored (or not the
      // caller's to use), in stream order; every content before the one using it has all
      // its chunks, so commit those on their own, then fail.
      if (missing.empty()) {
        ASSIGN_OR_RETURN(missing, UnreachedChunks(hashes));
      }
      if (missing.empty()) return located;
      const std::string& m = missing.front();
      size_t k = 0;
      while (k < parts.size() &&
             !(to_check[k] && std::find(parts[k].chunk_hashes.begin(),
                                        parts[k].chunk_hashes.end(),
                                        m) != parts[k].chunk_hashes.end())) {
        ++k;
      }
      if (k == parts.size()) return located;
      const std::string failing = parts[k].content_id;
      small_.assign(std::make_move_iterator(parts.begin()),
                    std::make_move_iterator(parts.begin() + static_cast<std::ptrdiff_t>(k)));
      RETURN_IF_ERROR(FlushSmall());
      return NotStored(failing, m);
    }
    RETURN_IF_ERROR(located);

    // Verify in stream order until the first failure.
    std::vector<const ManifestPart*> verified;
    absl::Status failure;
    size_t failed_at = parts.size();
    store::pack::PackReader reader(&blobs_, /*verify_hash=*/false);
    size_t at = 0;  // index into `locations` of the current content's first chunk
    for (size_t i = 0; i < parts.size() && failure.ok(); ++i) {
      if (!to_check[i]) continue;
      const ManifestPart& p = parts[i];
      const size_t n = p.chunk_hashes.size();
      uint64_t total = 0;
      for (size_t j = at; j < at + n; ++j) total += locations[j].chunk.raw_length;
      if (total != p.size) {
        failure = SizeMismatch(p.content_id, total, p.size);
      } else if (!(n == 1 && p.chunk_hashes[0] == p.content_id)) {
        common::Sha256 whole;
        failure = HashChunks(reader, locations, at, at + n, whole, buffer_);
        if (failure.ok() && whole.FinishHex() != p.content_id) failure = HashMismatch(p.content_id);
      }
      if (!failure.ok()) {
        failed_at = i;
        break;
      }
      at += n;
      verified.push_back(&p);
    }
    RETURN_IF_ERROR(Record(verified));
    for (size_t i = 0; i < failed_at; ++i) committed_.push_back(parts[i].content_id);
    return failure;
  }

  // One transaction: the contents rows of `parts`, then the manifest rows of those this
  // transaction recorded.
  absl::Status Record(const std::vector<const ManifestPart*>& parts) {
    if (parts.empty()) return absl::OkStatus();
    std::vector<store::ContentHead> heads;
    heads.reserve(parts.size());
    for (const ManifestPart* p : parts) {
      heads.push_back({p->content_id, p->size, static_cast<int64_t>(p->chunk_hashes.size())});
    }
    return metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<std::string> won, txn.InsertContentHeads(heads));
      std::unordered_set<std::string> won_set(won.begin(), won.end());
      std::vector<store::ContentChunkRow> rows;
      for (const ManifestPart* p : parts) {
        if (won_set.count(p->content_id) == 0) continue;
        for (size_t i = 0; i < p->chunk_hashes.size(); ++i) {
          rows.push_back({p->content_id, static_cast<int64_t>(i), p->chunk_hashes[i], 0});
        }
      }
      return txn.InsertContentChunks(rows);
    });
  }

  // The ids among `ids` the caller does not reach (content_reach.h).
  absl::StatusOr<std::vector<std::string>> Unreached(const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller_));
      ASSIGN_OR_RETURN(out, txn.FindUnreachedContents(ids, reach));
      return absl::OkStatus();
    }));
    return out;
  }

  // The hashes among `hashes` the caller does not reach: to this commit, not stored.
  absl::StatusOr<std::vector<std::string>> UnreachedChunks(const std::vector<std::string>& hashes) {
    std::vector<std::string> out;
    if (hashes.empty()) return out;
    RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller_));
      ASSIGN_OR_RETURN(out, txn.FindUnreachedChunks(hashes, reach));
      return absl::OkStatus();
    }));
    return out;
  }

  static absl::Status NotStored(const std::string& content_id, const std::string& chunk) {
    return absl::NotFoundError(
        absl::StrCat("content ", content_id, " uses chunk ", chunk, ", which is not stored"));
  }

  store::MetadataStore& metadata_;
  store::BlobStore& blobs_;
  const Caller caller_;
  std::vector<ManifestPart> small_;
  size_t small_hashes_ = 0;
  std::optional<Large> large_;
  std::vector<std::string> committed_;
  std::string buffer_;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ContentService::FindMissingChunks(
    const Caller& caller, const std::vector<std::string>& hashes) {
  RETURN_IF_ERROR(CheckHashes(hashes, "chunk hash"));
  std::vector<std::string> missing;
  if (hashes.empty()) return missing;
  RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller));
    ASSIGN_OR_RETURN(missing, txn.FindUnreachedChunks(hashes, reach));
    return absl::OkStatus();
  }));
  std::unordered_set<std::string> seen;
  std::vector<std::string> out;
  for (std::string& h : missing) {
    if (seen.insert(h).second) out.push_back(std::move(h));
  }
  return out;
}

std::unique_ptr<ChunkUpload> ContentService::BeginChunkUpload(const Caller& caller) {
  return std::make_unique<ChunkUploadImpl>(metadata_, chunks_, options_.upload_batch_bytes,
                                           caller.user.id);
}

std::unique_ptr<ContentCommit> ContentService::BeginCommit(const Caller& caller) {
  return std::make_unique<ContentCommitImpl>(metadata_, blobs_, caller);
}

absl::Status ContentService::GetManifests(
    const Caller& caller, const std::vector<std::string>& content_ids,
    const std::function<absl::Status(ManifestPiece&)>& sink) {
  RETURN_IF_ERROR(CheckHashes(content_ids, "content id"));
  std::vector<store::ContentHead> heads;
  RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    // A content the repository does not reference is answered as unknown.
    if (const std::optional<int64_t> scope = ReadScopeOf(caller)) {
      ASSIGN_OR_RETURN(std::vector<std::string> foreign,
                       txn.ContentsNotReferencedBy(*scope, content_ids));
      if (!foreign.empty()) {
        return absl::NotFoundError(absl::StrCat("unknown content ", foreign.front()));
      }
    }
    ASSIGN_OR_RETURN(heads, txn.GetContentHeads(content_ids));
    return absl::OkStatus();
  }));
  std::map<std::string, store::ContentHead> by_id;
  for (store::ContentHead& h : heads) by_id.emplace(h.id, std::move(h));
  for (const std::string& id : content_ids) {
    if (by_id.count(id) == 0) return absl::NotFoundError(absl::StrCat("unknown content ", id));
  }
  const auto small = [](const store::ContentHead& h) {
    return !h.chunk_count.has_value() ||
           *h.chunk_count <= static_cast<int64_t>(kManifestRowsPerStatement);
  };
  // Small manifests: grouped, one query per group of at most kManifestRowsPerStatement rows.
  std::vector<std::string> group;
  int64_t group_rows = 0;
  const auto flush_group = [&]() -> absl::Status {
    if (group.empty()) return absl::OkStatus();
    std::vector<store::ContentChunkRow> rows;
    RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(rows, txn.ListContentChunks(group));
      return absl::OkStatus();
    }));
    // Rows come grouped by content in group order (a group never repeats an id).
    size_t r = 0;
    for (const std::string& id : group) {
      const store::ContentHead& h = by_id.at(id);
      ManifestPiece piece;
      piece.content_id = id;
      piece.size = h.size;
      piece.chunked = h.chunk_count.has_value();
      const int64_t n = h.chunk_count.value_or(0);
      for (int64_t i = 0; i < n; ++i, ++r) {
        if (r >= rows.size() || rows[r].content_id != id || rows[r].seq != i) {
          return absl::DataLossError(absl::StrCat("the manifest of content ", id,
                                                  " lacks chunk ", i));
        }
        piece.chunks.emplace_back(std::move(rows[r].chunk_hash), rows[r].raw_length);
      }
      RETURN_IF_ERROR(sink(piece));
    }
    group.clear();
    group_rows = 0;
    return absl::OkStatus();
  };
  std::set<std::string> in_group;
  for (const std::string& id : content_ids) {
    const store::ContentHead& h = by_id.at(id);
    if (small(h)) {
      const int64_t n = h.chunk_count.value_or(0);
      if (group_rows + n > static_cast<int64_t>(kManifestRowsPerStatement) ||
          in_group.count(id) > 0) {
        RETURN_IF_ERROR(flush_group());
        in_group.clear();
      }
      group.push_back(id);
      in_group.insert(id);
      group_rows += n;
      continue;
    }
    RETURN_IF_ERROR(flush_group());
    in_group.clear();
    for (int64_t seq = 0; seq < *h.chunk_count;) {
      store::ContentManifest page;
      RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
        ASSIGN_OR_RETURN(page, txn.GetContentManifest(
                                   id, seq, static_cast<int64_t>(kManifestRowsPerStatement)));
        return absl::OkStatus();
      }));
      if (page.chunks.empty()) return absl::DataLossError("empty manifest page");
      ManifestPiece piece;
      piece.content_id = id;
      piece.size = h.size;
      for (store::ChunkLocation& loc : page.chunks) {
        piece.chunks.emplace_back(std::move(loc.chunk.hash), loc.chunk.raw_length);
      }
      seq += static_cast<int64_t>(page.chunks.size());
      piece.more = seq < *h.chunk_count;
      RETURN_IF_ERROR(sink(piece));
    }
  }
  return flush_group();
}

absl::Status ContentService::ReadChunks(
    const Caller& caller, const std::vector<std::string>& hashes,
    const std::function<absl::Status(const std::string& hash, std::string& bytes)>& sink) {
  RETURN_IF_ERROR(CheckHashes(hashes, "chunk hash"));
  std::vector<store::ChunkLocation> locations;
  RETURN_IF_ERROR(metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    // A chunk of no content the repository references is answered as unknown, in the
    // words of GetChunkLocations.
    if (const std::optional<int64_t> scope = ReadScopeOf(caller)) {
      ASSIGN_OR_RETURN(std::vector<std::string> foreign,
                       txn.ChunksNotReferencedBy(*scope, hashes));
      if (!foreign.empty()) return absl::NotFoundError(absl::StrCat("no chunk ", foreign.front()));
    }
    ASSIGN_OR_RETURN(locations, txn.GetChunkLocations(hashes));
    return absl::OkStatus();
  }));
  // A window of the request at a time is read in pack order, then sent in request order: a
  // checkout asks in path order, which need not be the order the chunks were pushed in, and
  // reading each chunk where it lies costs a reopen (a ranged GET on an object store) or
  // reading through the gap before it.
  store::pack::PackReader reader(&blobs_);  // verifies every chunk: corrupt is never served
  std::vector<std::string> window;
  std::vector<size_t> order;
  for (size_t begin = 0; begin < locations.size();) {
    size_t end = begin;
    uint64_t bytes = 0;
    while (end < locations.size() &&
           (end == begin || bytes + locations[end].chunk.raw_length <= kReadWindowBytes)) {
      bytes += locations[end].chunk.raw_length;
      ++end;
    }
    order.resize(end - begin);
    for (size_t i = begin; i < end; ++i) order[i - begin] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const store::ChunkLocation& x = locations[a];
      const store::ChunkLocation& y = locations[b];
      return std::tie(x.pack_key, x.chunk.offset) < std::tie(y.pack_key, y.chunk.offset);
    });
    window.assign(end - begin, std::string());
    for (size_t i : order) RETURN_IF_ERROR(reader.ReadChunk(locations[i], &window[i - begin]));
    for (size_t i = begin; i < end; ++i) {
      RETURN_IF_ERROR(sink(locations[i].chunk.hash, window[i - begin]));
    }
    begin = end;
  }
  return absl::OkStatus();
}

}  // namespace mlvc::server::core
