// Helpers for the Postgres store tests: a fresh migrated database with an open store.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/support/test_db.h"

namespace mlvc::server::store::testing {

struct MigratedStore {
  std::string uri;
  std::unique_ptr<PostgresMetadataStore> store;

  explicit MigratedStore(int pool_size = 4) : uri(mlvc::testing::FreshDatabaseUri()) {
    absl::Status migrated = Migrate(uri);
    REQUIRE(migrated.ok());
    auto opened = PostgresMetadataStore::Open(uri, pool_size);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }

  // Runs `body` in a transaction and REQUIREs that it succeeded.
  void Txn(const MetadataStore::TxnBody& body) {
    absl::Status s = store->RunInTransaction(body);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
};

// A 64-hex id made from a number, for contents and tree hashes.
inline std::string Id(int n) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064x", n);
  return buf;
}

}  // namespace mlvc::server::store::testing
