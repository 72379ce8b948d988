// For end-to-end tests of transfers through client/ops, run in the test's own process so a
// transfer can be interrupted at a chosen point: a real mlvcd with a user and a repository,
// and this process's chunk cache in a fresh folder (XDG_CACHE_HOME; MLVC_CACHE_SIZE unset).
// Requires: mlvc_e2e_support, mlvc_ops. Used by: transfer and checkout e2e tests.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include "client/ops/checkout.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "client/wc/working_copy.h"
#include "tests/e2e/e2e_macros.h"
#include "tests/e2e/support/mlvc_client.h"
#include "tests/e2e/support/mlvc_server.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {

// Cancels a transfer, as a killed client would, at the first progress report for which
// `stop` holds: the decision is taken inside the transfer's own progress callback, and the
// transfer asks Cancelled() after that report before it requests anything more, so where it
// stops never depends on how its threads are scheduled (a decision taken when polled could
// come after the last poll, and the transfer would finish). Keeps the last progress.
class CancelWhen : public client::ops::TransferObserver {
 public:
  explicit CancelWhen(std::function<bool(const client::ops::TransferProgress&)> stop)
      : stop_(std::move(stop)) {}
  void OnProgress(const client::ops::TransferProgress& progress) override {
    last = progress;
    if (!cancelled_ && stop_(progress)) cancelled_ = true;
  }
  bool Cancelled() override { return cancelled_; }
  client::ops::TransferProgress last;

 private:
  std::function<bool(const client::ops::TransferProgress&)> stop_;
  bool cancelled_ = false;
};

class TransferFixture {
 public:
  explicit TransferFixture(std::string repo)
      : user(server.admin_token()), repository(std::move(repo)) {
    ::setenv("XDG_CACHE_HOME", cache_home.path().c_str(), 1);
    ::unsetenv("MLVC_CACHE_SIZE");
    MLVC_OK(user, user.home(), "repo", "create", repository, "--server", server.address());
    endpoint.server = server.address();
    endpoint.token = server.admin_token();
  }

  // Checks out `ref` (default: the branch head) into DIR, a fresh folder under the home.
  absl::StatusOr<client::ops::CheckoutResult> Checkout(
      const std::string& dir, client::ops::TransferObserver* observer = nullptr,
      const std::string& ref = "") {
    client::ops::CheckoutOptions options;
    options.endpoint = endpoint;
    options.repository = repository;
    options.ref = ref;
    options.dir_abspath = user.Sub(dir);
    return client::ops::Checkout(options, nullptr, observer);
  }

  // Adds every unversioned file of the working copy DIR and commits.
  absl::StatusOr<client::ops::CommitResult> Commit(
      const std::string& dir, client::ops::TransferObserver* observer = nullptr,
      const std::string& message = "change") {
    absl::StatusOr<client::wc::WorkingCopy> copy = client::wc::WorkingCopy::Open(user.Sub(dir));
    if (!copy.ok()) return copy.status();
    absl::StatusOr<std::vector<std::string>> added = client::ops::Add(*copy, {""});
    if (!added.ok()) return added.status();
    if (absl::Status saved = copy->Save(); !saved.ok()) return saved;
    return client::ops::Commit(*copy, endpoint, message, {}, false, observer);
  }

  MlvcServer server;
  MlvcClient user;
  TempDir cache_home;
  client::ops::Endpoint endpoint;
  const std::string repository;
};

}  // namespace mlvc::testing
