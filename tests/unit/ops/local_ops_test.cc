#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <utility>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "common/hash/sha256.h"
#include "tests/support/temp_dir.h"

namespace mlvc::client::ops {
namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& abspath, const std::string& text) {
  fs::create_directories(fs::path(abspath).parent_path());
  std::ofstream(abspath, std::ios::binary) << text;
}

wc::WorkingCopy MakeWc(const mlvc::testing::TempDir& dir,
                       std::vector<std::string> sparse = {}) {
  wc::WcConfig config;
  config.server = "127.0.0.1:1";
  config.repository = "repo";
  config.branch = "main";
  config.base_number = 3;
  config.sparse_paths = std::move(sparse);
  auto wc = wc::WorkingCopy::Create(dir.path(), config);
  REQUIRE(wc.ok());
  return *std::move(wc);
}

// Puts `text` at `relpath` and records it as a versioned, unmodified file.
void Versioned(wc::WorkingCopy& wc, const std::string& relpath, const std::string& text) {
  WriteFile(wc.AbsPath(relpath), text);
  wc::WcEntry entry;
  entry.relpath = relpath;
  entry.base_content_id = common::Sha256Hex(text);
  entry.base_size = text.size();
  entry.kind = wc::FileKind::kText;
  REQUIRE(wc.RecordDiskState(entry).ok());
  wc.Put(entry);
}

std::map<std::string, wc::StatusCode> StatusMap(wc::WorkingCopy& wc) {
  auto items = Status(wc, {});
  REQUIRE(items.ok());
  std::map<std::string, wc::StatusCode> out;
  for (const auto& item : *items) out[item.relpath] = item.code;
  return out;
}

TEST_CASE("Add schedules unversioned files, walking folders", "[ops][local]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir);
  Versioned(wc, "kept.txt", "kept\n");
  WriteFile(dir.Sub("data/a.txt"), "a\n");
  WriteFile(dir.Sub("data/sub/b.bin"), std::string("b\0b", 3));
  WriteFile(dir.Sub("other.txt"), "o\n");
  ::chmod(dir.Sub("data/a.txt").c_str(), 0755);

  auto added = Add(wc, {"data", "kept.txt"});
  REQUIRE(added.ok());
  CHECK(*added == std::vector<std::string>{"data/a.txt", "data/sub/b.bin"});
  const wc::WcEntry* a = wc.Find("data/a.txt");
  REQUIRE(a != nullptr);
  CHECK(a->schedule == wc::Schedule::kAdded);
  CHECK(a->executable);
  CHECK(a->kind == wc::FileKind::kText);
  REQUIRE(wc.Find("data/sub/b.bin") != nullptr);
  CHECK(wc.Find("data/sub/b.bin")->kind == wc::FileKind::kBinary);
  CHECK(wc.Find("other.txt") == nullptr);

  auto status = StatusMap(wc);
  CHECK(status["data/a.txt"] == wc::StatusCode::kAdded);
  CHECK(status["other.txt"] == wc::StatusCode::kUnversioned);
  CHECK(status.count("kept.txt") == 0);

  // The state was saved: a fresh Open sees the additions.
  auto reopened = wc::WorkingCopy::Open(dir.path());
  REQUIRE(reopened.ok());
  CHECK(reopened->Find("data/a.txt") != nullptr);

  auto missing = Add(wc, {"nope.txt"});
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("Add refuses paths outside a sparse working copy", "[ops][local]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir, {"models"});
  WriteFile(dir.Sub("code/x.py"), "x\n");
  CHECK(Add(wc, {"code/x.py"}).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(wc.Find("code/x.py") == nullptr);
}

TEST_CASE("Remove deletes versioned files and schedules their deletion", "[ops][local]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir);
  Versioned(wc, "d/one.txt", "1\n");
  Versioned(wc, "d/two.txt", "2\n");
  WriteFile(dir.Sub("new.txt"), "n\n");
  REQUIRE(Add(wc, {"new.txt"}).ok());
  WriteFile(dir.Sub("loose.txt"), "l\n");

  CHECK(Remove(wc, {"loose.txt"}).status().code() == absl::StatusCode::kNotFound);
  CHECK(fs::exists(dir.Sub("loose.txt")));

  auto removed = Remove(wc, {"d", "new.txt"});
  REQUIRE(removed.ok());
  CHECK(*removed == std::vector<std::string>{"d/one.txt", "d/two.txt", "new.txt"});
  CHECK_FALSE(fs::exists(dir.Sub("d/one.txt")));
  CHECK_FALSE(fs::exists(dir.Sub("new.txt")));
  CHECK(wc.Find("new.txt") == nullptr);  // an addition is simply forgotten
  REQUIRE(wc.Find("d/one.txt") != nullptr);
  CHECK(wc.Find("d/one.txt")->schedule == wc::Schedule::kDeleted);
  auto status = StatusMap(wc);
  CHECK(status["d/one.txt"] == wc::StatusCode::kDeleted);
  CHECK(status["d/two.txt"] == wc::StatusCode::kDeleted);
}

TEST_CASE("Move renames on disk as a deletion plus an addition", "[ops][local]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir);
  Versioned(wc, "src/a.txt", "a\n");
  Versioned(wc, "b.txt", "b\n");

  CHECK(Move(wc, "b.txt", "src/a.txt").code() == absl::StatusCode::kAlreadyExists);
  CHECK(Move(wc, "nope", "x").code() == absl::StatusCode::kNotFound);
  CHECK(Move(wc, "src", "src/inner").code() == absl::StatusCode::kInvalidArgument);

  REQUIRE(Move(wc, "src", "lib/src").ok());
  CHECK_FALSE(fs::exists(dir.Sub("src")));
  CHECK(fs::exists(dir.Sub("lib/src/a.txt")));
  auto status = StatusMap(wc);
  CHECK(status["src/a.txt"] == wc::StatusCode::kDeleted);
  CHECK(status["lib/src/a.txt"] == wc::StatusCode::kAdded);
  CHECK(status.count("b.txt") == 0);

  // Moving a file that is only added just moves the addition.
  REQUIRE(Move(wc, "lib/src/a.txt", "c.txt").ok());
  CHECK(wc.Find("lib/src/a.txt") == nullptr);
  REQUIRE(wc.Find("c.txt") != nullptr);
  CHECK(wc.Find("c.txt")->schedule == wc::Schedule::kAdded);
}

TEST_CASE("Commit refuses missing files and sends nothing when nothing changed",
          "[ops][commit]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir);
  Versioned(wc, "a.txt", "a\n");
  // No server listens at 127.0.0.1:1: none of these may need one.
  const Endpoint nowhere{"127.0.0.1:1", "t"};

  CHECK(Commit(wc, nowhere, "", {}).status().code() == absl::StatusCode::kInvalidArgument);
  auto nothing = Commit(wc, nowhere, "msg", {});
  REQUIRE(nothing.ok());
  CHECK(nothing->nothing_to_commit);

  fs::remove(dir.Sub("a.txt"));
  auto refused = Commit(wc, nowhere, "msg", {});
  REQUIRE_FALSE(refused.ok());
  CHECK(IsMissingFilesError(refused.status()));
  CHECK(std::string(refused.status().message()).find("'a.txt' is missing") !=
        std::string::npos);
  CHECK_FALSE(IsMissingFilesError(absl::FailedPreconditionError("out of date")));

  // Outside the commit's scope a missing file does not matter.
  WriteFile(dir.Sub("b.txt"), "b\n");
  REQUIRE(Add(wc, {"b.txt"}).ok());
  auto unreachable = Commit(wc, nowhere, "msg", {"b.txt"});
  REQUIRE_FALSE(unreachable.ok());
  CHECK(unreachable.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(unreachable.status().message()) == "server 127.0.0.1:1 is unreachable");
  // Nothing changed locally.
  CHECK(wc.Find("b.txt")->schedule == wc::Schedule::kAdded);
  CHECK(wc.config().base_number == 3);
}

// Inode and mtime of a file: a state file rewritten (temporary file renamed into place)
// gets another inode even within one mtime tick.
std::pair<ino_t, int64_t> FileVersion(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                         st.st_mtim.tv_nsec};
}

void SetMtimeSecondsAgo(const std::string& abspath, int64_t seconds) {
  struct timespec times[2];
  times[0].tv_sec = std::time(nullptr) - seconds;
  times[0].tv_nsec = 0;
  times[1] = times[0];
  REQUIRE(::utimensat(AT_FDCWD, abspath.c_str(), times, 0) == 0);
}

TEST_CASE("Status of an unchanged working copy does not rewrite its state file",
          "[ops][local][status]") {
  mlvc::testing::TempDir dir;
  {
    wc::WorkingCopy wc = MakeWc(dir);
    for (const std::string name : {"a.txt", "d/b.txt", "d/e/c.txt"}) {
      Versioned(wc, name, name + "\n");
      SetMtimeSecondsAgo(dir.Sub(name), 3600);  // out of the racy window: cached as clean
      wc::WcEntry entry = *wc.Find(name);
      REQUIRE(wc.RecordDiskState(entry).ok());
      wc.Put(entry);
    }
    REQUIRE(wc.Save().ok());
  }
  const std::string state = dir.Sub(".mlvc/state.pb");
  const auto saved = FileVersion(state);

  // As `mlvc status` runs: open, then Status.
  for (int run = 0; run < 2; ++run) {
    auto wc = wc::WorkingCopy::Open(dir.path());
    REQUIRE(wc.ok());
    CHECK(StatusMap(*wc).empty());
    CHECK(wc->last_scan_stats().files_seen == 3);
    CHECK(wc->last_scan_stats().files_hashed == 0);
    CHECK(FileVersion(state) == saved);
  }

  // A touched file is hashed once; its new mtime is saved so the next status need not.
  SetMtimeSecondsAgo(dir.Sub("d/b.txt"), 1800);
  auto wc = wc::WorkingCopy::Open(dir.path());
  REQUIRE(wc.ok());
  CHECK(StatusMap(*wc).empty());
  CHECK(wc->last_scan_stats().files_hashed == 1);
  const auto rewritten = FileVersion(state);
  CHECK(rewritten != saved);
  auto again = wc::WorkingCopy::Open(dir.path());
  REQUIRE(again.ok());
  CHECK(StatusMap(*again).empty());
  CHECK(again->last_scan_stats().files_hashed == 0);
  CHECK(FileVersion(state) == rewritten);
}

TEST_CASE("Info reports the working copy's configuration", "[ops][local]") {
  mlvc::testing::TempDir dir;
  wc::WorkingCopy wc = MakeWc(dir, {"models", "code/train.py"});
  InfoResult info = Info(wc);
  CHECK(info.server == "127.0.0.1:1");
  CHECK(info.repository == "repo");
  CHECK(info.branch == "main");
  CHECK(info.base == 3);
  CHECK(info.root == wc.root());
  CHECK(info.paths == std::vector<std::string>{"models", "code/train.py"});
}

}  // namespace
}  // namespace mlvc::client::ops
