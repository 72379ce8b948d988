// Content-addressed tree nodes and the record of verified contents.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

void PrepareTreeAndContentStatements(pqxx::connection& conn) {
  conn.prepare("tree_get", "SELECT encoded FROM tree_nodes WHERE hash = $1");
  // One round trip for any number of nodes; bytes travel as hex so any byte is safe.
  conn.prepare("tree_put",
               "INSERT INTO tree_nodes (hash, encoded)"
               " SELECT h, decode(e, 'hex') FROM unnest($1::text[], $2::text[]) AS t (h, e)"
               " ON CONFLICT (hash) DO NOTHING");
  // One round trip for thousands of ids; WITH ORDINALITY keeps the input order.
  conn.prepare("content_missing",
               "SELECT i.id FROM unnest($1::text[]) WITH ORDINALITY AS i (id, ord)"
               " WHERE NOT EXISTS (SELECT 1 FROM contents c WHERE c.id = i.id)"
               " ORDER BY i.ord");
  conn.prepare("content_put",
               "INSERT INTO contents (id, size) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING");
  conn.prepare("content_size", "SELECT size FROM contents WHERE id = $1");
}

absl::StatusOr<std::string> PgTxn::GetTreeNode(const std::string& hash) {
  return Run("get tree node", [&]() -> absl::StatusOr<std::string> {
    pqxx::result r = w_.exec_prepared("tree_get", hash);
    if (r.empty()) return absl::NotFoundError("no tree node " + hash);
    return pqxx::binarystring(r[0][0]).str();
  });
}

absl::Status PgTxn::PutTreeNodes(const std::vector<TreeNodeRecord>& nodes) {
  return Run("put tree nodes", [&]() -> absl::Status {
    if (nodes.empty()) return absl::OkStatus();
    std::vector<std::string> hashes, encodings;
    hashes.reserve(nodes.size());
    encodings.reserve(nodes.size());
    for (const TreeNodeRecord& node : nodes) {
      hashes.push_back(node.hash);
      encodings.push_back(HexEncode(node.encoded));
    }
    w_.exec_prepared("tree_put", TextArrayLiteral(hashes), TextArrayLiteral(encodings));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> PgTxn::FindMissingContents(
    const std::vector<std::string>& content_ids) {
  return Run("find missing contents", [&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    if (content_ids.empty()) return out;
    for (const auto& row : w_.exec_prepared("content_missing", TextArrayLiteral(content_ids))) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
}

absl::Status PgTxn::PutContent(const std::string& content_id, uint64_t size) {
  return Run("put content", [&]() -> absl::Status {
    w_.exec_prepared("content_put", content_id, size);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<uint64_t>> PgTxn::GetContentSize(const std::string& content_id) {
  return Run("get content size", [&]() -> absl::StatusOr<std::optional<uint64_t>> {
    pqxx::result r = w_.exec_prepared("content_size", content_id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<uint64_t>();
  });
}

}  // namespace mlvc::server::store::internal
