#include "client/ops/lock_ops.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "client/ops/ops_internal.h"
#include "client/ops/update.h"
#include "client/wc/lockable.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

void SetHeld(wc::WorkingCopy& wc, const std::vector<std::string>& add,
             const std::vector<std::string>& remove) {
  std::set<std::string> held(wc.config().held_locks.begin(), wc.config().held_locks.end());
  for (const std::string& p : add) held.insert(p);
  for (const std::string& p : remove) held.erase(p);
  wc.mutable_config().held_locks.assign(held.begin(), held.end());
}

absl::Status ApplyModes(const wc::WorkingCopy& wc, const std::vector<std::string>& relpaths) {
  for (const std::string& p : relpaths) RETURN_IF_ERROR(wc::ApplyLockMode(wc, p));
  return absl::OkStatus();
}

std::vector<remote::LockTargetInfo> Targets(const wc::WorkingCopy& wc,
                                            const std::vector<std::string>& relpaths) {
  std::vector<remote::LockTargetInfo> out;
  for (const std::string& p : relpaths) {
    const wc::WcEntry* entry = wc.Find(p);
    out.push_back({p, entry == nullptr ? "" : entry->base_content_id});
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<remote::LockInfo>> Lock(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                                   const std::vector<std::string>& relpaths,
                                                   const std::string& comment,
                                                   bool update_first) {
  if (relpaths.empty()) return absl::InvalidArgumentError("no paths to lock");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  const std::string repository = wc.config().repository;
  const std::string branch = wc.config().branch;
  absl::StatusOr<std::vector<remote::LockInfo>> locked =
      remote->Lock(repository, branch, Targets(wc, relpaths), comment);
  if (update_first && absl::IsFailedPrecondition(locked.status()) &&
      absl::StrContains(locked.status().message(), "out of date")) {
    RETURN_IF_ERROR(Update(wc, endpoint, "").status());
    locked = remote->Lock(repository, branch, Targets(wc, relpaths), comment);
  }
  if (!locked.ok()) return locked.status();
  SetHeld(wc, relpaths, {});
  RETURN_IF_ERROR(ApplyModes(wc, relpaths));
  RETURN_IF_ERROR(wc.Save());
  return locked;
}

absl::StatusOr<std::vector<remote::LockInfo>> Unlock(wc::WorkingCopy& wc,
                                                     const Endpoint& endpoint,
                                                     const std::vector<std::string>& relpaths,
                                                     bool force) {
  if (relpaths.empty()) return absl::InvalidArgumentError("no paths to unlock");
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  absl::StatusOr<std::vector<remote::LockInfo>> released =
      remote->Unlock(wc.config().repository, wc.config().branch, relpaths, force);
  if (absl::IsNotFound(released.status())) {
    // "'P' is not locked ...": a lock this copy held was broken (--force) or released
    // elsewhere; stop treating P as held here, so it turns read-only like any lockable file.
    const std::string message(released.status().message());
    const size_t end = message.find("' is not locked");
    if (!message.empty() && message[0] == '\'' && end != std::string::npos) {
      const std::string path = message.substr(1, end - 1);
      if (wc::HoldsLock(wc, path)) {
        SetHeld(wc, {}, {path});
        RETURN_IF_ERROR(wc::ApplyLockMode(wc, path));
        RETURN_IF_ERROR(wc.Save());
      }
    }
  }
  if (!released.ok()) return released.status();
  SetHeld(wc, {}, relpaths);
  RETURN_IF_ERROR(ApplyModes(wc, relpaths));
  RETURN_IF_ERROR(wc.Save());
  return released;
}

absl::StatusOr<std::vector<remote::LockInfo>> ListLocks(const wc::WorkingCopy& wc,
                                                        const Endpoint& endpoint,
                                                        const std::string& prefix) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListLocks(wc.config().repository, wc.config().branch, prefix);
}

absl::StatusOr<std::vector<std::string>> LockablePatterns(
    wc::WorkingCopy& wc, const Endpoint& endpoint,
    const std::optional<std::vector<std::string>>& replace) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  if (replace.has_value()) {
    RETURN_IF_ERROR(remote->SetLockablePatterns(wc.config().repository, *replace).status());
  }
  RETURN_IF_ERROR(internal::RefreshLockModes(wc, *remote));
  RETURN_IF_ERROR(wc.Save());
  return *wc.config().lockable_patterns;
}

namespace internal {

absl::Status RefreshLockModes(wc::WorkingCopy& wc, remote::Remote& remote) {
  ASSIGN_OR_RETURN(wc.mutable_config().lockable_patterns,
                   remote.GetLockablePatterns(wc.config().repository));
  for (const auto& [relpath, entry] : wc.entries()) {
    RETURN_IF_ERROR(wc::ApplyLockMode(wc, relpath));
  }
  return absl::OkStatus();
}

void ForgetReleasedLocks(wc::WorkingCopy& wc, const std::vector<std::string>& relpaths) {
  SetHeld(wc, {}, relpaths);
  for (const std::string& p : relpaths) wc::ApplyLockMode(wc, p).IgnoreError();
}

}  // namespace internal
}  // namespace mlvc::client::ops
