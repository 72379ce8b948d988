// server/core on a real, migrated Postgres and a filesystem blob store (registered a second
// time on the S3 blob store: MLVC_TEST_BLOBS=s3).
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "server/core/authenticator.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
#include "server/core/repository_service.h"
#include "server/store/blob/fs_blob_store.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"
#include "tests/integration/core/core_test_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_blobs.h"
#include "tests/support/test_db.h"

namespace mlvc::server::core {
namespace {

using store::PathAction;

struct Env : CoreTestEnv {
  Caller caller;

  Env() : CoreTestEnv(10) {
    caller = NewCaller("alice");
    REQUIRE(repos->CreateRepository(caller, "repo").ok());
  }

  // Uploads `bytes` in pieces of 7 bytes, to exercise streaming, and returns its id.
  std::string Put(const std::string& bytes) { return PutAs(caller, bytes, 7); }

  std::map<std::string, std::string> Files(int64_t number) {
    std::map<std::string, std::string> out;
    REQUIRE(history
                ->GetTree("repo", number, {},
                          [&](std::vector<FileEntry> batch) {
                            for (const FileEntry& e : batch) out[e.path] = e.content_id;
                            return absl::OkStatus();
                          })
                .ok());
    return out;
  }
};

Change Add(const std::string& path, const std::string& id) {
  Change c;
  c.path = path;
  c.action = PathAction::kAdd;
  c.content_id = id;
  c.kind = common::NodeKind::kText;
  return c;
}
Change Modify(const std::string& path, const std::string& id, const std::string& base) {
  Change c = Add(path, id);
  c.action = PathAction::kModify;
  c.base_content_id = base;
  return c;
}
Change Delete(const std::string& path, const std::string& base) {
  Change c;
  c.path = path;
  c.action = PathAction::kDelete;
  c.base_content_id = base;
  return c;
}

SubmitRequest Request(std::vector<Change> changes, const std::string& submit_id, int64_t base = 0) {
  SubmitRequest r;
  r.repository = "repo";
  r.branch = "main";
  r.base_number = base;
  r.submit_id = submit_id;
  r.message = "change " + submit_id;
  r.changes = std::move(changes);
  return r;
}

TEST_CASE("a new repository has @0 - empty - and branch main", "[postgres][core]") {
  Env env;
  CHECK(env.Head() == 0);
  CHECK(env.Files(0).empty());
  auto branches = env.repos->ListBranches("repo");
  REQUIRE(branches.ok());
  REQUIRE(branches->size() == 1);
  CHECK((*branches)[0].name == "main");
  CHECK(absl::IsAlreadyExists(env.repos->CreateRepository(env.caller, "repo").status()));
  CHECK(absl::IsInvalidArgument(env.repos->CreateRepository(env.caller, "../x").status()));
  auto missing = env.repos->ResolveRef("repo", "nope");
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(std::string(missing.status().message()) ==
        "unknown branch or label 'nope' in repository 'repo'");
  CHECK(absl::IsNotFound(env.repos->ResolveRef("repo", "@5").status()));
  CHECK(env.repos->ResolveRef("repo", "@0")->number == 0);
  CHECK(absl::IsNotFound(env.repos->ResolveRef("nope", "").status()));
}

TEST_CASE("submit - tree - log and diff round trip", "[postgres][core]") {
  Env env;
  const std::string a1 = env.Put("alpha\n"), b1 = env.Put("beta\n"), a2 = env.Put("alpha 2\n");
  auto first =
      env.history->Submit(env.caller, Request({Add("src/a.txt", a1), Add("b.bin", b1)}, "s1"));
  REQUIRE(first.ok());
  CHECK(first->changeset.changeset.number == 1);
  CHECK(first->changeset.changeset.author_name == "alice");
  CHECK_FALSE(first->replayed);
  CHECK(env.Files(1) == std::map<std::string, std::string>{{"b.bin", b1}, {"src/a.txt", a1}});

  auto second = env.history->Submit(
      env.caller, Request({Modify("src/a.txt", a2, a1), Delete("b.bin", b1)}, "s2", 1));
  REQUIRE(second.ok());
  CHECK(env.Files(2) == std::map<std::string, std::string>{{"src/a.txt", a2}});

  auto log = env.history->Log("repo", "", "", 0, true);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 3);
  CHECK((*log)[0].changeset.number == 2);
  CHECK((*log)[0].changed_paths.size() == 2);
  auto path_log = env.history->Log("repo", "main", "b.bin", 0, false);
  REQUIRE(path_log.ok());
  REQUIRE(path_log->size() == 2);
  CHECK((*path_log)[0].changeset.number == 2);
  CHECK((*path_log)[1].changeset.number == 1);

  auto diff = env.history->Diff("repo", 1, 2, {});
  REQUIRE(diff.ok());
  REQUIRE(diff->size() == 2);
  CHECK((*diff)[0].path == "b.bin");
  CHECK((*diff)[0].action == PathAction::kDelete);
  CHECK((*diff)[1].path == "src/a.txt");
  CHECK((*diff)[1].action == PathAction::kModify);

  auto cs = env.history->GetChangeset("repo", 2);
  REQUIRE(cs.ok());
  CHECK(cs->changeset.parent == 1);
  CHECK(cs->changeset.message == "change s2");
  CHECK(absl::IsNotFound(env.history->GetChangeset("repo", 3).status()));

  // Filtered tree only.
  std::vector<std::string> paths;
  REQUIRE(env.history
              ->GetTree("repo", 1, {"src"},
                        [&](std::vector<FileEntry> batch) {
                          for (auto& e : batch) paths.push_back(e.path);
                          return absl::OkStatus();
                        })
              .ok());
  CHECK(paths == std::vector<std::string>{"src/a.txt"});
}

TEST_CASE("8 threads x 25 submits to one branch commit on top of each other", "[postgres][core]") {
  Env env;
  const std::string id = env.Put("same bytes");
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Always based on @0: the server must put it on top of whatever the head is.
        auto r = env.history->Submit(env.caller, Request({Add(absl::StrCat("t", t, "/f", i), id)},
                                                         absl::StrCat("t", t, "-", i), 0));
        if (!r.ok()) {
          UNSCOPED_INFO(r.status().ToString());
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  const int64_t head = env.Head();
  CHECK(head == kThreads * kEach);
  auto log = env.history->Log("repo", "", "", 1000, false);
  REQUIRE(log.ok());
  REQUIRE(log->size() == kThreads * kEach + 1);
  for (size_t i = 0; i < log->size(); ++i) {
    CHECK((*log)[i].changeset.number == static_cast<int64_t>(log->size() - 1 - i));
  }
  auto files = env.Files(head);
  CHECK(files.size() == kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) CHECK(files.count(absl::StrCat("t", t, "/f", i)) == 1);
  }
}

TEST_CASE("an edit of a path changed since the base is out of date", "[postgres][core]") {
  Env env;
  const std::string v1 = env.Put("v1"), v2 = env.Put("v2"), v3 = env.Put("v3");
  REQUIRE(env.history->Submit(env.caller, Request({Add("model.cfg", v1)}, "base")).ok());
  // Both clients start from @1.
  auto a = env.history->Submit(env.caller, Request({Modify("model.cfg", v2, v1)}, "a", 1));
  REQUIRE(a.ok());
  auto b = env.history->Submit(env.caller, Request({Modify("model.cfg", v3, v1)}, "b", 1));
  CHECK(absl::IsFailedPrecondition(b.status()));
  CHECK(std::string(b.status().message()) == "out of date: 'model.cfg' was changed in @2");
  CHECK(env.Head() == 2);
  CHECK(env.Files(2).at("model.cfg") == v2);
  // An ADD of a path someone else added with other content is out of date too.
  auto c = env.history->Submit(env.caller, Request({Add("model.cfg", v3)}, "c", 0));
  CHECK(absl::IsFailedPrecondition(c.status()));
  CHECK(env.Head() == 2);
}

TEST_CASE("a repeated submit id returns the first changeset", "[postgres][core]") {
  Env env;
  const std::string v1 = env.Put("v1");
  auto first = env.history->Submit(env.caller, Request({Add("x", v1)}, "same-id"));
  REQUIRE(first.ok());
  auto again = env.history->Submit(env.caller, Request({Add("y", v1)}, "same-id"));
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(again->changeset.changeset.number == first->changeset.changeset.number);
  CHECK(env.Head() == 1);
  CHECK(env.Files(1).count("y") == 0);
}

TEST_CASE("bad submits are INVALID_ARGUMENT and change nothing", "[postgres][core]") {
  Env env;
  const std::string v1 = env.Put("v1");
  const std::vector<std::string> bad_paths = {"/abs",
                                              "a/../b",
                                              "..",
                                              "a//b",
                                              std::string("a\0b", 3),
                                              "a\x01z",
                                              std::string(256, 'n'),
                                              std::string(4097, 'p'),
                                              "x/.mlvc/y",
                                              ".MLVC",
                                              ""};
  int n = 0;
  for (const std::string& p : bad_paths) {
    auto r = env.history->Submit(env.caller, Request({Add(p, v1)}, absl::StrCat("bad", n++)));
    INFO(p);
    CHECK(absl::IsInvalidArgument(r.status()));
  }
  // Long path made of valid components.
  std::string long_path;
  while (long_path.size() <= 4096) long_path += "abcdefghi/";
  long_path += "f";
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add(long_path, v1)}, "long")).status()));
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add("a", v1), Add("./a", v1)}, "dup")).status()));
  CHECK(absl::IsInvalidArgument(env.history->Submit(env.caller, Request({}, "empty")).status()));
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add("a", "XYZ")}, "badid")).status()));
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add("a", v1)}, "bad id!")).status()));
  SubmitRequest no_message = Request({Add("a", v1)}, "nomsg");
  no_message.message.clear();
  CHECK(absl::IsInvalidArgument(env.history->Submit(env.caller, no_message).status()));
  Change no_kind = Add("a", v1);
  no_kind.kind.reset();
  CHECK(absl::IsInvalidArgument(env.history->Submit(env.caller, Request({no_kind}, "k")).status()));
  REQUIRE(env.history->Submit(env.caller, Request({Add("dir/f", v1)}, "ok")).ok());
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add("dir", v1)}, "clash1")).status()));
  CHECK(absl::IsInvalidArgument(
      env.history->Submit(env.caller, Request({Add("dir/f/g", v1)}, "clash2")).status()));
  CHECK(env.Head() == 1);
  auto log = env.history->Log("repo", "", "", 0, false);
  REQUIRE(log.ok());
  CHECK(log->size() == 2);
  SubmitRequest other_branch = Request({Add("z", v1)}, "nb");
  other_branch.branch = "nope";
  CHECK(absl::IsNotFound(env.history->Submit(env.caller, other_branch).status()));
}

TEST_CASE("uploads are verified and submits need uploaded content", "[postgres][core]") {
  Env env;
  const std::string bytes = "the real bytes";
  const std::string wrong_id = common::Sha256Hex("other bytes");
  auto upload = env.content->BeginUpload(env.caller, {wrong_id, bytes.size()});
  REQUIRE(upload.ok());
  REQUIRE((*upload)->Append(bytes).ok());
  auto finished = (*upload)->Finish();
  CHECK(absl::IsDataLoss(finished.status()));
  CHECK(absl::StrContains(finished.status().message(), "content hash mismatch"));
  auto missing = env.content->FindMissing(env.caller, {wrong_id});
  REQUIRE(missing.ok());
  CHECK(*missing == std::vector<std::string>{wrong_id});
  CHECK_FALSE(*env.blobs->Exists(wrong_id));
  const Caller through_repo = env.Through(env.caller, "repo");
  CHECK(absl::IsNotFound(env.content->OpenDownload(through_repo, wrong_id, 0).status()));

  // Wrong size.
  const std::string id = common::Sha256Hex(bytes);
  auto short_upload = env.content->BeginUpload(env.caller, {id, bytes.size() + 1});
  REQUIRE(short_upload.ok());
  REQUIRE((*short_upload)->Append(bytes).ok());
  CHECK(absl::IsDataLoss((*short_upload)->Finish().status()));

  auto r = env.history->Submit(env.caller, Request({Add("f", wrong_id)}, "nocontent"));
  CHECK(absl::IsFailedPrecondition(r.status()));
  CHECK(absl::StrContains(r.status().message(), wrong_id));
  CHECK(env.Head() == 0);

  // A good upload, then a repeated one is cheap; the content is read through the repository
  // once a changeset references it, from an offset.
  env.Put(bytes);
  CHECK(absl::IsNotFound(env.content->OpenDownload(through_repo, id, 0).status()));
  REQUIRE(env.history->Submit(env.caller, Request({Add("f", id)}, "withcontent")).ok());
  auto again = env.content->BeginUpload(env.caller, {id, bytes.size()});
  REQUIRE(again.ok());
  auto again_result = (*again)->Finish();
  REQUIRE(again_result.ok());
  CHECK(again_result->already_present);
  auto download = env.content->OpenDownload(through_repo, id, 4);
  REQUIRE(download.ok());
  CHECK((*download)->total_size() == bytes.size());
  std::string got, piece;
  do {
    REQUIRE((*download)->Next(&piece).ok());
    got += piece;
  } while (!piece.empty());
  CHECK(got == bytes.substr(4));
  CHECK(absl::IsOutOfRange(env.content->OpenDownload(through_repo, id, 1000).status()));
  CHECK(absl::IsInvalidArgument(env.content->FindMissing(env.caller, {"nothex"}).status()));
}

TEST_CASE("tokens authenticate their user only", "[postgres][core]") {
  Env env;
  auto token = env.auth->CreateUser("bob", true);
  REQUIRE(token.ok());
  CHECK(token->rfind("mlvc_", 0) == 0);
  CHECK(token->size() >= 5 + 43);
  auto user = env.auth->Authenticate(*token);
  REQUIRE(user.ok());
  CHECK(user->name == "bob");
  CHECK(user->is_admin);
  CHECK(absl::IsUnauthenticated(env.auth->Authenticate("mlvc_wrong").status()));
  CHECK(absl::IsUnauthenticated(env.auth->Authenticate("").status()));
  CHECK(absl::IsAlreadyExists(env.auth->CreateUser("bob", false).status()));
  CHECK(absl::IsInvalidArgument(env.auth->CreateUser("", false).status()));
}

}  // namespace
}  // namespace mlvc::server::core
