#include "client/cli/repo_target.h"

#include "client/cli/cli_support.h"
#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"
#include "absl/strings/cord.h"
#include "client/wc/working_copy.h"
#include "common/status/status_macros.h"

namespace mlvc::client::cli {

absl::StatusOr<RepoTarget> ResolveRepoTarget(const std::string& server_flag,
                                             const std::string& repo_flag) {
  RepoTarget target;
  std::string wc_server;
  ASSIGN_OR_RETURN(std::string cwd, CurrentDir());
  absl::StatusOr<wc::WorkingCopy> wc = wc::WorkingCopy::Open(cwd);
  if (wc.ok()) wc_server = wc->config().server;
  if (repo_flag.empty()) {
    if (!wc.ok()) {
      absl::Status not_wc = NotAWorkingCopyError(cwd);
      // Same marker (exit 12), with the way out spelled.
      absl::Status status = absl::FailedPreconditionError(
          std::string(not_wc.message()) + "; pass --repo REPO (and --server HOST:PORT)");
      not_wc.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
        status.SetPayload(url, payload);
      });
      return status;
    }
    target.repository = wc->config().repository;
    target.wc_branch = wc->config().branch;
    target.wc_base = wc->config().base_number;
  } else {
    target.repository = repo_flag;
  }
  ASSIGN_OR_RETURN(std::string server, ResolveServer(server_flag, wc_server));
  ASSIGN_OR_RETURN(target.endpoint, EndpointFor(server));
  return target;
}

}  // namespace mlvc::client::cli
