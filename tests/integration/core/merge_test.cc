// Server-side merge, merge bases on a real history, and submit on a moved head with
// three-way text merges: server/core on a real, migrated Postgres and a filesystem blob store.
#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "server/core/access.h"
#include "server/core/authenticator.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
#include "server/core/merge_service.h"
#include "server/core/repository_service.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/integration/core/core_test_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_db.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using store::PathAction;

struct Env : CoreTestEnv {
  std::unique_ptr<MergeService> merge;
  Caller caller;
  std::atomic<int> next_id{0};

  Env() : CoreTestEnv(10) {
    merge = std::make_unique<MergeService>(*store, *blobs);
    caller = NewCaller("alice");
    REQUIRE(repos->CreateRepository(caller, "repo").ok());
  }

  // Thread-safe (no Catch assertions).
  absl::StatusOr<std::string> TryPut(const std::string& bytes) {
    return CoreTestEnv::TryPut(caller, bytes);
  }
  std::string Put(const std::string& bytes) { return PutAs(caller, bytes); }

  absl::StatusOr<std::string> TryRead(const std::string& id) {
    auto download = content->OpenDownload(Through(caller, "repo"), id, 0);
    if (!download.ok()) return download.status();
    std::string out, piece;
    for (;;) {
      absl::Status st = (*download)->Next(&piece);
      if (!st.ok()) return st;
      if (piece.empty()) return out;
      out += piece;
    }
  }
  std::string Read(const std::string& id) {
    auto bytes = TryRead(id);
    REQUIRE(bytes.ok());
    return *bytes;
  }

  int64_t Head(const std::string& branch = "main") {
    auto r = repos->ResolveRef("repo", branch);
    REQUIRE(r.ok());
    return r->number;
  }

  void CreateBranch(const std::string& name, int64_t from) {
    REQUIRE(store
                ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                  auto repo = txn.GetRepository("repo");
                  if (!repo.ok()) return repo.status();
                  return txn.CreateBranch(repo->id, name, from);
                })
                .ok());
  }

  // path -> FileEntry at changeset `number`.
  absl::StatusOr<std::map<std::string, FileEntry>> TryFiles(int64_t number) {
    std::map<std::string, FileEntry> out;
    absl::Status st = history->GetTree("repo", number, {}, [&](std::vector<FileEntry> batch) {
      for (FileEntry& e : batch) out[e.path] = e;
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    return out;
  }
  std::map<std::string, FileEntry> Files(int64_t number) {
    auto files = TryFiles(number);
    REQUIRE(files.ok());
    return *files;
  }
  // The text of `path` at the head of `branch` ("<absent>" when there is none).
  std::string TextAt(const std::string& branch, const std::string& path) {
    auto files = Files(Head(branch));
    auto it = files.find(path);
    if (it == files.end()) return "<absent>";
    return Read(it->second.content_id);
  }

  std::string NewSubmitId() { return absl::StrCat("s-", next_id.fetch_add(1)); }

  // Submits `changes` on `branch`, each based on what the branch head holds now.
  absl::StatusOr<SubmitResult> TrySubmit(const std::string& branch,
                                         const std::map<std::string, std::optional<std::string>>& files,
                                         NodeKind kind = NodeKind::kText) {
    const int64_t head = Head(branch);
    auto at_head = TryFiles(head);
    if (!at_head.ok()) return at_head.status();
    SubmitRequest r;
    r.repository = "repo";
    r.branch = branch;
    r.base_number = head;
    r.submit_id = NewSubmitId();
    r.message = "change";
    for (const auto& [path, bytes] : files) {
      Change c;
      c.path = path;
      auto it = at_head->find(path);
      if (it != at_head->end()) c.base_content_id = it->second.content_id;
      if (!bytes.has_value()) {
        c.action = PathAction::kDelete;
      } else {
        auto id = TryPut(*bytes);
        if (!id.ok()) return id.status();
        c.action = it == at_head->end() ? PathAction::kAdd : PathAction::kModify;
        c.content_id = *id;
        c.kind = kind;
      }
      r.changes.push_back(std::move(c));
    }
    return history->Submit(caller, r);
  }
  int64_t Submit(const std::string& branch,
                 const std::map<std::string, std::optional<std::string>>& files,
                 NodeKind kind = NodeKind::kText) {
    auto result = TrySubmit(branch, files, kind);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    return result->changeset.changeset.number;
  }

  absl::StatusOr<MergeResult> Merge(const std::string& source, const std::string& target,
                                    bool preview = false,
                                    MergeStrategy strategy = MergeStrategy::kConflict) {
    MergeRequest r;
    r.repository = "repo";
    r.source = source;
    r.target_branch = target;
    r.preview = preview;
    r.strategy = strategy;
    return merge->Merge(caller, r);
  }
};

// Ten numbered lines, with `edits` (line index -> text) applied.
std::string Lines(const std::map<int, std::string>& edits = {}) {
  std::string out;
  for (int i = 0; i < 10; ++i) {
    auto it = edits.find(i);
    out += (it == edits.end() ? absl::StrCat("line ", i) : it->second) + "\n";
  }
  return out;
}

std::vector<std::string> Paths(const std::vector<MergedFile>& files) {
  std::vector<std::string> out;
  for (const MergedFile& f : files) out.push_back(f.path);
  return out;
}

TEST_CASE("a clean merge commits one changeset with two parents", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}, {"b.bin", "B0"}});
  const int64_t fork = env.Head();
  env.CreateBranch("exp", fork);
  env.Submit("exp", {{"a.txt", Lines({{1, "exp edit"}})}, {"c.txt", "new\n"}});
  env.Submit("main", {{"a.txt", Lines({{8, "main edit"}})}});
  env.Submit("main", {{"b.bin", "B1"}}, NodeKind::kBinary);
  const int64_t main_head = env.Head();
  const int64_t exp_head = env.Head("exp");

  auto merged = env.Merge("exp", "main");
  INFO(merged.status().ToString());
  REQUIRE(merged.ok());
  REQUIRE(merged->changeset.has_value());
  const store::ChangesetRecord& cs = merged->changeset->changeset;
  CHECK(cs.number == main_head + 1);
  CHECK(cs.parent == main_head);
  CHECK(cs.merge_parent == exp_head);
  CHECK(cs.message == "Merge exp into main");
  CHECK(merged->base_number == fork);
  CHECK(env.Head() == cs.number);
  CHECK(env.Head("exp") == exp_head);  // the source does not move
  CHECK(Paths(merged->files) == std::vector<std::string>{"a.txt", "c.txt"});
  CHECK(merged->files[0].line_merged);
  CHECK(merged->files[1].action == PathAction::kAdd);
  CHECK(env.TextAt("main", "a.txt") == Lines({{1, "exp edit"}, {8, "main edit"}}));
  CHECK(env.TextAt("main", "c.txt") == "new\n");
  CHECK(env.TextAt("main", "b.bin") == "B1");
  REQUIRE(merged->changeset->changed_paths.size() == 2);
  CHECK(merged->changeset->changed_paths[0].path == "a.txt");
}

TEST_CASE("merging the same source again brings only what is new", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"a.txt", Lines({{1, "first"}})}});
  env.Submit("main", {{"m.txt", "main only\n"}});
  REQUIRE(env.Merge("exp", "main").ok());

  // Nothing new on exp: up to date, nothing written.
  const int64_t head = env.Head();
  auto again = env.Merge("exp", "main");
  REQUIRE(again.ok());
  CHECK(again->up_to_date);
  CHECK_FALSE(again->changeset.has_value());
  CHECK(env.Head() == head);

  // Main edits a.txt after the merge; exp adds a file. Only d.txt comes over, and main's
  // later edit of a.txt is not undone by exp's older version.
  env.Submit("main", {{"a.txt", Lines({{1, "first"}, {5, "main later"}})}});
  env.Submit("exp", {{"d.txt", "d\n"}});
  auto second = env.Merge("exp", "main");
  REQUIRE(second.ok());
  REQUIRE(second->changeset.has_value());
  CHECK(Paths(second->files) == std::vector<std::string>{"d.txt"});
  CHECK(env.TextAt("main", "a.txt") == Lines({{1, "first"}, {5, "main later"}}));

  // And back the other way: main into exp brings main's edits, m.txt included.
  auto back = env.Merge("main", "exp");
  REQUIRE(back.ok());
  CHECK(Paths(back->files) == std::vector<std::string>{"a.txt", "m.txt"});
  CHECK(env.TextAt("exp", "a.txt") == Lines({{1, "first"}, {5, "main later"}}));
}

TEST_CASE("a conflicting merge returns ABORTED with the paths and changes nothing",
          "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}, {"z.txt", Lines()}, {"ok.txt", "x\n"}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"a.txt", Lines({{3, "exp"}})}, {"z.txt", Lines({{0, "exp"}})},
                     {"ok.txt", "changed\n"}});
  env.Submit("main", {{"a.txt", Lines({{3, "main"}})}, {"z.txt", Lines({{0, "main"}})}});
  const int64_t head = env.Head();

  auto merged = env.Merge("exp", "main");
  CHECK(absl::IsAborted(merged.status()));
  CHECK(merged.status().message() == "merge conflict in 2 paths: a.txt, z.txt");
  CHECK(env.Head() == head);
  CHECK(env.TextAt("main", "ok.txt") == "x\n");
  // No changeset number was used up.
  CHECK(env.Submit("main", {{"n.txt", "n\n"}}) == head + 1);
}

TEST_CASE("a merge preview reports changes and conflicts and writes nothing",
          "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}, {"b.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"a.txt", Lines({{3, "exp"}})}, {"b.txt", Lines({{0, "exp"}})},
                     {"new.txt", "new\n"}});
  env.Submit("main", {{"a.txt", Lines({{3, "main"}})}, {"b.txt", Lines({{9, "main"}})}});
  const int64_t head = env.Head();

  auto preview = env.Merge("exp", "main", /*preview=*/true);
  REQUIRE(preview.ok());
  CHECK_FALSE(preview->changeset.has_value());
  CHECK(Paths(preview->files) == std::vector<std::string>{"b.txt", "new.txt"});
  REQUIRE(preview->conflicts.size() == 1);
  CHECK(preview->conflicts[0].path == "a.txt");
  CHECK(absl::StrContains(preview->conflicts[0].reason, "overlapping"));
  CHECK(preview->conflicts[0].base.has_value());
  CHECK(preview->conflicts[0].target.has_value());
  CHECK(preview->conflicts[0].source.has_value());
  // The merged text is described but not stored.
  const std::string merged_id = preview->files[0].result->content_id;
  CHECK(merged_id == common::Sha256Hex(Lines({{0, "exp"}, {9, "main"}})));
  CHECK(absl::IsNotFound(
      env.content->OpenDownload(env.Through(env.caller, "repo"), merged_id, 0).status()));
  CHECK(env.Head() == head);
}

TEST_CASE("binary files changed on both sides follow the strategy", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"m.bin", "M0"}, {"gone.bin", "G0"}}, NodeKind::kBinary);
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"m.bin", "M-exp"}, {"gone.bin", "G-exp"}}, NodeKind::kBinary);
  env.Submit("main", {{"m.bin", "M-main"}, {"gone.bin", std::nullopt}}, NodeKind::kBinary);
  const int64_t head = env.Head();

  auto conflict = env.Merge("exp", "main");
  CHECK(absl::IsAborted(conflict.status()));
  CHECK(absl::StrContains(conflict.status().message(), "gone.bin, m.bin"));
  auto preview = env.Merge("exp", "main", true);
  REQUIRE(preview.ok());
  REQUIRE(preview->conflicts.size() == 2);
  CHECK(preview->conflicts[0].reason == "changed in the source, deleted in the target");
  CHECK(preview->conflicts[1].reason == "binary file changed on both sides");
  CHECK(env.Head() == head);

  SECTION("ours keeps the target's versions") {
    auto merged = env.Merge("exp", "main", false, MergeStrategy::kOurs);
    REQUIRE(merged.ok());
    REQUIRE(merged->changeset.has_value());
    CHECK(merged->files.empty());
    CHECK(env.TextAt("main", "m.bin") == "M-main");
    CHECK(env.TextAt("main", "gone.bin") == "<absent>");
  }
  SECTION("theirs takes the source's versions") {
    auto merged = env.Merge("exp", "main", false, MergeStrategy::kTheirs);
    REQUIRE(merged.ok());
    CHECK(Paths(merged->files) == std::vector<std::string>{"gone.bin", "m.bin"});
    CHECK(env.TextAt("main", "m.bin") == "M-exp");
    CHECK(env.TextAt("main", "gone.bin") == "G-exp");
  }
}

TEST_CASE("text conflicts are not settled by the binary strategy", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"a.txt", Lines({{3, "exp"}})}});
  env.Submit("main", {{"a.txt", Lines({{3, "main"}})}});
  CHECK(absl::IsAborted(env.Merge("exp", "main", false, MergeStrategy::kTheirs).status()));
}

TEST_CASE("merge errors name what is wrong", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  auto unknown_source = env.Merge("nope", "main");
  CHECK(absl::IsNotFound(unknown_source.status()));
  CHECK(absl::StrContains(unknown_source.status().message(), "nope"));
  auto unknown_target = env.Merge("main", "nope");
  CHECK(absl::IsNotFound(unknown_target.status()));
  CHECK(absl::StrContains(unknown_target.status().message(), "unknown branch 'nope'"));
  CHECK(absl::IsInvalidArgument(env.Merge("main", "bad name!").status()));
  MergeRequest r;
  r.repository = "nope";
  r.source = "main";
  r.target_branch = "main";
  CHECK(absl::IsNotFound(env.merge->Merge(env.caller, r).status()));
  // Merging a branch into itself: nothing to do.
  auto self = env.Merge("main", "main");
  REQUIRE(self.ok());
  CHECK(self->up_to_date);
}

TEST_CASE("a reader may preview a merge but not merge", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"b.txt", "b\n"}});
  auto token = env.auth->CreateUser("bob", false);
  REQUIRE(token.ok());
  auto bob = env.auth->Authenticate(*token);
  REQUIRE(bob.ok());
  REQUIRE(GrantRoleAsServer(*env.store, "bob", "repo", store::Role::kReader).ok());
  Caller caller{*bob, ""};
  MergeRequest r;
  r.repository = "repo";
  r.source = "exp";
  r.target_branch = "main";
  const int64_t head = env.Head();
  CHECK(absl::IsPermissionDenied(env.Authorize(caller, "mlvc.v1.HistoryService/Merge", "repo")));
  r.preview = true;
  REQUIRE(env.Authorize(caller, "mlvc.v1.HistoryService/Merge", "repo", false,
                        /*read_only=*/true)
              .ok());
  CHECK(env.merge->Merge(caller, r).ok());
  CHECK(env.Head() == head);
}

TEST_CASE("a retried merge with the same submit id returns the first changeset",
          "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("exp", {{"b.txt", "b\n"}});
  MergeRequest r;
  r.repository = "repo";
  r.source = "exp";
  r.target_branch = "main";
  r.submit_id = "merge-1";
  auto first = env.merge->Merge(env.caller, r);
  REQUIRE(first.ok());
  auto second = env.merge->Merge(env.caller, r);
  REQUIRE(second.ok());
  CHECK(second->replayed);
  CHECK(second->changeset->changeset.number == first->changeset->changeset.number);
  CHECK(env.Head() == first->changeset->changeset.number);
}

TEST_CASE("criss-cross merges pick the highest maximal common ancestor", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}, {"b.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  env.Submit("main", {{"a.txt", Lines({{0, "main"}})}});
  const int64_t m1 = env.Head();
  env.Submit("exp", {{"b.txt", Lines({{9, "exp"}})}});
  const int64_t e1 = env.Head("exp");
  // Cross-merge both ways from the same two heads (a criss-cross): merge main@m1 into exp
  // and exp@e1 into main.
  MergeRequest r;
  r.repository = "repo";
  r.source = absl::StrCat(m1);
  r.target_branch = "exp";
  REQUIRE(env.merge->Merge(env.caller, r).ok());
  r.source = absl::StrCat(e1);
  r.target_branch = "main";
  REQUIRE(env.merge->Merge(env.caller, r).ok());
  env.Submit("main", {{"a.txt", Lines({{0, "main"}, {4, "main again"}})}});
  env.Submit("exp", {{"b.txt", Lines({{9, "exp"}, {6, "exp again"}})}});

  auto preview = env.Merge("exp", "main", true);
  REQUIRE(preview.ok());
  CHECK(preview->base_number == std::max(m1, e1));
  CHECK(preview->conflicts.empty());
  auto merged = env.Merge("exp", "main");
  REQUIRE(merged.ok());
  CHECK(env.TextAt("main", "a.txt") == Lines({{0, "main"}, {4, "main again"}}));
  CHECK(env.TextAt("main", "b.txt") == Lines({{9, "exp"}, {6, "exp again"}}));
}

TEST_CASE("submit on a moved head merges a text changed on both sides", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}, {"b.bin", "B0"}});
  const int64_t base = env.Head();
  const auto at_base = env.Files(base);
  env.Submit("main", {{"a.txt", Lines({{8, "upstream"}})}});
  env.Submit("main", {{"b.bin", "B1"}}, NodeKind::kBinary);

  auto stale = [&](const std::string& path, const std::string& bytes, NodeKind kind) {
    SubmitRequest r;
    r.repository = "repo";
    r.branch = "main";
    r.base_number = base;
    r.submit_id = env.NewSubmitId();
    r.message = "stale edit";
    Change c;
    c.path = path;
    c.action = PathAction::kModify;
    c.content_id = env.Put(bytes);
    c.kind = kind;
    c.base_content_id = at_base.at(path).content_id;
    r.changes.push_back(c);
    return env.history->Submit(env.caller, r);
  };

  SECTION("clean: the merged text lands and is reported") {
    auto result = stale("a.txt", Lines({{1, "mine"}}), NodeKind::kText);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result->merged_paths == std::vector<std::string>{"a.txt"});
    CHECK(env.TextAt("main", "a.txt") == Lines({{1, "mine"}, {8, "upstream"}}));
    REQUIRE(result->changeset.changed_paths.size() == 1);
    CHECK(result->changeset.changed_paths[0].content_id ==
          common::Sha256Hex(Lines({{1, "mine"}, {8, "upstream"}})));
  }
  SECTION("overlapping: out of date and nothing changes") {
    const int64_t head = env.Head();
    auto result = stale("a.txt", Lines({{8, "mine"}}), NodeKind::kText);
    CHECK(absl::IsFailedPrecondition(result.status()));
    CHECK(absl::StrContains(result.status().message(), "out of date: 'a.txt'"));
    CHECK(env.Head() == head);
  }
  SECTION("binary: out of date") {
    auto result = stale("b.bin", "B-mine", NodeKind::kBinary);
    CHECK(absl::IsFailedPrecondition(result.status()));
    CHECK(absl::StrContains(result.status().message(), "out of date: 'b.bin'"));
  }
}

TEST_CASE("submit records a working-copy merge parent", "[postgres][merge]") {
  Env env;
  env.Submit("main", {{"a.txt", Lines()}});
  env.CreateBranch("exp", env.Head());
  const int64_t exp_head = env.Submit("exp", {{"b.txt", "b\n"}});
  SubmitRequest r;
  r.repository = "repo";
  r.branch = "main";
  r.base_number = env.Head();
  r.submit_id = env.NewSubmitId();
  r.message = "merge exp by hand";
  Change c;
  c.path = "b.txt";
  c.action = PathAction::kAdd;
  c.content_id = env.Put("b\n");
  c.kind = NodeKind::kText;
  r.changes.push_back(c);

  r.merge_parent = 999;
  auto unknown = env.history->Submit(env.caller, r);
  CHECK(absl::IsNotFound(unknown.status()));
  CHECK(absl::StrContains(unknown.status().message(), "@999"));

  r.merge_parent = exp_head;
  auto result = env.history->Submit(env.caller, r);
  REQUIRE(result.ok());
  CHECK(result->changeset.changeset.merge_parent == exp_head);
  // The next server-side merge of exp finds nothing new.
  auto again = env.Merge("exp", "main");
  REQUIRE(again.ok());
  CHECK(again->up_to_date);
}

TEST_CASE("16 clients submitting 20 times each to one branch lose nothing",
          "[postgres][merge][concurrency]") {
  Env env;
  constexpr int kClients = 16, kSubmits = 20, kTextClients = 8, kSpacing = 10;
  // The shared file: kTextClients regions, each owned by one client, 9 lines apart.
  auto shared_text = [&](const std::vector<int>& versions) {
    std::string out;
    for (int i = 0; i < kTextClients * kSpacing; ++i) {
      if (i % kSpacing == kSpacing / 2) {
        out += absl::StrCat("client ", i / kSpacing, " version ", versions[i / kSpacing], "\n");
      } else {
        out += absl::StrCat("filler ", i, "\n");
      }
    }
    return out;
  };
  env.Submit("main", {{"shared.txt", shared_text(std::vector<int>(kTextClients, 0))}});
  const int64_t start = env.Head();

  struct Outcome {
    int landed = 0;
    int merged = 0;
    std::vector<std::string> refusals;  // every refusal, with its message
    int last_version = 0;
  };
  std::vector<Outcome> outcomes(kClients);
  // Every text client reads the head before any of them submits its first edit, so those
  // first submits share a base and all but one land on a moved head whose shared.txt
  // changed: merges happen by construction, not because the threads happened to overlap.
  std::latch first_reads(kTextClients);
  std::vector<std::thread> threads;
  for (int client = 0; client < kClients; ++client) {
    threads.emplace_back([&, client] {
      Outcome& out = outcomes[client];
      const bool text = client < kTextClients;
      for (int k = 1; k <= kSubmits; ++k) {
        absl::StatusOr<SubmitResult> result;
        if (text) {
          // Read the head's shared file, change only this client's line, submit.
          absl::StatusOr<int64_t> head_number = [&]() -> absl::StatusOr<int64_t> {
            auto r = env.repos->ResolveRef("repo", "main");
            if (!r.ok()) return r.status();
            return r->number;
          }();
          absl::StatusOr<std::map<std::string, FileEntry>> files =
              head_number.ok() ? env.TryFiles(*head_number)
                               : absl::StatusOr<std::map<std::string, FileEntry>>(
                                     head_number.status());
          // Reached whatever failed above, so that no client waits for one that gave up.
          if (k == 1) first_reads.arrive_and_wait();
          if (!files.ok()) {
            out.refusals.push_back(files.status().ToString());
            continue;
          }
          const FileEntry& shared = files->at("shared.txt");
          auto bytes = env.TryRead(shared.content_id);
          if (!bytes.ok()) {
            out.refusals.push_back(bytes.status().ToString());
            continue;
          }
          std::string mine = *bytes;
          const std::string old_line =
              absl::StrCat("client ", client, " version ", out.last_version, "\n");
          const size_t at = mine.find(old_line);
          if (at == std::string::npos) {
            out.refusals.push_back("own line lost before submit " + std::to_string(k));
            continue;
          }
          mine.replace(at, old_line.size(), absl::StrCat("client ", client, " version ", k, "\n"));
          auto id = env.TryPut(mine);
          if (!id.ok()) {
            out.refusals.push_back(id.status().ToString());
            continue;
          }
          SubmitRequest r;
          r.repository = "repo";
          r.branch = "main";
          r.base_number = *head_number;
          r.submit_id = absl::StrCat("c", client, "-", k);
          r.message = r.submit_id;
          Change c;
          c.path = "shared.txt";
          c.action = PathAction::kModify;
          c.content_id = *id;
          c.kind = NodeKind::kText;
          c.base_content_id = shared.content_id;
          r.changes.push_back(c);
          result = env.history->Submit(env.caller, r);
        } else {
          const std::string path = absl::StrCat("own/", client, ".bin");
          const std::string previous = absl::StrCat("client ", client, " v", out.last_version);
          auto id = env.TryPut(absl::StrCat("client ", client, " v", k));
          if (!id.ok()) {
            out.refusals.push_back(id.status().ToString());
            continue;
          }
          SubmitRequest r;
          r.repository = "repo";
          r.branch = "main";
          r.base_number = start;
          r.submit_id = absl::StrCat("c", client, "-", k);
          r.message = r.submit_id;
          Change c;
          c.path = path;
          c.content_id = *id;
          c.kind = NodeKind::kBinary;
          if (k == 1) {
            c.action = PathAction::kAdd;
          } else {
            c.action = PathAction::kModify;
            c.base_content_id = common::Sha256Hex(previous);
          }
          r.changes.push_back(c);
          result = env.history->Submit(env.caller, r);
        }
        if (result.ok()) {
          ++out.landed;
          if (!result->merged_paths.empty()) ++out.merged;
          out.last_version = k;
        } else {
          out.refusals.push_back(result.status().ToString());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  int landed = 0, merged = 0;
  std::vector<int> text_versions;
  for (int client = 0; client < kClients; ++client) {
    const Outcome& out = outcomes[client];
    INFO("client " << client);
    for (const std::string& refusal : out.refusals) {
      // Regions far apart always merge: any refusal here is a lost submit.
      FAIL_CHECK("refused: " << refusal);
    }
    landed += out.landed;
    merged += out.merged;
    if (client < kTextClients) text_versions.push_back(out.last_version);
  }
  CHECK(landed == kClients * kSubmits);
  CHECK(merged >= kTextClients - 1);  // at least the first submits after the shared read
  // Every landed edit is in the final text, nothing else changed.
  CHECK(env.TextAt("main", "shared.txt") == shared_text(text_versions));
  auto files = env.Files(env.Head());
  for (int client = kTextClients; client < kClients; ++client) {
    const auto& out = outcomes[client];
    CHECK(env.Read(files.at(absl::StrCat("own/", client, ".bin")).content_id) ==
          absl::StrCat("client ", client, " v", out.last_version));
  }
  // Changeset numbers are contiguous along main.
  auto log = env.history->Log("repo", "main", "", 10000, false);
  REQUIRE(log.ok());
  REQUIRE(static_cast<int>(log->size()) == 2 + landed);  // @0, the first submit, every landing
  for (size_t i = 0; i + 1 < log->size(); ++i) {
    CHECK((*log)[i].changeset.number == (*log)[i + 1].changeset.number + 1);
    CHECK((*log)[i].changeset.parent == (*log)[i + 1].changeset.number);
  }
}

}  // namespace
}  // namespace mlvc::server::core
