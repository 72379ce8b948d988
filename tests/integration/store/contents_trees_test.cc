// Tree nodes and contents of the Postgres metadata store.
#include <catch2/catch.hpp>

#include "common/status/status_macros.h"
#include "tests/integration/store/store_test_util.h"

namespace mlvc::server::store {
namespace {

using testing::Id;
using testing::MigratedStore;

TEST_CASE("tree nodes round-trip any bytes and are put once", "[postgres]") {
  MigratedStore db;
  const std::string binary("t - 3 abc na\0me\n\xff\x01", 18);
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.PutTreeNodes({{Id(1), ""}, {Id(2), binary}, {Id(3), "d - 0 x y\n"}}));
    // Present nodes are left as they are (content addressing: same hash, same bytes).
    RETURN_IF_ERROR(txn.PutTreeNodes({{Id(2), "ignored"}, {Id(4), "new"}}));
    RETURN_IF_ERROR(txn.PutTreeNodes({}));
    return absl::OkStatus();
  });
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::string empty, txn.GetTreeNode(Id(1)));
    CHECK(empty.empty());
    ASSIGN_OR_RETURN(std::string got, txn.GetTreeNode(Id(2)));
    CHECK(got == binary);
    ASSIGN_OR_RETURN(std::string fourth, txn.GetTreeNode(Id(4)));
    CHECK(fourth == "new");
    CHECK(txn.GetTreeNode(Id(5)).status().code() == absl::StatusCode::kNotFound);
    return absl::OkStatus();
  });
}

TEST_CASE("contents: put - size - idempotent", "[postgres]") {
  MigratedStore db;
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.PutContent(Id(9), 5ull << 32));
    RETURN_IF_ERROR(txn.PutContent(Id(9), 1));  // already recorded: left as it is
    RETURN_IF_ERROR(txn.PutContent(Id(10), 0));
    ASSIGN_OR_RETURN(auto size, txn.GetContentSize(Id(9)));
    CHECK(size == (5ull << 32));
    ASSIGN_OR_RETURN(auto zero, txn.GetContentSize(Id(10)));
    CHECK(zero == 0u);
    ASSIGN_OR_RETURN(auto none, txn.GetContentSize(Id(11)));
    CHECK_FALSE(none.has_value());
    return absl::OkStatus();
  });
}

TEST_CASE("FindMissingContents answers 5000 ids in input order", "[postgres]") {
  MigratedStore db;
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    for (int i = 0; i < 5000; i += 3) RETURN_IF_ERROR(txn.PutContent(Id(i), i));
    return absl::OkStatus();
  });
  std::vector<std::string> ids;
  std::vector<std::string> expected;
  for (int i = 4999; i >= 0; --i) {  // descending: the answer must keep this order
    ids.push_back(Id(i));
    if (i % 3 != 0) expected.push_back(Id(i));
  }
  db.Txn([&](MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto missing, txn.FindMissingContents(ids));
    CHECK(missing.size() == expected.size());
    CHECK(missing == expected);
    ASSIGN_OR_RETURN(auto nothing, txn.FindMissingContents({}));
    CHECK(nothing.empty());
    // Odd strings are simply missing, and cannot break the array literal.
    ASSIGN_OR_RETURN(auto odd, txn.FindMissingContents({"a\"b", "c,d}", "NULL", "x\\y", Id(0)}));
    CHECK(odd == std::vector<std::string>{"a\"b", "c,d}", "NULL", "x\\y"});
    return absl::OkStatus();
  });
}

}  // namespace
}  // namespace mlvc::server::store
