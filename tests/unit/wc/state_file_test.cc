// The state file: the binary version 2 (.mlvc/state.pb), reading a version 1 JSON
// state.json of an earlier mlvc, DATA_LOSS on anything else, and Save() writing only what
// changed (a status of an unchanged tree must not rewrite the file).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "client/wc/state_file_internal.h"
#include "client/wc/working_copy.h"
#include "common/hash/sha256.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/wc/wc_test_util.h"

namespace mlvc::client::wc {
namespace {

namespace fs = std::filesystem;
using testutil::CheckOutFile;
using testutil::PastNs;
using testutil::SampleConfig;
using testutil::SetMtime;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Identifies one version of a file: Save() writes a new file and renames it into place, so a
// rewrite changes the inode even within one mtime tick.
struct FileVersion {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileVersion& o) const {
    return inode == o.inode && mtime_ns == o.mtime_ns;
  }
};

FileVersion VersionOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return FileVersion{st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                                    st.st_mtim.tv_nsec};
}

absl::StatusCode OpenCode(const std::string& root) {
  return WorkingCopy::Open(root).status().code();
}

TEST_CASE("wc state: version 2 round trip keeps every field", "[wc][state]") {
  testing::TempDir dir;
  WcConfig config = SampleConfig();
  config.sparse_paths = {"data", "src"};
  config.lockable_patterns = std::vector<std::string>{"*.pt", "models/**"};
  config.held_locks = {"a.pt", "b.pt"};
  config.pending_merge_parent = 41;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("wc"), config);
  REQUIRE(wc.ok());

  WcEntry same;  // the usual entry: the disk holds the base content
  same.relpath = "data/same.bin";
  same.base_content_id = common::Sha256Hex("same");
  same.base_size = 4;
  same.mtime_ns = -5;  // before 1970: signed
  same.disk_size = 4;
  same.disk_content_id = same.base_content_id;
  same.kind = FileKind::kBinary;
  same.disk_kind = FileKind::kBinary;
  WcEntry edited;  // hashed after an edit: another content on disk
  edited.relpath = "data/edited.txt";
  edited.base_content_id = common::Sha256Hex("old");
  edited.base_size = 3;
  edited.mtime_ns = 1'700'000'000'123'456'789;
  edited.disk_size = 1ULL << 40;
  edited.disk_content_id = common::Sha256Hex("new");
  edited.kind = FileKind::kText;
  edited.disk_kind = FileKind::kBinary;
  edited.executable = true;
  edited.conflicted = true;
  WcEntry added;  // no base, disk not hashed yet
  added.relpath = "src/new \xff name";  // not UTF-8: file systems allow it
  added.schedule = Schedule::kAdded;
  added.kind = FileKind::kText;
  added.disk_kind = FileKind::kText;
  WcEntry deleted = same;
  deleted.relpath = "src/gone";
  deleted.schedule = Schedule::kDeleted;
  deleted.disk_content_id.clear();
  for (const WcEntry& e : {same, edited, added, deleted}) wc->Put(e);
  REQUIRE(wc->Save().ok());
  CHECK(ReadAll(dir.Sub("wc/.mlvc/state.pb")).substr(0, 8) == "mlvc-wc\n");

  absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(dir.Sub("wc"));
  REQUIRE(opened.ok());
  CHECK_FALSE(opened->has_unsaved_changes());
  const WcConfig& got = opened->config();
  CHECK(got.server == config.server);
  CHECK(got.repository == config.repository);
  CHECK(got.branch == config.branch);
  CHECK(got.base_number == config.base_number);
  CHECK(got.sparse_paths == config.sparse_paths);
  CHECK(got.lockable_patterns == config.lockable_patterns);
  CHECK(got.held_locks == config.held_locks);
  CHECK(got.pending_merge_parent == config.pending_merge_parent);
  REQUIRE(opened->entries().size() == 4);
  for (const WcEntry& want : {same, edited, added, deleted}) {
    INFO(want.relpath);
    const WcEntry* e = opened->Find(want.relpath);
    REQUIRE(e != nullptr);
    CHECK(e->relpath == want.relpath);
    CHECK(e->base_content_id == want.base_content_id);
    CHECK(e->base_size == want.base_size);
    CHECK(e->mtime_ns == want.mtime_ns);
    CHECK(e->disk_size == want.disk_size);
    CHECK(e->disk_content_id == want.disk_content_id);
    CHECK(e->kind == want.kind);
    CHECK(e->executable == want.executable);
    CHECK(e->disk_kind == want.disk_kind);
    CHECK(e->schedule == want.schedule);
    CHECK(e->conflicted == want.conflicted);
  }

  // Unknown lockable patterns (nullopt) and no merge parent stay so.
  opened->mutable_config().lockable_patterns.reset();
  opened->mutable_config().pending_merge_parent.reset();
  REQUIRE(opened->Save().ok());
  absl::StatusOr<WorkingCopy> again = WorkingCopy::Open(dir.Sub("wc"));
  REQUIRE(again.ok());
  CHECK_FALSE(again->config().lockable_patterns.has_value());
  CHECK_FALSE(again->config().pending_merge_parent.has_value());
}

TEST_CASE("wc state: a version 1 state.json opens and the next save replaces it",
          "[wc][state]") {
  testing::TempDir dir;
  REQUIRE(WorkingCopy::Create(dir.Sub("wc"), SampleConfig()).ok());
  // What an earlier mlvc left: state.json only.
  fs::remove(dir.Sub("wc/.mlvc/state.pb"));
  const std::string id = common::Sha256Hex("x");
  const std::string other = common::Sha256Hex("y");
  WriteAll(dir.Sub("wc/.mlvc/state.json"), R"({
 "version": 1, "server": "h:1", "repository": "models", "branch": "dev", "base": 12,
 "sparse_paths": ["data"], "lockable_patterns": ["*.pt"], "held_locks": ["z.pt", "a.pt"],
 "merge_parent": 9,
 "entries": [
  {"path": "data/x.bin", "base_content_id": ")" + id + R"(", "base_size": 1,
   "mtime_ns": 1700000000123456789, "disk_size": 1, "disk_content_id": ")" + other + R"(",
   "kind": "binary", "executable": true, "disk_kind": "text", "schedule": "normal",
   "conflicted": true},
  {"path": "data/new.txt", "base_content_id": "", "base_size": 0, "mtime_ns": 0,
   "disk_size": 0, "disk_content_id": "", "kind": "text", "executable": false,
   "disk_kind": "text", "schedule": "added"}]})");

  absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(dir.Sub("wc/data"));
  REQUIRE(opened.ok());
  CHECK(opened->has_unsaved_changes());  // to be written in the new format
  CHECK(opened->config().server == "h:1");
  CHECK(opened->config().branch == "dev");
  CHECK(opened->config().base_number == 12);
  CHECK(opened->config().sparse_paths == std::vector<std::string>{"data"});
  CHECK(opened->config().lockable_patterns == std::vector<std::string>{"*.pt"});
  CHECK(opened->config().held_locks == std::vector<std::string>{"a.pt", "z.pt"});
  CHECK(opened->config().pending_merge_parent == 9);
  REQUIRE(opened->entries().size() == 2);
  const WcEntry* x = opened->Find("data/x.bin");
  REQUIRE(x != nullptr);
  CHECK(x->base_content_id == id);
  CHECK(x->disk_content_id == other);
  CHECK(x->mtime_ns == 1700000000123456789);
  CHECK(x->executable);
  CHECK(x->conflicted);
  CHECK(x->disk_kind == FileKind::kText);
  CHECK(opened->Find("data/new.txt")->schedule == Schedule::kAdded);

  REQUIRE(opened->Save().ok());
  CHECK_FALSE(opened->has_unsaved_changes());
  CHECK(fs::is_regular_file(dir.Sub("wc/.mlvc/state.pb")));
  CHECK_FALSE(fs::exists(dir.Sub("wc/.mlvc/state.json")));

  absl::StatusOr<WorkingCopy> reopened = WorkingCopy::Open(dir.Sub("wc"));
  REQUIRE(reopened.ok());
  CHECK_FALSE(reopened->has_unsaved_changes());
  CHECK(reopened->config().held_locks == opened->config().held_locks);
  CHECK(reopened->config().pending_merge_parent == 9);
  REQUIRE(reopened->entries().size() == 2);
  CHECK(reopened->Find("data/x.bin")->disk_content_id == other);
  CHECK(reopened->Find("data/x.bin")->conflicted);
}

TEST_CASE("wc state: a version 1 number that is not an integer in range is DATA_LOSS",
          "[wc][state]") {
  const std::string id = common::Sha256Hex("x");
  auto state_with = [&](const std::string& version, const std::string& base,
                        const std::string& size) {
    return R"({"version": )" + version + R"(, "server": "h:1", "repository": "r",
 "branch": "main", "base": )" + base + R"(, "sparse_paths": [], "entries": [
  {"path": "a.bin", "base_content_id": ")" + id + R"(", "base_size": )" + size + R"(,
   "mtime_ns": 1, "disk_size": 1, "disk_content_id": ")" + id + R"(", "kind": "binary",
   "executable": false, "disk_kind": "binary", "schedule": "normal"}]})";
  };
  REQUIRE(internal::DecodeLegacyJsonState(state_with("1", "12", "1")).ok());
  for (const auto& [version, base, size] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"1e27", "12", "1"},                     // a float far beyond int
           {"1.0", "12", "1"},                      // a float where an integer belongs
           {"4294967297", "12", "1"},               // 2^32 + 1 would cast to 1
           {"1", "9223372036854775808", "1"},       // past int64
           {"1", "-1e300", "1"},
           {"1", "12", "-1"},                       // a negative size
       }) {
    INFO(version << " " << base << " " << size);
    CHECK(internal::DecodeLegacyJsonState(state_with(version, base, size)).status().code() ==
          absl::StatusCode::kDataLoss);
  }
}

TEST_CASE("wc state: state.pb wins over a state.json left behind", "[wc][state]") {
  testing::TempDir dir;
  WcConfig config = SampleConfig();
  config.base_number = 5;
  REQUIRE(WorkingCopy::Create(dir.path(), config).ok());
  WriteAll(dir.Sub(".mlvc/state.json"), "{not even json");
  absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(dir.path());
  REQUIRE(opened.ok());
  CHECK(opened->config().base_number == 5);
  CHECK_FALSE(opened->has_unsaved_changes());
}

TEST_CASE("wc state: a corrupt or unknown version 2 state file is DATA_LOSS", "[wc][state]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.path(), SampleConfig());
  REQUIRE(wc.ok());
  CheckOutFile(*wc, "a.txt", "a\n");
  REQUIRE(wc->Save().ok());
  const std::string state = dir.Sub(".mlvc/state.pb");
  const std::string good = ReadAll(state);
  REQUIRE(WorkingCopy::Open(dir.path()).ok());

  auto open_with = [&](const std::string& bytes) {
    WriteAll(state, bytes);
    return OpenCode(dir.path());
  };
  CHECK(open_with("") == absl::StatusCode::kDataLoss);
  CHECK(open_with("garbage that is no state file") == absl::StatusCode::kDataLoss);
  CHECK(open_with(R"({"version": 1, "server": "", "repository": "", "branch": "",
                      "base": 0, "sparse_paths": [], "entries": []})") ==
        absl::StatusCode::kDataLoss);  // JSON belongs in state.json only
  CHECK(open_with(good.substr(0, good.size() - 1)) == absl::StatusCode::kDataLoss);
  CHECK(open_with(good.substr(0, 16)) == absl::StatusCode::kDataLoss);
  CHECK(open_with(good + "x") == absl::StatusCode::kDataLoss);
  // The same length, the payload no message: field 15 with wire type 7 does not exist.
  std::string broken = good;
  broken[16] = static_cast<char>(0x7f);
  CHECK(open_with(broken) == absl::StatusCode::kDataLoss);
  // Version 99: the payload starts with field 1 (version), varint 2.
  REQUIRE(good.substr(16, 2) == std::string("\x08\x02", 2));
  std::string future = good;
  future[17] = 99;
  CHECK(open_with(future) == absl::StatusCode::kDataLoss);
  CHECK(open_with(good) == absl::StatusCode::kOk);

  // Paths and content ids are checked on load: the file names what commit and revert
  // write and delete.
  for (const std::string& bad_path : {std::string("../evil"), std::string("/abs"),
                                      std::string("a//b"), std::string(".mlvc/x")}) {
    INFO(bad_path);
    absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(dir.path());
    REQUIRE(opened.ok());
    WcEntry e = *opened->Find("a.txt");
    e.relpath = bad_path;
    opened->Put(e);
    REQUIRE(opened->Save().ok());
    CHECK(OpenCode(dir.path()) == absl::StatusCode::kDataLoss);
    WriteAll(state, good);
  }
  absl::StatusOr<WorkingCopy> opened = WorkingCopy::Open(dir.path());
  REQUIRE(opened.ok());
  WcEntry e = *opened->Find("a.txt");
  e.base_content_id = "not-a-content-id";
  opened->Put(e);
  REQUIRE(opened->Save().ok());
  CHECK(OpenCode(dir.path()) == absl::StatusCode::kDataLoss);

  WriteAll(state, good);
  opened = WorkingCopy::Open(dir.path());
  REQUIRE(opened.ok());
  opened->mutable_config().sparse_paths = {"../out"};
  REQUIRE(opened->Save().ok());
  CHECK(OpenCode(dir.path()) == absl::StatusCode::kDataLoss);
}

TEST_CASE("wc state: scan and save of an unchanged tree do not rewrite the state file",
          "[wc][state]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> created = WorkingCopy::Create(dir.path(), SampleConfig());
  REQUIRE(created.ok());
  CheckOutFile(*created, "a.txt", "a\n");
  CheckOutFile(*created, "d/b.bin", std::string("b\0b", 3));
  CHECK(created->has_unsaved_changes());
  REQUIRE(created->Save().ok());
  CHECK_FALSE(created->has_unsaved_changes());
  const std::string state = dir.Sub(".mlvc/state.pb");
  const FileVersion saved = VersionOf(state);

  // What `mlvc status` does: open, scan, save.
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Open(dir.path());
  REQUIRE(wc.ok());
  REQUIRE(wc->Scan({}).ok());
  CHECK(wc->last_scan_stats().files_seen == 2);
  CHECK(wc->last_scan_stats().entries_updated == 0);
  CHECK_FALSE(wc->has_unsaved_changes());
  REQUIRE(wc->Save().ok());
  CHECK(VersionOf(state) == saved);

  // Touched, same content: hashed once, and the new mtime is worth keeping.
  const int64_t touched_ns = PastNs(60);
  SetMtime(dir.Sub("a.txt"), touched_ns);
  absl::StatusOr<std::vector<StatusItem>> items = wc->Scan({});
  REQUIRE(items.ok());
  CHECK(items->empty());
  CHECK(wc->last_scan_stats().files_hashed == 1);
  CHECK(wc->last_scan_stats().entries_updated == 1);
  CHECK(wc->has_unsaved_changes());
  REQUIRE(wc->Save().ok());
  const FileVersion rewritten = VersionOf(state);
  CHECK_FALSE(rewritten == saved);
  CHECK(WorkingCopy::Open(dir.path())->Find("a.txt")->mtime_ns == touched_ns);

  // A file edited just now is racy: hashed on every scan, never cached, so nothing to save.
  testutil::WriteFile(dir.Sub("d/b.bin"), "edited", 0);
  REQUIRE(wc->Scan({}).ok());
  CHECK(wc->last_scan_stats().files_hashed == 1);
  CHECK(wc->last_scan_stats().entries_updated == 0);
  REQUIRE(wc->Save().ok());
  CHECK(VersionOf(state) == rewritten);

  // Erasing what is not there changes nothing either; a real change is saved.
  wc->Erase("no/such/file");
  CHECK_FALSE(wc->has_unsaved_changes());
  wc->Erase("a.txt");
  CHECK(wc->has_unsaved_changes());
  REQUIRE(wc->Save().ok());
  CHECK_FALSE(VersionOf(state) == rewritten);
  CHECK(WorkingCopy::Open(dir.path())->Find("a.txt") == nullptr);
}

}  // namespace
}  // namespace mlvc::client::wc
