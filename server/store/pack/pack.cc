// Pack writing and reading; the byte format is in README.md (this file must agree with it).
#include "server/store/pack/pack.h"

#include <openssl/rand.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::store::pack {
namespace {

constexpr char kHeaderMagic[8] = {'M', 'L', 'V', 'C', 'P', 'A', 'C', 'K'};
constexpr char kFooterMagic[8] = {'M', 'L', 'V', 'C', 'P', 'E', 'N', 'D'};
constexpr uint32_t kVersion = 1;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// REQUIRES: common::IsContentId(hex).
std::string HexToBytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(HexValue(hex[2 * i]) * 16 + HexValue(hex[2 * i + 1]));
  }
  return out;
}

std::string BytesToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

absl::StatusOr<std::string> RandomKey() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("no random bytes for a pack key");
  }
  return BytesToHex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

// Appends exactly `n` bytes of `reader` to *out. DATA_LOSS when the object ends first.
absl::Status ReadExactly(BlobReader& reader, uint64_t n, const std::string& key,
                         std::string* out) {
  std::string piece;
  uint64_t got = 0;
  while (got < n) {
    RETURN_IF_ERROR(reader.Read(static_cast<size_t>(std::min<uint64_t>(n - got, 1 << 20)),
                                &piece));
    if (piece.empty()) {
      return absl::DataLossError(absl::StrCat("pack ", key, " ends ", n - got,
                                              " bytes early"));
    }
    out->append(piece);
    got += piece.size();
  }
  return absl::OkStatus();
}

// c * log2(c) for the counts a 4 KiB sample can hold: the estimate does no log per call.
constexpr size_t kEntropySample = 4096;
const std::vector<double>& CountLogTable() {
  static const std::vector<double> table = [] {
    std::vector<double> t(kEntropySample + 1, 0.0);
    for (size_t c = 1; c <= kEntropySample; ++c) t[c] = c * std::log2(static_cast<double>(c));
    return t;
  }();
  return table;
}

}  // namespace

double EstimateEntropyBits(std::string_view bytes) {
  if (bytes.empty()) return 0;
  // Four histograms, one per byte lane, merged at the end: consecutive equal bytes would
  // otherwise make every increment wait for the previous one's store (measured: the
  // single-table loop ran at ~1.6 GB/s, about 10% of mlvcd's CPU while a GiB was pushed).
  uint16_t lanes[4][256] = {};
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  auto count = [&lanes](const unsigned char* q, size_t len) {
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
      ++lanes[0][q[i]];
      ++lanes[1][q[i + 1]];
      ++lanes[2][q[i + 2]];
      ++lanes[3][q[i + 3]];
    }
    for (; i < len; ++i) ++lanes[0][q[i]];
  };
  if (n <= kEntropySample) {
    count(p, n);
  } else {
    const size_t block = kEntropySample / 4;
    const size_t step = (n - block) / 3;
    for (size_t b = 0; b < 4; ++b) count(p + b * step, block);
    n = kEntropySample;
  }
  const std::vector<double>& table = CountLogTable();
  double sum = 0;
  for (size_t v = 0; v < 256; ++v) {
    sum += table[lanes[0][v] + lanes[1][v] + lanes[2][v] + lanes[3][v]];
  }
  return std::log2(static_cast<double>(n)) - sum / static_cast<double>(n);
}

// ---- PackWriter ----

PackWriter::PackWriter(std::string key, std::unique_ptr<BlobWriter> writer,
                       const PackOptions& options)
    : key_(std::move(key)), writer_(std::move(writer)), options_(options) {}

PackWriter::~PackWriter() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_)); }

absl::StatusOr<std::unique_ptr<PackWriter>> PackWriter::Create(BlobStore* blobs,
                                                               const PackOptions& options) {
  ASSIGN_OR_RETURN(std::string key, RandomKey());
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs->NewWriter(key));
  std::unique_ptr<PackWriter> pack(new PackWriter(key, std::move(writer), options));
  pack->zstd_ctx_ = ZSTD_createCCtx();
  if (pack->zstd_ctx_ == nullptr) return absl::InternalError("cannot create a zstd context");
  std::string header(kHeaderMagic, sizeof(kHeaderMagic));
  PutU32(&header, kVersion);
  PutU32(&header, 0);  // reserved
  RETURN_IF_ERROR(pack->writer_->Append(header));
  pack->offset_ = header.size();
  return pack;
}

absl::Status PackWriter::Add(const std::string& hash, std::string_view bytes) {
  if (!common::IsContentId(hash)) {
    return absl::InvalidArgumentError(absl::StrCat("not a chunk hash: '", hash, "'"));
  }
  ChunkRecord entry;
  entry.hash = hash;
  entry.offset = offset_;
  entry.raw_length = bytes.size();
  std::string_view stored = bytes;
  if (!bytes.empty() && EstimateEntropyBits(bytes) <= options_.incompressible_bits) {
    compressed_.resize(ZSTD_compressBound(bytes.size()));
    const size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_), compressed_.data(),
                                       compressed_.size(), bytes.data(), bytes.size(),
                                       options_.zstd_level);
    if (ZSTD_isError(n)) {
      return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
    }
    if (static_cast<double>(n) <= static_cast<double>(bytes.size()) * (1 - options_.min_saving)) {
      stored = std::string_view(compressed_.data(), n);
      entry.codec = static_cast<int>(Codec::kZstd);
    }
  }
  entry.stored_length = stored.size();
  // Chunks reach the blob store in 1 MiB writes, not one write per 8 KiB chunk: a 16 MiB pack
  // took ~2,000 write(2) calls on the filesystem store, ~100 us each on a loaded machine.
  out_.append(stored);
  if (out_.size() >= kWriteBuffer) {
    RETURN_IF_ERROR(writer_->Append(out_));
    out_.clear();
  }
  offset_ += stored.size();
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

absl::StatusOr<PackInfo> PackWriter::Finish() {
  const uint64_t index_offset = offset_;
  std::string index;
  index.reserve(4 + entries_.size() * kPackIndexEntrySize);
  PutU32(&index, static_cast<uint32_t>(entries_.size()));
  for (const ChunkRecord& e : entries_) {
    index.append(HexToBytes(e.hash));
    PutU64(&index, e.offset);
    PutU64(&index, e.stored_length);
    PutU64(&index, e.raw_length);
    index.push_back(static_cast<char>(e.codec));
  }
  std::string footer;
  PutU64(&footer, index_offset);
  PutU64(&footer, index.size());
  footer.append(HexToBytes(common::Sha256Hex(index)));
  PutU32(&footer, kVersion);
  PutU32(&footer, 0);  // reserved
  footer.append(kFooterMagic, sizeof(kFooterMagic));
  if (!out_.empty()) RETURN_IF_ERROR(writer_->Append(out_));
  out_.clear();
  RETURN_IF_ERROR(writer_->Append(index));
  RETURN_IF_ERROR(writer_->Append(footer));
  RETURN_IF_ERROR(writer_->Commit());
  PackInfo info;
  info.key = key_;
  info.size = index_offset + index.size() + footer.size();
  info.chunks = std::move(entries_);
  return info;
}

// ---- reading ----

absl::Status PackReader::ReadChunk(const ChunkLocation& location, std::string* out) {
  const ChunkRecord& c = location.chunk;
  // A chunk a little further on in the open pack is reached by reading past the gap: an
  // object store answers each open with a round trip (a ranged GET), and a commit or a
  // checkout of many small files reads every few chunks of a pack in order.
  constexpr uint64_t kMaxSkip = 4 << 20;
  if (reader_ != nullptr && reader_key_ == location.pack_key && c.offset > reader_pos_ &&
      c.offset - reader_pos_ <= kMaxSkip) {
    stored_.clear();
    absl::Status skipped = ReadExactly(*reader_, c.offset - reader_pos_, location.pack_key,
                                       &stored_);
    if (skipped.ok()) {
      reader_pos_ = c.offset;
    } else {
      reader_.reset();
    }
  }
  if (reader_ == nullptr || reader_key_ != location.pack_key || reader_pos_ != c.offset) {
    reader_.reset();
    ASSIGN_OR_RETURN(reader_, blobs_->Open(location.pack_key, c.offset));
    reader_key_ = location.pack_key;
    reader_pos_ = c.offset;
  }
  stored_.clear();
  absl::Status read = ReadExactly(*reader_, c.stored_length, location.pack_key, &stored_);
  if (!read.ok()) {
    reader_.reset();  // position unknown
    return read;
  }
  reader_pos_ += c.stored_length;
  const auto data_loss = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat("chunk ", c.hash, " in pack ", location.pack_key,
                                            " at ", c.offset, ": ", why));
  };
  if (c.codec == static_cast<int>(Codec::kRaw)) {
    if (c.stored_length != c.raw_length) return data_loss("raw chunk of the wrong length");
    out->swap(stored_);
  } else if (c.codec == static_cast<int>(Codec::kZstd)) {
    out->resize(c.raw_length);
    const size_t n = ZSTD_decompress(out->data(), out->size(), stored_.data(), stored_.size());
    if (ZSTD_isError(n)) return data_loss(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
    if (n != c.raw_length) return data_loss("decompressed to the wrong length");
  } else {
    return data_loss(absl::StrCat("unknown codec ", c.codec));
  }
  if (verify_hash_ && common::Sha256Hex(*out) != c.hash) {
    out->clear();  // never hand out bytes that are not the chunk
    return data_loss("SHA-256 mismatch");
  }
  return absl::OkStatus();
}

absl::Status ReadChunk(BlobStore* blobs, const ChunkLocation& location, std::string* out) {
  PackReader reader(blobs);
  return reader.ReadChunk(location, out);
}

absl::StatusOr<PackInfo> ReadPackIndex(BlobStore* blobs, const std::string& key) {
  const auto data_loss = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat("pack ", key, ": ", why));
  };
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> whole, blobs->Open(key, 0));
  const uint64_t size = whole->size();
  if (size < kPackHeaderSize + 4 + kPackFooterSize) return data_loss("too short for a pack");
  std::string header;
  RETURN_IF_ERROR(ReadExactly(*whole, kPackHeaderSize, key, &header));
  if (std::memcmp(header.data(), kHeaderMagic, sizeof(kHeaderMagic)) != 0 ||
      GetU32(header.data() + 8) != kVersion) {
    return data_loss("bad header magic or version");
  }
  whole.reset();

  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> tail, blobs->Open(key, size - kPackFooterSize));
  std::string footer;
  RETURN_IF_ERROR(ReadExactly(*tail, kPackFooterSize, key, &footer));
  if (std::memcmp(footer.data() + 56, kFooterMagic, sizeof(kFooterMagic)) != 0 ||
      GetU32(footer.data() + 48) != kVersion) {
    return data_loss("bad footer magic or version");
  }
  const uint64_t index_offset = GetU64(footer.data());
  const uint64_t index_length = GetU64(footer.data() + 8);
  if (index_offset < kPackHeaderSize || index_length < 4 ||
      index_offset + index_length != size - kPackFooterSize) {
    return data_loss("index out of place");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> idx, blobs->Open(key, index_offset));
  std::string index;
  RETURN_IF_ERROR(ReadExactly(*idx, index_length, key, &index));
  if (HexToBytes(common::Sha256Hex(index)) != footer.substr(16, 32)) {
    return data_loss("index SHA-256 mismatch");
  }
  const uint32_t count = GetU32(index.data());
  if (index_length != 4 + uint64_t{count} * kPackIndexEntrySize) {
    return data_loss("index length does not match its entry count");
  }
  PackInfo info;
  info.key = key;
  info.size = size;
  info.chunks.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const char* p = index.data() + 4 + size_t{i} * kPackIndexEntrySize;
    ChunkRecord e;
    e.hash = BytesToHex(std::string_view(p, 32));
    e.offset = GetU64(p + 32);
    e.stored_length = GetU64(p + 40);
    e.raw_length = GetU64(p + 48);
    e.codec = static_cast<unsigned char>(p[56]);
    if (e.offset < kPackHeaderSize || e.stored_length > index_offset ||
        e.offset > index_offset - e.stored_length) {
      return data_loss(absl::StrCat("entry ", i, " lies outside the chunk area"));
    }
    if (e.codec != static_cast<int>(Codec::kRaw) && e.codec != static_cast<int>(Codec::kZstd)) {
      return data_loss(absl::StrCat("entry ", i, " has unknown codec ", e.codec));
    }
    info.chunks.push_back(std::move(e));
  }
  return info;
}

absl::Status VerifyPack(BlobStore* blobs, const std::string& key) {
  ASSIGN_OR_RETURN(PackInfo info, ReadPackIndex(blobs, key));
  PackReader reader(blobs);
  std::string bytes;
  for (const ChunkRecord& c : info.chunks) {
    RETURN_IF_ERROR(reader.ReadChunk(ChunkLocation{c, key}, &bytes));
  }
  return absl::OkStatus();
}

}  // namespace mlvc::server::store::pack
