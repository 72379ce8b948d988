// The record suites' environment: CoreTestEnv plus RecordService and MergeService, users
// alice (maintainer of "repo"), bob (writer; reader of "datasets") and rita (reader), and
// helpers to submit files and record runs. Test code only.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/access.h"
#include "server/core/merge_service.h"
#include "server/core/record_service.h"
#include "tests/integration/core/core_test_env.h"

namespace mlvc::server::core {

struct RecordEnv : CoreTestEnv {
  std::unique_ptr<MergeService> merge;
  std::unique_ptr<RecordService> record;
  Caller alice, bob, rita;
  int next_id = 0;

  RecordEnv() : CoreTestEnv(4) {
    merge = std::make_unique<MergeService>(*store, *blobs);
    record = std::make_unique<RecordService>(*store, *blobs, *history);
    alice = NewCaller("alice");
    bob = NewCaller("bob");
    rita = NewCaller("rita");
    REQUIRE(repos->CreateRepository(alice, "repo").ok());
    REQUIRE(repos->CreateRepository(alice, "datasets").ok());
    REQUIRE(GrantRoleAsServer(*store, "rita", "repo", Role::kReader).ok());
    REQUIRE(GrantRoleAsServer(*store, "bob", "repo", Role::kWriter).ok());
    REQUIRE(GrantRoleAsServer(*store, "bob", "datasets", Role::kReader).ok());
  }

  std::string NewId(const std::string& prefix = "s") {
    return absl::StrCat(prefix, "-", next_id++);
  }

  std::map<std::string, FileEntry> Files(const std::string& repo, int64_t number) {
    std::map<std::string, FileEntry> out;
    REQUIRE(history
                ->GetTree(repo, number, {}, [&](std::vector<FileEntry> batch) {
                  for (FileEntry& e : batch) out[e.path] = e;
                  return absl::OkStatus();
                })
                .ok());
    return out;
  }

  int64_t HeadOf(const std::string& repo, const std::string& ref) {
    auto r = repos->ResolveRef(repo, ref);
    REQUIRE(r.ok());
    return r->number;
  }

  // A submit request of `files` (nullopt: delete) on `branch` of `repo`, based on its head,
  // with the contents uploaded by `uploader` (alice by default): a submit may name only
  // contents its caller reaches.
  SubmitRequest MakeSubmit(const std::string& branch,
                           const std::map<std::string, std::optional<std::string>>& files,
                           const std::string& repo = "repo",
                           const Caller* uploader = nullptr) {
    const int64_t head = HeadOf(repo, branch);
    auto at_head = Files(repo, head);
    SubmitRequest r;
    r.repository = repo;
    r.branch = branch;
    r.base_number = head;
    r.submit_id = NewId();
    r.message = absl::StrCat("change on ", branch);
    for (const auto& [path, bytes] : files) {
      Change c;
      c.path = path;
      auto it = at_head.find(path);
      if (it != at_head.end()) c.base_content_id = it->second.content_id;
      if (!bytes.has_value()) {
        c.action = store::PathAction::kDelete;
      } else {
        c.action = it == at_head.end() ? store::PathAction::kAdd : store::PathAction::kModify;
        c.content_id = PutAs(uploader != nullptr ? *uploader : alice, *bytes);
        c.kind = common::NodeKind::kText;
      }
      r.changes.push_back(std::move(c));
    }
    return r;
  }

  int64_t Submit(const std::string& branch,
                 const std::map<std::string, std::optional<std::string>>& files,
                 const std::string& repo = "repo") {
    auto result = history->Submit(alice, MakeSubmit(branch, files, repo));
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    return result->changeset.changeset.number;
  }

  void Branch(const std::string& name, const std::string& from) {
    auto b = repos->CreateBranch(alice, "repo", name, from);
    INFO(b.status().ToString());
    REQUIRE(b.ok());
  }

  static RunSpec Spec(int kind, std::vector<store::RunMetricRecord> metrics = {}) {
    RunSpec s;
    s.kind = kind;
    s.metrics = std::move(metrics);
    return s;
  }

  store::RunRecord Record(const std::string& ref, const RunSpec& spec,
                          const Caller* who = nullptr) {
    auto run = record->RecordRun(who ? *who : alice, "repo", ref, spec, "");
    INFO(run.status().ToString());
    REQUIRE(run.ok());
    return *run;
  }

  // An eval run with one value of `key` at `ref`.
  store::RunRecord Eval(const std::string& ref, const std::string& key, double value) {
    return Record(ref, Spec(kRunEvalKind, {{key, value, std::nullopt}}));
  }

  static constexpr int kRunTrainKind = 1;
  static constexpr int kRunEvalKind = 2;
  static constexpr int kRunValidationKind = 3;
};

}  // namespace mlvc::server::core
