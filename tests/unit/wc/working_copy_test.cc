#include "client/wc/working_copy.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "tests/unit/wc/wc_test_util.h"

namespace mlvc::client::wc {
namespace {

namespace fs = std::filesystem;
using testutil::CheckOutFile;
using testutil::SampleConfig;
using testutil::WriteFile;

TEST_CASE("wc: create and save and open round trip", "[wc]") {
  testing::TempDir dir;
  const std::string root = dir.Sub("wc");
  WcConfig config = SampleConfig();
  config.sparse_paths = {"data", "src/lib"};
  absl::StatusOr<WorkingCopy> created = WorkingCopy::Create(root, config);
  REQUIRE(created.ok());
  CHECK(fs::is_directory(root + "/.mlvc"));
  CHECK(fs::is_regular_file(root + "/.mlvc/state.pb"));
  CHECK_FALSE(fs::exists(root + "/.mlvc/state.json"));
  CHECK_FALSE(created->has_unsaved_changes());

  WcEntry e;
  e.relpath = "data/x.bin";
  e.base_content_id = common::Sha256Hex("x");
  e.base_size = 1;
  e.mtime_ns = 1'700'000'000'123'456'789;
  e.disk_size = 1;
  e.disk_content_id = e.base_content_id;
  e.kind = FileKind::kBinary;
  e.disk_kind = FileKind::kText;
  e.executable = true;
  created->Put(e);
  WcEntry added;
  added.relpath = "src/lib/new file.txt";
  added.schedule = Schedule::kAdded;
  added.kind = FileKind::kText;
  created->Put(added);
  WcEntry deleted = e;
  deleted.relpath = "data/old";
  deleted.schedule = Schedule::kDeleted;
  created->Put(deleted);
  created->mutable_config().base_number = 9;
  REQUIRE(created->Save().ok());

  absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(root);
  REQUIRE(opened.ok());
  CHECK(opened->root() == created->root());
  CHECK(opened->config().server == "127.0.0.1:7070");
  CHECK(opened->config().repository == "models");
  CHECK(opened->config().branch == "main");
  CHECK(opened->config().base_number == 9);
  CHECK(opened->config().sparse_paths == std::vector<std::string>{"data", "src/lib"});
  REQUIRE(opened->entries().size() == 3);
  const WcEntry* got = opened->Find("data/x.bin");
  REQUIRE(got != nullptr);
  CHECK(got->base_content_id == e.base_content_id);
  CHECK(got->mtime_ns == e.mtime_ns);
  CHECK(got->disk_content_id == e.disk_content_id);
  CHECK(got->kind == FileKind::kBinary);
  CHECK(got->disk_kind == FileKind::kText);
  CHECK(got->executable);
  CHECK(got->schedule == Schedule::kNormal);
  CHECK(opened->Find("src/lib/new file.txt")->schedule == Schedule::kAdded);
  CHECK(opened->Find("data/old")->schedule == Schedule::kDeleted);
  CHECK(opened->Find("nope") == nullptr);

  opened->Erase("data/old");
  CHECK(opened->Find("data/old") == nullptr);
  // No temporary files are left next to the state.
  int files = 0;
  for (const auto& f : fs::directory_iterator(root + "/.mlvc")) files += f.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("wc: create refuses an existing working copy", "[wc]") {
  testing::TempDir dir;
  REQUIRE(WorkingCopy::Create(dir.path(), SampleConfig()).ok());
  CHECK(WorkingCopy::Create(dir.path(), SampleConfig()).status().code() ==
        absl::StatusCode::kAlreadyExists);
}

TEST_CASE("wc: open walks up from a subdirectory to the nearest .mlvc", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> outer = WorkingCopy::Create(dir.Sub("outer"), SampleConfig());
  REQUIRE(outer.ok());
  fs::create_directories(dir.Sub("outer/a/b/c"));
  absl::StatusOr<WorkingCopy> from_sub = WorkingCopy::Open(dir.Sub("outer/a/b/c"));
  REQUIRE(from_sub.ok());
  CHECK(from_sub->root() == outer->root());

  WcConfig inner_config = SampleConfig();
  inner_config.repository = "inner";
  REQUIRE(WorkingCopy::Create(dir.Sub("outer/a/inner"), inner_config).ok());
  fs::create_directories(dir.Sub("outer/a/inner/d"));
  absl::StatusOr<WorkingCopy> nested = WorkingCopy::Open(dir.Sub("outer/a/inner/d"));
  REQUIRE(nested.ok());
  CHECK(nested->config().repository == "inner");
}

TEST_CASE("wc: open outside any working copy is NOT_FOUND", "[wc]") {
  testing::TempDir dir;
  fs::create_directories(dir.Sub("x/y"));
  CHECK(WorkingCopy::Open(dir.Sub("x/y")).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("wc: a corrupt or unknown version 1 state file is DATA_LOSS", "[wc]") {
  testing::TempDir dir;
  REQUIRE(WorkingCopy::Create(dir.path(), SampleConfig()).ok());
  fs::remove(dir.Sub(".mlvc/state.pb"));  // as an earlier mlvc left it: state.json only
  const std::string state = dir.Sub(".mlvc/state.json");
  std::ofstream(state, std::ios::trunc) << "{not json";
  CHECK(WorkingCopy::Open(dir.path()).status().code() == absl::StatusCode::kDataLoss);
  std::ofstream(state, std::ios::trunc)
      << R"({"version": 99, "server": "", "repository": "", "branch": "", "base": 0,
             "sparse_paths": [], "entries": []})";
  CHECK(WorkingCopy::Open(dir.path()).status().code() == absl::StatusCode::kDataLoss);
  std::ofstream(state, std::ios::trunc)
      << R"({"version": 1, "server": "", "repository": "", "branch": "", "base": 0,
             "sparse_paths": [], "entries": [{"path": "../evil"}]})";
  CHECK(WorkingCopy::Open(dir.path()).status().code() == absl::StatusCode::kDataLoss);
  fs::remove(state);
  CHECK(WorkingCopy::Open(dir.path()).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("wc: ToRelpath", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  const std::string root = wc->root();
  const std::string sub = root + "/sub";
  fs::create_directories(sub);
  auto rel = [&](const std::string& cwd, const std::string& p) {
    absl::StatusOr<std::string> r = wc->ToRelpath(cwd, p);
    REQUIRE(r.ok());
    return *r;
  };
  auto code = [&](const std::string& cwd, const std::string& p) {
    return wc->ToRelpath(cwd, p).status().code();
  };
  CHECK(rel(root, ".") == "");
  CHECK(rel(root, "./") == "");
  CHECK(rel(sub, "..") == "");
  CHECK(rel(root, "a/b") == "a/b");
  CHECK(rel(root, "a/b/") == "a/b");
  CHECK(rel(root, "./a/./b") == "a/b");
  CHECK(rel(sub, "f.txt") == "sub/f.txt");
  CHECK(rel(sub, ".") == "sub");
  CHECK(rel(sub, "../x") == "x");
  CHECK(rel(sub, "../sub/../y") == "y");
  CHECK(rel(sub, root + "/z/w") == "z/w");
  CHECK(rel("/", root + "/z") == "z");
  CHECK(rel(root, root) == "");

  absl::Status outside = wc->ToRelpath(sub, "../../elsewhere").status();
  CHECK(outside.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(outside.message()) ==
        "'../../elsewhere' is outside the working copy at " + root);
  CHECK(code(root, "/etc/passwd") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, "..") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, root + "x/a") == absl::StatusCode::kInvalidArgument);  // "rootx" is not "root"
  CHECK(code(root, "") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, ".mlvc/state.pb") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, "a/.MLVC") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, "bad\nname") == absl::StatusCode::kInvalidArgument);
  CHECK(code(root, std::string(256, 'n')) == absl::StatusCode::kInvalidArgument);

  // Reached through a symlink to the root.
  fs::create_directory_symlink(root, dir.Sub("link"));
  CHECK(rel(dir.Sub("link"), "q") == "q");
  CHECK(rel(dir.path(), "link/sub/q") == "sub/q");
}

TEST_CASE("wc: InScope follows the sparse paths", "[wc]") {
  testing::TempDir dir;
  WcConfig config = SampleConfig();
  absl::StatusOr<WorkingCopy> whole = WorkingCopy::Create(dir.Sub("a"), config);
  REQUIRE(whole.ok());
  CHECK(whole->InScope("anything/at/all"));
  config.sparse_paths = {"data", "src/lib"};
  absl::StatusOr<WorkingCopy> sparse = WorkingCopy::Create(dir.Sub("b"), config);
  REQUIRE(sparse.ok());
  CHECK(sparse->InScope("data"));
  CHECK(sparse->InScope("data/x"));
  CHECK(sparse->InScope("src/lib/y"));
  CHECK_FALSE(sparse->InScope("src/other"));
  CHECK_FALSE(sparse->InScope("database"));
  CHECK_FALSE(sparse->InScope("src"));
}

TEST_CASE("wc: TempPath and InstallFile and RemoveFile", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  const std::string t1 = wc->TempPath();
  const std::string t2 = wc->TempPath();
  CHECK(t1 != t2);
  CHECK(t1.rfind(wc->root() + "/.mlvc/tmp/", 0) == 0);
  WriteFile(t1, "#!/bin/sh\n", 0);
  REQUIRE(wc->InstallFile(t1, "d/e/run.sh", /*executable=*/true).ok());
  CHECK_FALSE(fs::exists(t1));
  struct stat st;
  REQUIRE(::stat(wc->AbsPath("d/e/run.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & S_IXUSR) != 0);

  WriteFile(t2, "replaced\n", 0);
  REQUIRE(wc->InstallFile(t2, "d/e/run.sh", /*executable=*/false).ok());
  REQUIRE(::stat(wc->AbsPath("d/e/run.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) == 0);
  std::ifstream in(wc->AbsPath("d/e/run.sh"));
  std::string line;
  std::getline(in, line);
  CHECK(line == "replaced");

  // A file where a folder is needed, and a folder where the file goes.
  const std::string t3 = wc->TempPath();
  WriteFile(t3, "x", 0);
  CHECK(wc->InstallFile(t3, "d/e/run.sh/inner", false).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(wc->InstallFile(t3, "d/e", false).code() == absl::StatusCode::kFailedPrecondition);

  WriteFile(wc->AbsPath("d/keep.txt"), "k");
  REQUIRE(wc->RemoveFile("d/e/run.sh").ok());
  CHECK_FALSE(fs::exists(wc->AbsPath("d/e")));  // emptied folder pruned
  CHECK(fs::exists(wc->AbsPath("d/keep.txt")));  // non-empty one kept
  CHECK(wc->RemoveFile("d/e/run.sh").ok());       // already gone is fine
  CHECK(wc->RemoveFile("d").code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(wc->RemoveFile("d/keep.txt").ok());
  CHECK_FALSE(fs::exists(wc->AbsPath("d")));
  CHECK(fs::exists(wc->root()));
}

TEST_CASE("wc: RecordDiskState caches only what it can prove", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "old.txt", "old\n");
  CHECK(wc->Find("old.txt")->disk_content_id == common::Sha256Hex("old\n"));
  CheckOutFile(*wc, "fresh.txt", "fresh\n", /*mtime_ns=*/0);  // written just now: racy
  CHECK(wc->Find("fresh.txt")->disk_content_id.empty());
  WcEntry wrong = *wc->Find("old.txt");
  wrong.base_size = 99;  // not what is on disk
  REQUIRE(wc->RecordDiskState(wrong).ok());
  CHECK(wrong.disk_content_id.empty());
  WcEntry gone;
  gone.relpath = "gone";
  CHECK(wc->RecordDiskState(gone).code() == absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace mlvc::client::wc
