// The in-process server core each core integration suite starts from: a fresh migrated
// database, a blob store (filesystem, or S3 with MLVC_TEST_BLOBS=s3; tests/support/
// test_blobs.h), and the core services wired as mlvcd wires them. Suites derive their own
// Env from it and add the services and helpers they need.
// Test code only. Not thread-safe to construct; TryPut may be called from any thread.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/hash/sha256.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/authorization_table.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
#include "server/core/repository_service.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_blobs.h"
#include "tests/support/test_db.h"

namespace mlvc::server::core {

struct CoreTestEnv {
  testing::TempDir dir;
  std::string uri;
  std::unique_ptr<store::PostgresMetadataStore> store;
  std::unique_ptr<store::BlobStore> blobs;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<AccessControl> access;
  std::unique_ptr<RepositoryService> repos;
  std::unique_ptr<HistoryService> history;
  std::unique_ptr<ContentService> content;

  explicit CoreTestEnv(int pool_size) : uri(testing::FreshDatabaseUri()) {
    REQUIRE(store::Migrate(uri).ok());
    auto s = store::PostgresMetadataStore::Open(uri, pool_size);
    REQUIRE(s.ok());
    store = *std::move(s);
    auto b = testing::OpenTestBlobStore(dir.Sub("blobs"));
    INFO(b.status().ToString());
    REQUIRE(b.ok());
    blobs = *std::move(b);
    auth = std::make_unique<Authenticator>(*store);
    access = std::make_unique<AccessControl>(*store);
    repos = std::make_unique<RepositoryService>(*store);
    history = std::make_unique<HistoryService>(*store);
    history->SetBlobStore(blobs.get());
    content = std::make_unique<ContentService>(*store, *blobs);
  }

  // What the authorization table lets `who` do: the decision the edge makes before a call of
  // `method` ("mlvc.v1.LockService/Lock") naming `repository` (with the rule's escalation
  // flag set when `escalate`). Core services no longer decide roles themselves.
  absl::Status Authorize(const Caller& who, const std::string& method,
                         const std::string& repository, bool escalate = false,
                         bool read_only = false) {
    const Requirement* rule = FindRequirement(method);
    REQUIRE(rule != nullptr);
    RequestFacts facts;
    facts.repository = repository;
    facts.escalate = escalate;
    facts.read_only = read_only;
    return access->Authorize(who, *rule, facts);
  }

  // The id of repository `name` (content reads go through one).
  int64_t RepoId(const std::string& name) {
    int64_t id = 0;
    REQUIRE(store
                ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                  auto repo = txn.GetRepository(name);
                  if (!repo.ok()) return repo.status();
                  id = repo->id;
                  return absl::OkStatus();
                })
                .ok());
    return id;
  }

  // `who` calling through repository `name` (content reads are scoped to it).
  Caller Through(const Caller& who, const std::string& name) {
    Caller c = who;
    c.repo_id = RepoId(name);
    return c;
  }

  // Creates a user and returns it as a caller.
  Caller NewCaller(const std::string& name, bool admin = false) {
    auto token = auth->CreateUser(name, admin);
    REQUIRE(token.ok());
    auto user = auth->Authenticate(*token);
    REQUIRE(user.ok());
    Caller caller;
    caller.user = *user;
    return caller;
  }

  // Uploads `bytes` as `who` in pieces of `piece` bytes (to exercise streaming) and returns
  // its content id. Thread-safe: no Catch assertions.
  absl::StatusOr<std::string> TryPut(const Caller& who, const std::string& bytes,
                                     size_t piece = 1 << 20) {
    const std::string id = common::Sha256Hex(bytes);
    auto upload = content->BeginUpload(who, {id, bytes.size()});
    if (!upload.ok()) return upload.status();
    for (size_t i = 0; i < bytes.size(); i += piece) {
      absl::Status appended = (*upload)->Append(bytes.substr(i, piece));
      if (!appended.ok()) return appended;
    }
    auto finished = (*upload)->Finish();
    if (!finished.ok()) return finished.status();
    return id;
  }

  std::string PutAs(const Caller& who, const std::string& bytes, size_t piece = 1 << 20) {
    auto id = TryPut(who, bytes, piece);
    INFO(id.status().ToString());
    REQUIRE(id.ok());
    return *id;
  }

  // The changeset a ref of "repo" names now.
  int64_t Head(const std::string& ref = "main") {
    auto r = repos->ResolveRef("repo", ref);
    REQUIRE(r.ok());
    return r->number;
  }
};

}  // namespace mlvc::server::core
