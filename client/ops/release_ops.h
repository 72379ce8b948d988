// Releases, deployments, rollback and following the event stream (ReleaseService). Thin over
// client/remote; names are checked locally first so a bad one never costs a round trip.
// Requires: client/remote. Used by: client/cli (release, deploy, deployments, rollback,
// watch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/ops/ops_types.h"
#include "client/remote/release_types.h"
#include "client/remote/remote.h"

namespace mlvc::client::ops {

// Every function may also return what any server call returns (UNAUTHENTICATED,
// PERMISSION_DENIED, UNAVAILABLE, DEADLINE_EXCEEDED).

// INVALID_ARGUMENT bad version (label-name rules); ALREADY_EXISTS name taken;
// FAILED_PRECONDITION the changeset fails its branch's policy (every unmet rule named);
// NOT_FOUND unknown ref.
absl::StatusOr<remote::ReleaseInfo> CreateRelease(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  const std::string& version,
                                                  const std::string& ref,
                                                  const std::string& branch,
                                                  const std::string& notes);

// Newest first; `limit` 0 means all; `after`: only releases older than that version.
// INVALID_ARGUMENT when `after` is not a release.
absl::StatusOr<std::vector<remote::ReleaseInfo>> ListReleases(const Endpoint& endpoint,
                                                              const std::string& repository,
                                                              int limit,
                                                              const std::string& after = "");

// NOT_FOUND unknown release.
absl::StatusOr<remote::ReleaseInfo> GetRelease(const Endpoint& endpoint,
                                               const std::string& repository,
                                               const std::string& version);

// INVALID_ARGUMENT bad environment name (branch-name rules); NOT_FOUND unknown release.
absl::StatusOr<remote::DeploymentInfo> Deploy(const Endpoint& endpoint,
                                              const std::string& repository,
                                              const std::string& version,
                                              const std::string& environment,
                                              const std::string& note);

// Newest first; `limit` 0 means all; `before_id` > 0: only deployments with a smaller id.
// INVALID_ARGUMENT for a negative limit or id.
absl::StatusOr<std::vector<remote::DeploymentInfo>> ListDeployments(
    const Endpoint& endpoint, const std::string& repository, const std::string& environment,
    int limit, bool live_only, int64_t before_id = 0);

// NOT_FOUND environment never deployed to; FAILED_PRECONDITION nothing earlier.
absl::StatusOr<remote::DeploymentInfo> Rollback(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& environment,
                                                const std::string& note);

// A Watch stream with the connection it runs on. Next() from one thread; Cancel() from any.
class EventWatch {
 public:
  // `repository` empty: every repository (server admins). INVALID_ARGUMENT negative after_id.
  static absl::StatusOr<std::unique_ptr<EventWatch>> Open(const Endpoint& endpoint,
                                                          const std::string& repository,
                                                          int64_t after_id, bool from_start);
  // See remote::EventStream.
  bool Next(remote::EventInfo* event) { return stream_->Next(event); }
  void Cancel() { stream_->Cancel(); }
  absl::Status Finish() { return stream_->Finish(); }

 private:
  EventWatch(std::unique_ptr<remote::Remote> remote, std::unique_ptr<remote::EventStream> stream)
      : remote_(std::move(remote)), stream_(std::move(stream)) {}
  std::unique_ptr<remote::Remote> remote_;  // outlives stream_ (declared first)
  std::unique_ptr<remote::EventStream> stream_;
};

}  // namespace mlvc::client::ops
