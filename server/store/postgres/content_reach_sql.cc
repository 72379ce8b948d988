// Reach: which stored contents and chunks a user may learn of and read (the rule is
// server/core/content_reach.h's; migration 0009 adds the indexes these queries probe).
// Every question is one statement over unnest()ed text[] parameters, one round trip for a
// batch of any size.
#include <pqxx/pqxx>

#include <set>

#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {
namespace {

// Whether repositories `repo_cond` ("= $2", "= ANY($3)") reference content `id`: a changeset
// added or modified a file with it, or a run recorded it as its environment file. One probe
// of changed_paths_by_content_idx or runs_by_env_file_idx each.
#define MLVC_REFERENCED(id, repo_cond)                                                  \
  "(EXISTS (SELECT 1 FROM changed_paths x WHERE x.content_id = " id                    \
  "   AND x.repo_id " repo_cond ")"                                                     \
  " OR EXISTS (SELECT 1 FROM runs r WHERE r.env_file_content_id = " id                 \
  "   AND r.repo_id " repo_cond "))"

// Whether user $2 reaches chunk `h` through repositories $3: a pack they uploaded holds it,
// they sent it again, or it is a chunk of a content those repositories reference. Each
// branch implies the chunk is stored (foreign keys).
#define MLVC_CHUNK_REACHED(h)                                                           \
  "(EXISTS (SELECT 1 FROM chunks c JOIN packs p ON p.id = c.pack_id"                   \
  "   WHERE c.hash = " h " AND p.uploaded_by = $2)"                                     \
  " OR EXISTS (SELECT 1 FROM chunk_possessions cp WHERE cp.user_id = $2"               \
  "   AND cp.chunk_hash = " h ")"                                                       \
  " OR EXISTS (SELECT 1 FROM content_chunks cc WHERE cc.chunk_hash = " h                \
  "   AND " MLVC_REFERENCED("cc.content_id", "= ANY($3::bigint[])") "))"

std::vector<std::string> Strings(const pqxx::result& r) {
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

std::string IdArray(const std::vector<int64_t>& ids) {
  std::vector<std::string> text;
  text.reserve(ids.size());
  for (int64_t id : ids) text.push_back(std::to_string(id));
  return TextArrayLiteral(text);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PgTxn::FindUnreachedChunks(
    const std::vector<std::string>& hashes, const ContentReach& reach) {
  if (!reach.repo_ids.has_value()) return FindMissingChunks(hashes);
  return Run("find unreached chunks", [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (hashes.empty()) return std::vector<std::string>();
    return Strings(w_.exec_params(
        "SELECT i.h FROM unnest($1::text[]) WITH ORDINALITY AS i (h, ord)"
        " WHERE NOT " MLVC_CHUNK_REACHED("i.h") " ORDER BY i.ord",
        TextArrayLiteral(hashes), reach.user_id, IdArray(*reach.repo_ids)));
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::FindUnreachedContents(
    const std::vector<std::string>& content_ids, const ContentReach& reach) {
  if (!reach.repo_ids.has_value()) return FindMissingContents(content_ids);
  return Run("find unreached contents", [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (content_ids.empty()) return std::vector<std::string>();
    // Referenced by a repository of the reach, or made of chunks all reached (the empty
    // content, with no chunk, is reached by everyone who asks: it holds nothing to learn).
    return Strings(w_.exec_params(
        "SELECT i.id FROM unnest($1::text[]) WITH ORDINALITY AS i (id, ord)"
        " WHERE NOT (EXISTS (SELECT 1 FROM contents k WHERE k.id = i.id) AND ("
        MLVC_REFERENCED("i.id", "= ANY($3::bigint[])")
        "  OR (EXISTS (SELECT 1 FROM contents k WHERE k.id = i.id"
        "        AND k.chunk_count IS NOT NULL)"
        "      AND NOT EXISTS (SELECT 1 FROM content_chunks m WHERE m.content_id = i.id"
        "        AND NOT " MLVC_CHUNK_REACHED("m.chunk_hash") "))))"
        " ORDER BY i.ord",
        TextArrayLiteral(content_ids), reach.user_id, IdArray(*reach.repo_ids)));
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::ContentsNotReferencedBy(
    int64_t repo_id, const std::vector<std::string>& content_ids) {
  return Run("find unreferenced contents", [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (content_ids.empty()) return std::vector<std::string>();
    return Strings(w_.exec_params(
        "SELECT i.id FROM unnest($1::text[]) WITH ORDINALITY AS i (id, ord)"
        " WHERE NOT " MLVC_REFERENCED("i.id", "= $2") " ORDER BY i.ord",
        TextArrayLiteral(content_ids), repo_id));
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::ChunksNotReferencedBy(
    int64_t repo_id, const std::vector<std::string>& hashes) {
  return Run("find unreferenced chunks", [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (hashes.empty()) return std::vector<std::string>();
    return Strings(w_.exec_params(
        "SELECT i.h FROM unnest($1::text[]) WITH ORDINALITY AS i (h, ord)"
        " WHERE NOT EXISTS (SELECT 1 FROM content_chunks cc WHERE cc.chunk_hash = i.h"
        "   AND " MLVC_REFERENCED("cc.content_id", "= $2") ")"
        " ORDER BY i.ord",
        TextArrayLiteral(hashes), repo_id));
  });
}

absl::Status PgTxn::RecordChunkPossessions(int64_t user_id,
                                           const std::vector<std::string>& hashes) {
  return Run("record chunk possessions", [&]() -> absl::Status {
    if (hashes.empty()) return absl::OkStatus();
    const std::set<std::string> unique(hashes.begin(), hashes.end());
    w_.exec_params(
        "INSERT INTO chunk_possessions (user_id, chunk_hash)"
        " SELECT $1, h FROM unnest($2::text[]) h ON CONFLICT DO NOTHING",
        user_id, TextArrayLiteral(std::vector<std::string>(unique.begin(), unique.end())));
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::store::internal
