// End to end: a checkout of more files than one download batch (internal::kFetchBatch)
// against a real mlvcd, where the manifests of the next batch are asked for while a batch is
// written (Transfer::PrefetchManifests), and files are created with their final mode
// (CreateMode) instead of chmod'ed: every file arrives byte-identical with its executable
// and lock mode, nothing is left in .mlvc/tmp, and an interrupted checkout with a prefetch
// still pending stops cleanly and is completed by update.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "client/ops/checkout.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "client/ops/ops_internal.h"
#include "client/ops/update.h"
#include "client/wc/working_copy.h"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"
#include "tests/e2e/support/transfer_fixture.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {
namespace {

namespace fs = std::filesystem;
namespace ops = ::mlvc::client::ops;
namespace wc = ::mlvc::client::wc;

// Three batches and a bit.
constexpr size_t kFiles = 3 * ops::internal::kFetchBatch + 100;

// Stops the transfer at the report of the file that makes `files` done (CancelWhen: at that
// report, however far ahead the download threads are).
class StopAfterFiles : public CancelWhen {
 public:
  explicit StopAfterFiles(uint64_t files)
      : CancelWhen([files](const ops::TransferProgress& p) { return p.files_done >= files; }) {}
};

class Fixture : public TransferFixture {
 public:
  Fixture() : TransferFixture("many") {}

  // kFiles small files in 40 folders (every seventh with the same content, so that chunks
  // repeat across batches), an executable script and a lockable model; committed.
  void CommitTree() {
    REQUIRE(Checkout("up").ok());
    for (size_t i = 0; i < kFiles; ++i) {
      const std::string content =
          i % 7 == 0 ? std::string("same\n") : "file " + std::to_string(i) + "\n";
      WriteFile(user.Sub("up/d" + std::to_string(i % 40) + "/f" + std::to_string(i) + ".txt"),
                content);
    }
    WriteFile(user.Sub("up/bin/run.sh"), "#!/bin/sh\necho hi\n");
    fs::permissions(user.Sub("up/bin/run.sh"), fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add);
    WriteFile(user.Sub("up/models/m.pt"), "weights");
    absl::StatusOr<ops::CommitResult> committed = Commit("up", nullptr, "many files");
    INFO(committed.status().ToString());
    REQUIRE(committed.ok());
  }
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

size_t TempFiles(const std::string& root) {
  const std::string tmp = root + "/.mlvc/tmp";
  if (!fs::exists(tmp)) return 0;
  return static_cast<size_t>(std::distance(fs::directory_iterator(tmp), fs::directory_iterator()));
}

TEST_CASE("a checkout of several batches arrives whole with its modes and no temp files", "[e2e][checkout]") {
  Fixture f;
  f.CommitTree();
  for (const char* dir : {"cold", "warm"}) {  // chunks from the server, then from the cache
    INFO(dir);
    absl::StatusOr<ops::CheckoutResult> result = f.Checkout(dir);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result->file_count == kFiles + 2);
    const std::string root = f.user.Sub(dir);
    CHECK(HashTree(f.user.Sub("up")) == HashTree(root));
    CHECK((ModeOf(root + "/bin/run.sh") & S_IXUSR) != 0);
    CHECK((ModeOf(root + "/d1/f1.txt") & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0);
    CHECK((ModeOf(root + "/d1/f1.txt") & S_IWUSR) != 0);
    CHECK((ModeOf(root + "/models/m.pt") & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0);  // lockable
    CHECK(TempFiles(root) == 0);
    auto status = MLVC_OK(f.user, root, "status");
    CHECK(status.out.empty());
  }
}

TEST_CASE("a checkout interrupted with a batch prefetched leaves no temp files and update completes it", "[e2e][checkout]") {
  Fixture f;
  f.CommitTree();
  StopAfterFiles stop(ops::internal::kFetchBatch + 10);
  absl::StatusOr<ops::CheckoutResult> first = f.Checkout("down", &stop);
  REQUIRE(absl::IsCancelled(first.status()));
  // Stopped in the second batch, at the file asked for: the first batch is installed, the
  // second was being written while the third's manifests were asked for.
  CHECK(stop.last.files_done == ops::internal::kFetchBatch + 10);
  const std::string root = f.user.Sub("down");
  CHECK(TempFiles(root) == 0);

  absl::StatusOr<wc::WorkingCopy> partial = wc::WorkingCopy::Open(root);
  REQUIRE(partial.ok());
  CHECK(partial->entries().size() == ops::internal::kFetchBatch);
  absl::StatusOr<ops::UpdateResult> rest = ops::Update(*partial, f.endpoint, "");
  INFO(rest.status().ToString());
  REQUIRE(rest.ok());
  CHECK(HashTree(f.user.Sub("up")) == HashTree(root));
  CHECK(TempFiles(root) == 0);
}

}  // namespace
}  // namespace mlvc::testing
