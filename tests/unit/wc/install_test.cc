// WorkingCopy::InstallFile with write bits (the download path of checkout, update and
// switch): modes without a chmod when the temporary file was created with CreateMode(), the
// size and mtime it reports, what stands in the way, and remembered folders that change.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/wc/lockable.h"
#include "client/wc/working_copy.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/wc/wc_test_util.h"

namespace mlvc::client::wc {
namespace {

namespace fs = std::filesystem;
using testutil::PastNs;
using testutil::SampleConfig;
using testutil::SetMtime;
using testutil::WriteFile;

// Sets the umask for a test's lifetime (these tests run on one thread).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

// A temporary file holding `bytes`, created the way DownloadContents creates one.
std::string Download(const WorkingCopy& wc, const std::string& relpath, bool executable,
                     const std::string& bytes) {
  const std::string temp = wc.TempPath();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        static_cast<mode_t>(CreateMode(wc, relpath, executable)));
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  REQUIRE(::close(fd) == 0);
  return temp;
}

mode_t ModeOf(const std::string& abspath) {
  struct stat st;
  REQUIRE(::lstat(abspath.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("wc install: CreateMode files get their final mode", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  wc->mutable_config().lockable_patterns = std::vector<std::string>{"*.pt"};
  wc->mutable_config().held_locks = {"held.pt"};
  CHECK(WantsReadOnly(*wc, "m/a.pt"));
  CHECK_FALSE(WantsReadOnly(*wc, "held.pt"));
  CHECK_FALSE(WantsReadOnly(*wc, "a.txt"));
  CHECK(CreateMode(*wc, "a.txt", false) == 0666);
  CHECK(CreateMode(*wc, "a.txt", true) == 0777);
  CHECK(CreateMode(*wc, "m/a.pt", false) == 0444);
  CHECK(CreateMode(*wc, "m/a.pt", true) == 0555);
  CHECK(CreateMode(*wc, "held.pt", true) == 0777);

  struct Case {
    const char* relpath;
    bool executable;
    mode_t umask;
    mode_t want;
  };
  const Case cases[] = {
      {"d/plain.txt", false, 022, 0644},  {"d/run.sh", true, 022, 0755},
      {"d/a.pt", false, 022, 0444},       {"d/b.pt", true, 022, 0555},
      {"held.pt", false, 022, 0644},      {"d/private.sh", true, 077, 0700},
      // Creation leaves execute off for group and others; the chmod puts it back where read
      // is allowed, as InstallFile always did.
      {"d/odd.sh", true, 011, 0777},      {"d/odd.txt", false, 011, 0666},
  };
  for (const Case& c : cases) {
    INFO(c.relpath);
    ScopedUmask mask(c.umask);
    const std::string temp = Download(*wc, c.relpath, c.executable, "bytes");
    absl::StatusOr<WorkingCopy::InstalledFile> installed =
        wc->InstallFile(temp, c.relpath, c.executable, WantsReadOnly(*wc, c.relpath));
    REQUIRE(installed.ok());
    CHECK_FALSE(fs::exists(temp));
    CHECK(ModeOf(wc->AbsPath(c.relpath)) == c.want);
  }
}

TEST_CASE("wc install: write bits of files not made by CreateMode", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  ScopedUmask mask(022);
  // A read-only download that should be writable gets the owner's write bit back.
  std::string temp = wc->TempPath();
  WriteFile(temp, "x");
  REQUIRE(::chmod(temp.c_str(), 0440) == 0);
  REQUIRE(wc->InstallFile(temp, "a/w.txt", /*executable=*/false, /*read_only=*/false).ok());
  CHECK(ModeOf(wc->AbsPath("a/w.txt")) == 0640);
  // A writable one that should be read-only loses every write bit.
  temp = wc->TempPath();
  WriteFile(temp, "x");
  REQUIRE(::chmod(temp.c_str(), 0724) == 0);
  REQUIRE(wc->InstallFile(temp, "a/r.sh", /*executable=*/true, /*read_only=*/true).ok());
  CHECK(ModeOf(wc->AbsPath("a/r.sh")) == 0505);  // execute only where read is allowed
  // The plain InstallFile keeps the write bits as they are.
  temp = wc->TempPath();
  WriteFile(temp, "x");
  REQUIRE(::chmod(temp.c_str(), 0400) == 0);
  REQUIRE(wc->InstallFile(temp, "a/keep.txt", /*executable=*/false).ok());
  CHECK(ModeOf(wc->AbsPath("a/keep.txt")) == 0400);
}

TEST_CASE("wc install: reports size and mtime for RecordDiskState", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  const int64_t past = PastNs();
  std::string temp = wc->TempPath();
  WriteFile(temp, "hello\n", past);
  absl::StatusOr<WorkingCopy::InstalledFile> installed =
      wc->InstallFile(temp, "x/old.txt", false, false);
  REQUIRE(installed.ok());
  CHECK(installed->size == 6);
  CHECK(installed->mtime_ns == past);
  WcEntry entry;
  entry.relpath = "x/old.txt";
  entry.base_content_id = common::Sha256Hex("hello\n");
  entry.base_size = 6;
  entry.kind = FileKind::kText;
  WcEntry by_stat = entry;
  wc->RecordDiskState(entry, *installed);
  REQUIRE(wc->RecordDiskState(by_stat).ok());  // the same as stat'ing it
  CHECK(entry.disk_content_id == entry.base_content_id);
  CHECK(entry.disk_kind == FileKind::kText);
  CHECK(entry.mtime_ns == by_stat.mtime_ns);
  CHECK(entry.disk_size == by_stat.disk_size);
  CHECK(by_stat.disk_content_id == entry.disk_content_id);

  // Written just now: racy, so not cached; a size other than the base's: not cached.
  temp = wc->TempPath();
  WriteFile(temp, "new\n", 0);
  installed = wc->InstallFile(temp, "x/new.txt", false, false);
  REQUIRE(installed.ok());
  WcEntry fresh;
  fresh.relpath = "x/new.txt";
  fresh.base_content_id = common::Sha256Hex("new\n");
  fresh.base_size = 4;
  fresh.disk_content_id = "stale";
  wc->RecordDiskState(fresh, *installed);
  CHECK(fresh.disk_content_id.empty());
  CHECK(fresh.disk_size == 4);
  WcEntry wrong = entry;
  wrong.base_size = 7;
  wc->RecordDiskState(wrong, WorkingCopy::InstalledFile{6, past});
  CHECK(wrong.disk_content_id.empty());
}

TEST_CASE("wc install: what stands in the way", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  const std::string temp = wc->TempPath();
  WriteFile(temp, "new");
  // A regular file there is replaced.
  WriteFile(wc->AbsPath("f/file.txt"), "old");
  REQUIRE(wc->InstallFile(temp, "f/file.txt", false, false).ok());
  std::ifstream in(wc->AbsPath("f/file.txt"));
  std::string line;
  std::getline(in, line);
  CHECK(line == "new");

  const std::string t2 = wc->TempPath();
  WriteFile(t2, "x");
  // A folder, a symlink and a FIFO where the file goes; a file where a folder is needed.
  fs::create_directories(wc->AbsPath("f/folder/inside"));
  fs::create_symlink("file.txt", wc->AbsPath("f/link"));
  REQUIRE(::mkfifo(wc->AbsPath("f/fifo").c_str(), 0644) == 0);
  for (const char* relpath : {"f/folder", "f/link", "f/fifo", "f/file.txt/below"}) {
    INFO(relpath);
    CHECK(wc->InstallFile(t2, relpath, false, false).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    CHECK(fs::exists(t2));  // left for the caller to remove
  }
  // A mode changed on the way is given back when the move fails.
  const mode_t before = ModeOf(t2);
  CHECK(wc->InstallFile(t2, "f/folder", /*executable=*/true, /*read_only=*/true)
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ModeOf(t2) == before);
  CHECK(fs::is_directory(wc->AbsPath("f/folder/inside")));
  CHECK(fs::is_symlink(wc->AbsPath("f/link")));
  CHECK(fs::is_fifo(wc->AbsPath("f/fifo")));
}

TEST_CASE("wc install: remembered folders that change meanwhile", "[wc]") {
  testing::TempDir dir;
  absl::StatusOr<WorkingCopy> wc = WorkingCopy::Create(dir.Sub("root"), SampleConfig());
  REQUIRE(wc.ok());
  std::string temp = wc->TempPath();
  WriteFile(temp, "1");
  REQUIRE(wc->InstallFile(temp, "a/b/one.txt", false, false).ok());

  // Removed behind the working copy's back: made again.
  fs::remove_all(wc->AbsPath("a"));
  temp = wc->TempPath();
  WriteFile(temp, "2");
  REQUIRE(wc->InstallFile(temp, "a/b/two.txt", false, false).ok());
  CHECK(fs::is_regular_file(wc->AbsPath("a/b/two.txt")));

  // Replaced by a file: in the way.
  fs::remove_all(wc->AbsPath("a/b"));
  WriteFile(wc->AbsPath("a/b"), "file");
  temp = wc->TempPath();
  WriteFile(temp, "3");
  CHECK(wc->InstallFile(temp, "a/b/three.txt", false, false).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(fs::is_regular_file(wc->AbsPath("a/b")));

  // Pruned by RemoveFile: made again.
  REQUIRE(wc->RemoveFile("a/b").ok());
  REQUIRE(wc->InstallFile(temp, "c/d/four.txt", false, false).ok());
  REQUIRE(wc->RemoveFile("c/d/four.txt").ok());
  CHECK_FALSE(fs::exists(wc->AbsPath("c")));
  temp = wc->TempPath();
  WriteFile(temp, "5");
  REQUIRE(wc->InstallFile(temp, "c/d/five.txt", false, false).ok());
  CHECK(fs::is_regular_file(wc->AbsPath("c/d/five.txt")));
}

}  // namespace
}  // namespace mlvc::client::wc
