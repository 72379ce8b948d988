#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "client/wc/working_copy.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/wc/wc_test_util.h"

namespace mlvc::client::wc {
namespace {

namespace fs = std::filesystem;
using testutil::CheckOutFile;
using testutil::Codes;
using testutil::PastNs;
using testutil::SampleConfig;
using testutil::SetExecutable;
using testutil::SetMtime;
using testutil::WriteFile;

std::vector<StatusItem> MustScan(WorkingCopy& wc, const std::vector<std::string>& filters = {}) {
  absl::StatusOr<std::vector<StatusItem>> items = wc.Scan(filters);
  REQUIRE(items.ok());
  return *items;
}

TEST_CASE("scan: clean checkout reports nothing and hashes nothing", "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "a.txt", "a\n");
  CheckOutFile(*wc, "d/b.bin", std::string("b\0b", 3));
  CHECK(MustScan(*wc).empty());
  CHECK(wc->last_scan_stats().files_seen == 2);
  CHECK(wc->last_scan_stats().files_hashed == 0);
}

TEST_CASE("scan: detects modified added deleted missing and unversioned", "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "keep.txt", "same\n");
  CheckOutFile(*wc, "mod.txt", "before\n");
  CheckOutFile(*wc, "same-size.txt", "aaaa\n");
  CheckOutFile(*wc, "dir/gone.txt", "gone\n");
  CheckOutFile(*wc, "dir/rm.txt", "rm\n");
  CheckOutFile(*wc, "tool.sh", "echo\n");

  WriteFile(wc->AbsPath("mod.txt"), "after, longer\n", PastNs(10));
  WriteFile(wc->AbsPath("same-size.txt"), "bbbb\n", PastNs(10));
  fs::remove(wc->AbsPath("dir/gone.txt"));
  fs::remove(wc->AbsPath("dir/rm.txt"));
  WcEntry rm = *wc->Find("dir/rm.txt");
  rm.schedule = Schedule::kDeleted;
  wc->Put(rm);
  SetExecutable(wc->AbsPath("tool.sh"), true);
  WriteFile(wc->AbsPath("new/added.bin"), std::string("\0\1", 2));
  WcEntry added;
  added.relpath = "new/added.bin";
  added.schedule = Schedule::kAdded;
  wc->Put(added);
  WriteFile(wc->AbsPath("new/stray.txt"), "?\n");
  WriteFile(wc->AbsPath("top.txt"), "?\n");

  const std::vector<StatusItem> items = MustScan(*wc);
  CHECK(Codes(items) ==
        "! dir/gone.txt\n"
        "D dir/rm.txt\n"
        "M mod.txt\n"
        "A new/added.bin\n"
        "? new/stray.txt\n"
        "M same-size.txt\n"
        "M tool.sh\n"
        "? top.txt\n");
  // Only the files whose size or mtime changed were read: mod, same-size, added.
  CHECK(wc->last_scan_stats().files_hashed == 3);
  const StatusItem& mod = items[2];
  CHECK(mod.content_id == common::Sha256Hex("after, longer\n"));
  CHECK(mod.size == 14);
  CHECK(mod.kind == FileKind::kText);
  const StatusItem& add = items[3];
  CHECK(add.content_id == common::Sha256Hex(std::string("\0\1", 2)));
  CHECK(add.kind == FileKind::kBinary);
  const StatusItem& tool = items[6];
  CHECK(tool.executable);
  CHECK(tool.content_id == common::Sha256Hex("echo\n"));

  // The hashes are cached: the same status again reads nothing.
  CHECK(Codes(MustScan(*wc)) == Codes(items));
  CHECK(wc->last_scan_stats().files_hashed == 0);
}

TEST_CASE("scan: a touched but unchanged file is hashed once and then cached", "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "a.txt", "content\n");
  CheckOutFile(*wc, "b.txt", "other\n");
  REQUIRE(wc->Save().ok());
  SetMtime(wc->AbsPath("a.txt"), PastNs(60));  // touch

  CHECK(MustScan(*wc).empty());
  CHECK(wc->last_scan_stats().files_hashed == 1);
  REQUIRE(wc->Save().ok());

  absl::StatusOr<WorkingCopy> reopened = WorkingCopy::Open(wc->root());
  REQUIRE(reopened.ok());
  CHECK(MustScan(*reopened).empty());
  CHECK(reopened->last_scan_stats().files_seen == 2);
  CHECK(reopened->last_scan_stats().files_hashed == 0);
}

TEST_CASE("scan: same size and same mtime tick still finds the edit (racy files)",
          "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  // Written "now", as by a checkout a moment ago.
  CheckOutFile(*wc, "f.txt", "aaaa\n", /*mtime_ns=*/0);
  const int64_t tick = wc->Find("f.txt")->mtime_ns;
  CHECK(MustScan(*wc).empty());  // racy: hashed, not cached
  CHECK(wc->last_scan_stats().files_hashed == 1);
  // An edit within the same timestamp tick, keeping the size.
  WriteFile(wc->AbsPath("f.txt"), "bbbb\n", tick);
  CHECK(Codes(MustScan(*wc)) == "M f.txt\n");
}

TEST_CASE("scan: sparse scope and filters", "[wc][scan]") {
  testing::TempDir dir;
  WcConfig config = SampleConfig();
  config.sparse_paths = {"data", "src/lib"};
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), config);
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "data/a.txt", "a\n");
  CheckOutFile(*wc, "src/lib/b.txt", "b\n");
  WriteFile(wc->AbsPath("data/a.txt"), "A!\n");
  WriteFile(wc->AbsPath("src/lib/new.txt"), "n\n");
  WriteFile(wc->AbsPath("src/main.txt"), "outside\n");
  WriteFile(wc->AbsPath("database/x.txt"), "outside\n");
  WriteFile(wc->AbsPath("top.txt"), "outside\n");

  CHECK(Codes(MustScan(*wc)) == "M data/a.txt\n? src/lib/new.txt\n");
  CHECK(Codes(MustScan(*wc, {"data"})) == "M data/a.txt\n");
  CHECK(Codes(MustScan(*wc, {"src"})) == "? src/lib/new.txt\n");
  CHECK(Codes(MustScan(*wc, {"src/lib/new.txt", "data/a.txt"})) ==
        "M data/a.txt\n? src/lib/new.txt\n");
  CHECK(Codes(MustScan(*wc, {""})) == "M data/a.txt\n? src/lib/new.txt\n");
  CHECK(MustScan(*wc, {"top.txt"}).empty());
  CHECK(MustScan(*wc, {"elsewhere"}).empty());
}

TEST_CASE("scan: skips admin dirs and symlinks and nested working copies and invalid names",
          "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "was-file", "x\n");
  WriteFile(wc->TempPath(), "download in progress");
  WriteFile(wc->AbsPath("sub/.MLVC/x"), "hidden");
  fs::create_symlink("/etc", wc->AbsPath("link-out"));
  fs::create_symlink("real.txt", wc->AbsPath("link-in"));
  WriteFile(wc->AbsPath("real.txt"), "r\n");
  fs::remove(wc->AbsPath("was-file"));
  fs::create_symlink("real.txt", wc->AbsPath("was-file"));
  REQUIRE(WorkingCopy::Create(wc->AbsPath("nested"), SampleConfig()).ok());
  WriteFile(wc->AbsPath("nested/inner.txt"), "i\n");
  WriteFile(wc->AbsPath("bad\x01name"), "b\n");

  CHECK(Codes(MustScan(*wc)) == "? real.txt\n! was-file\n");
}

TEST_CASE("scan: ten thousand unchanged files hash nothing", "[wc][scan]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  constexpr int kFiles = 10000;
  for (int i = 0; i < kFiles; ++i) {
    const std::string relpath =
        "d" + std::to_string(i % 100) + "/f" + std::to_string(i) + ".txt";
    WriteFile(wc->AbsPath(relpath), "file " + std::to_string(i) + "\n");
  }
  std::vector<StatusItem> unversioned = MustScan(*wc);
  REQUIRE(unversioned.size() == kFiles);
  CHECK(wc->last_scan_stats().files_hashed == 0);  // unversioned files are not read
  for (const StatusItem& item : unversioned) {
    REQUIRE(item.code == StatusCode::kUnversioned);
    WcEntry e;
    e.relpath = item.relpath;
    e.schedule = Schedule::kAdded;
    wc->Put(e);
  }
  std::vector<StatusItem> added = MustScan(*wc);
  REQUIRE(added.size() == kFiles);
  CHECK(wc->last_scan_stats().files_hashed == kFiles);
  // As a commit would: the added files become the base.
  for (const StatusItem& item : added) {
    REQUIRE(item.code == StatusCode::kAdded);
    WcEntry e = *wc->Find(item.relpath);
    e.schedule = Schedule::kNormal;
    e.base_content_id = item.content_id;
    e.base_size = item.size;
    e.kind = item.kind;
    wc->Put(e);
  }
  REQUIRE(wc->Save().ok());

  absl::StatusOr<WorkingCopy> reopened = WorkingCopy::Open(wc->root());
  REQUIRE(reopened.ok());
  CHECK(MustScan(*reopened).empty());
  CHECK(reopened->last_scan_stats().files_seen == kFiles);
  CHECK(reopened->last_scan_stats().files_hashed == 0);
}

}  // namespace
}  // namespace mlvc::client::wc
