// Chunks, packs and content manifests (migration 0004). Every batch travels as text[]
// parameters expanded with unnest(), so a batch of thousands of rows is one statement and
// one round trip. Statements use exec_params (not prepared per connection) so this
// aggregate needs nothing from the connection setup.
#include <pqxx/pqxx>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {
namespace {

std::string NumberArray(const std::vector<uint64_t>& values) {
  std::vector<std::string> text;
  text.reserve(values.size());
  for (uint64_t v : values) text.push_back(std::to_string(v));
  return TextArrayLiteral(text);
}

ChunkLocation LocationFromRow(const pqxx::row& row) {
  // Columns: hash, pack_offset, stored_length, raw_length, codec, object_key.
  ChunkLocation loc;
  loc.chunk.hash = row[0].as<std::string>();
  loc.chunk.offset = row[1].as<uint64_t>();
  loc.chunk.stored_length = row[2].as<uint64_t>();
  loc.chunk.raw_length = row[3].as<uint64_t>();
  loc.chunk.codec = row[4].as<int>();
  loc.pack_key = row[5].as<std::string>();
  return loc;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PgTxn::FindMissingChunks(
    const std::vector<std::string>& hashes) {
  return Run("find missing chunks", [&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    if (hashes.empty()) return out;
    // WITH ORDINALITY keeps the input order; the primary key answers each probe.
    pqxx::result r = w_.exec_params(
        "SELECT i.h FROM unnest($1::text[]) WITH ORDINALITY AS i (h, ord)"
        " WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = i.h)"
        " ORDER BY i.ord",
        TextArrayLiteral(hashes));
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
  });
}

absl::Status PgTxn::BeginPackUpload(const std::string& object_key) {
  return Run("begin pack upload", [&]() -> absl::Status {
    w_.exec_params("INSERT INTO uploads (object_key) VALUES ($1) ON CONFLICT DO NOTHING",
                   object_key);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgTxn::InsertPack(const std::string& object_key, uint64_t size,
                                          int64_t chunk_count,
                                          std::optional<int64_t> uploaded_by) {
  return Run("insert pack", [&]() -> absl::StatusOr<int64_t> {
    const NullableInt uploader(uploaded_by);
    pqxx::result r = w_.exec_params(
        "INSERT INTO packs (object_key, size, chunk_count, uploaded_by) VALUES ($1, $2, $3, $4)"
        " RETURNING id",
        object_key, size, chunk_count, uploader.get());
    w_.exec_params("DELETE FROM uploads WHERE object_key = $1", object_key);
    return r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::InsertChunks(
    int64_t pack_id, const std::vector<ChunkRecord>& chunks) {
  return Run("insert chunks", [&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    if (chunks.empty()) return out;
    // Once per statement, not per row as the foreign key did (migration 0008).
    if (w_.exec_params("SELECT 1 FROM packs WHERE id = $1", pack_id).empty()) {
      return absl::NotFoundError(absl::StrCat("no pack ", pack_id));
    }
    std::vector<std::string> hashes;
    std::vector<uint64_t> offsets, stored, raw, codecs;
    for (const ChunkRecord& c : chunks) {
      hashes.push_back(c.hash);
      offsets.push_back(c.offset);
      stored.push_back(c.stored_length);
      raw.push_back(c.raw_length);
      codecs.push_back(static_cast<uint64_t>(c.codec));
    }
    // A racing transaction inserting the same hash makes this one wait for it, then skip the
    // row: each chunk is recorded exactly once, in whichever pack committed first.
    pqxx::result r = w_.exec_params(
        "INSERT INTO chunks (hash, pack_id, pack_offset, stored_length, raw_length, codec)"
        " SELECT h, $1, o, s, l, c FROM unnest($2::text[], $3::bigint[], $4::bigint[],"
        " $5::bigint[], $6::smallint[]) AS t (h, o, s, l, c)"
        " ON CONFLICT (hash) DO NOTHING RETURNING hash",
        pack_id, TextArrayLiteral(hashes), NumberArray(offsets), NumberArray(stored),
        NumberArray(raw), NumberArray(codecs));
    std::set<std::string> inserted;
    for (const auto& row : r) inserted.insert(row[0].as<std::string>());
    for (const std::string& h : hashes) {
      if (inserted.erase(h) > 0) out.push_back(h);
    }
    return out;
  });
}

absl::Status PgTxn::DeleteUnusedPack(int64_t pack_id) {
  return Run("delete unused pack", [&]() -> absl::Status {
    pqxx::result used =
        w_.exec_params("SELECT 1 FROM chunks WHERE pack_id = $1 LIMIT 1", pack_id);
    if (!used.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("pack ", pack_id, " holds chunks"));
    }
    w_.exec_params("DELETE FROM packs WHERE id = $1", pack_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ChunkLocation>> PgTxn::GetChunkLocations(
    const std::vector<std::string>& hashes) {
  return Run("get chunk locations", [&]() -> absl::StatusOr<std::vector<ChunkLocation>> {
    std::vector<ChunkLocation> out;
    if (hashes.empty()) return out;
    pqxx::result r = w_.exec_params(
        "SELECT i.h, c.pack_offset, c.stored_length, c.raw_length, c.codec, p.object_key"
        " FROM unnest($1::text[]) WITH ORDINALITY AS i (h, ord)"
        " LEFT JOIN chunks c ON c.hash = i.h LEFT JOIN packs p ON p.id = c.pack_id"
        " ORDER BY i.ord",
        TextArrayLiteral(hashes));
    out.reserve(r.size());
    for (const auto& row : r) {
      if (row[5].is_null()) {
        return absl::NotFoundError(absl::StrCat("no chunk ", row[0].as<std::string>()));
      }
      out.push_back(LocationFromRow(row));
    }
    return out;
  });
}

absl::Status PgTxn::PutContentManifest(const std::string& content_id, uint64_t size,
                                       const std::vector<std::string>& chunk_hashes) {
  return Run("put content manifest", [&]() -> absl::Status {
    const std::string hashes = TextArrayLiteral(chunk_hashes);
    // Check first, so the errors name what is wrong (a foreign-key violation would not).
    pqxx::result check = w_.exec_params(
        "SELECT count(*) FILTER (WHERE c.hash IS NULL), min(i.h) FILTER (WHERE c.hash IS NULL),"
        " coalesce(sum(c.raw_length), 0)"
        " FROM unnest($1::text[]) AS i (h) LEFT JOIN chunks c ON c.hash = i.h",
        hashes);
    if (check[0][0].as<int64_t>() > 0) {
      return absl::NotFoundError(absl::StrCat("content ", content_id, " uses chunk ",
                                              check[0][1].as<std::string>(),
                                              ", which is not stored"));
    }
    const uint64_t total = check[0][2].as<uint64_t>();
    if (total != size) {
      return absl::InvalidArgumentError(absl::StrCat("the chunks of content ", content_id,
                                                     " add up to ", total, " bytes, not ",
                                                     size));
    }
    // The upsert locks the contents row: of racing calls, the first sets chunk_count and
    // writes the manifest; the others wait, then find chunk_count set and change nothing.
    pqxx::result won = w_.exec_params(
        "INSERT INTO contents (id, size, chunk_count) VALUES ($1, $2, $3)"
        " ON CONFLICT (id) DO UPDATE SET chunk_count = EXCLUDED.chunk_count"
        " WHERE contents.chunk_count IS NULL RETURNING size",
        content_id, size, static_cast<int64_t>(chunk_hashes.size()));
    if (won.empty()) return absl::OkStatus();  // already has a manifest
    if (won[0][0].as<uint64_t>() != size) {
      return absl::InvalidArgumentError(absl::StrCat("content ", content_id, " is recorded with ",
                                                     won[0][0].as<uint64_t>(), " bytes, not ",
                                                     size));
    }
    if (chunk_hashes.empty()) return absl::OkStatus();
    w_.exec_params(
        "INSERT INTO content_chunks (content_id, seq, chunk_hash)"
        " SELECT $1, ord - 1, h FROM unnest($2::text[]) WITH ORDINALITY AS t (h, ord)",
        content_id, hashes);
    return absl::OkStatus();
  });
}

absl::StatusOr<ContentManifest> PgTxn::GetContentManifest(const std::string& content_id,
                                                          int64_t first_seq, int64_t limit) {
  return Run("get content manifest", [&]() -> absl::StatusOr<ContentManifest> {
    pqxx::result head =
        w_.exec_params("SELECT size, chunk_count FROM contents WHERE id = $1", content_id);
    if (head.empty()) return absl::NotFoundError(absl::StrCat("no content ", content_id));
    if (head[0][1].is_null()) {
      return absl::NotFoundError(absl::StrCat("content ", content_id, " has no chunk manifest"));
    }
    ContentManifest out;
    out.size = head[0][0].as<uint64_t>();
    out.chunk_count = head[0][1].as<int64_t>();
    out.first_seq = first_seq;
    pqxx::result r = w_.exec_params(
        "SELECT cc.chunk_hash, c.pack_offset, c.stored_length, c.raw_length, c.codec,"
        " p.object_key FROM content_chunks cc JOIN chunks c ON c.hash = cc.chunk_hash"
        " JOIN packs p ON p.id = c.pack_id"
        " WHERE cc.content_id = $1 AND cc.seq >= $2 ORDER BY cc.seq LIMIT $3",
        content_id, first_seq, limit);
    out.chunks.reserve(r.size());
    for (const auto& row : r) out.chunks.push_back(LocationFromRow(row));
    const int64_t expected =
        std::max<int64_t>(0, std::min<int64_t>(limit, out.chunk_count - first_seq));
    if (static_cast<int64_t>(out.chunks.size()) != expected) {
      return absl::DataLossError(absl::StrCat("content ", content_id, " lists ",
                                              out.chunk_count, " chunks but ",
                                              out.chunks.size(), " rows from ", first_seq,
                                              " were found"));
    }
    return out;
  });
}

// ---- batched content forms (server/core chunked transfer) ----

absl::StatusOr<std::vector<ContentHead>> PgTxn::GetContentHeads(
    const std::vector<std::string>& content_ids) {
  return Run("get content heads", [&]() -> absl::StatusOr<std::vector<ContentHead>> {
    std::vector<ContentHead> out;
    if (content_ids.empty()) return out;
    pqxx::result r = w_.exec_params(
        "SELECT i.id, c.size, c.chunk_count FROM unnest($1::text[]) WITH ORDINALITY AS i (id, ord)"
        " JOIN contents c ON c.id = i.id ORDER BY i.ord",
        TextArrayLiteral(content_ids));
    out.reserve(r.size());
    for (const auto& row : r) {
      ContentHead head;
      head.id = row[0].as<std::string>();
      head.size = row[1].as<uint64_t>();
      if (!row[2].is_null()) head.chunk_count = row[2].as<int64_t>();
      out.push_back(std::move(head));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::InsertContentHeads(
    const std::vector<ContentHead>& heads) {
  return Run("insert content heads", [&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    if (heads.empty()) return out;
    std::vector<std::string> ids;
    std::vector<uint64_t> sizes, counts;
    for (const ContentHead& h : heads) {
      ids.push_back(h.id);
      sizes.push_back(h.size);
      counts.push_back(static_cast<uint64_t>(h.chunk_count.value_or(0)));
    }
    // The upsert locks each contents row: of racing transactions the first sets chunk_count
    // and writes the manifest; the others wait, then find chunk_count set and skip the row.
    // Rows are taken in id order so two batches sharing ids cannot deadlock.
    pqxx::result r = w_.exec_params(
        "INSERT INTO contents (id, size, chunk_count)"
        " SELECT i, s, c FROM unnest($1::text[], $2::bigint[], $3::integer[]) AS t (i, s, c)"
        " ORDER BY i"
        " ON CONFLICT (id) DO UPDATE SET chunk_count = EXCLUDED.chunk_count"
        " WHERE contents.chunk_count IS NULL RETURNING id, size",
        TextArrayLiteral(ids), NumberArray(sizes), NumberArray(counts));
    std::map<std::string, uint64_t> won;
    for (const auto& row : r) won[row[0].as<std::string>()] = row[1].as<uint64_t>();
    for (const ContentHead& h : heads) {
      auto it = won.find(h.id);
      if (it == won.end()) continue;
      if (it->second != h.size) {
        return absl::InvalidArgumentError(absl::StrCat("content ", h.id, " is recorded with ",
                                                       it->second, " bytes, not ", h.size));
      }
      out.push_back(h.id);
    }
    return out;
  });
}

absl::Status PgTxn::InsertContentChunks(const std::vector<ContentChunkRow>& rows) {
  return Run("insert content chunks", [&]() -> absl::Status {
    if (rows.empty()) return absl::OkStatus();
    std::vector<std::string> ids, hashes;
    std::vector<uint64_t> seqs;
    ids.reserve(rows.size());
    hashes.reserve(rows.size());
    seqs.reserve(rows.size());
    for (const ContentChunkRow& row : rows) {
      ids.push_back(row.content_id);
      seqs.push_back(static_cast<uint64_t>(row.seq));
      hashes.push_back(row.chunk_hash);
    }
    w_.exec_params(
        "INSERT INTO content_chunks (content_id, seq, chunk_hash)"
        " SELECT i, q, h FROM unnest($1::text[], $2::integer[], $3::text[]) AS t (i, q, h)",
        TextArrayLiteral(ids), NumberArray(seqs), TextArrayLiteral(hashes));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ContentChunkRow>> PgTxn::ListContentChunks(
    const std::vector<std::string>& content_ids) {
  return Run("list content chunks", [&]() -> absl::StatusOr<std::vector<ContentChunkRow>> {
    std::vector<ContentChunkRow> out;
    if (content_ids.empty()) return out;
    pqxx::result r = w_.exec_params(
        "SELECT cc.content_id, cc.seq, cc.chunk_hash, c.raw_length"
        " FROM unnest($1::text[]) WITH ORDINALITY AS i (id, ord)"
        " JOIN content_chunks cc ON cc.content_id = i.id JOIN chunks c ON c.hash = cc.chunk_hash"
        " ORDER BY i.ord, cc.seq",
        TextArrayLiteral(content_ids));
    out.reserve(r.size());
    for (const auto& row : r) {
      ContentChunkRow c;
      c.content_id = row[0].as<std::string>();
      c.seq = row[1].as<int64_t>();
      c.chunk_hash = row[2].as<std::string>();
      c.raw_length = row[3].as<uint64_t>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

}  // namespace mlvc::server::store::internal
