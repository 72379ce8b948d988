#include "client/ops/resolve.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "client/ops/conflict_files.h"
#include "client/ops/ops_internal.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<std::vector<std::string>> Resolve(wc::WorkingCopy& wc,
                                                 const std::vector<std::string>& relpaths,
                                                 ResolveChoice choice) {
  if (relpaths.empty()) return absl::InvalidArgumentError("name the conflicted files to resolve");
  const char* take = choice == ResolveChoice::kOurs     ? internal::kMineSuffix
                     : choice == ResolveChoice::kTheirs ? internal::kTheirsSuffix
                                                        : nullptr;
  // Check everything first, so that a typo changes nothing.
  for (const std::string& relpath : relpaths) {
    const wc::WcEntry* entry = wc.Find(relpath);
    if (entry == nullptr || !entry->conflicted) {
      return absl::FailedPreconditionError("'" + relpath + "' is not conflicted");
    }
    if (choice == ResolveChoice::kOurs && !internal::ConflictFileExists(wc, relpath, take)) {
      return absl::FailedPreconditionError("'" + relpath + internal::kMineSuffix +
                                           "' is gone; edit '" + relpath +
                                           "' and use 'mlvc resolve --mark'");
    }
  }
  std::vector<std::string> done;
  for (const std::string& relpath : relpaths) {
    if (take != nullptr && internal::ConflictFileExists(wc, relpath, take)) {
      const wc::WcEntry* entry = wc.Find(relpath);
      absl::StatusOr<internal::LocalFile> now = internal::StatLocal(wc.AbsPath(relpath));
      const bool executable = now.ok() && now->exists ? now->executable : entry->executable;
      // A rename, not a copy: NAME.mine may be a large model file.
      RETURN_IF_ERROR(internal::SaveOnError(
          wc, wc.InstallFile(wc.AbsPath(relpath + take), relpath, executable)));
    }
    RETURN_IF_ERROR(internal::SaveOnError(wc, internal::RemoveConflictFiles(wc, relpath)));
    wc::WcEntry entry = *wc.Find(relpath);
    entry.conflicted = false;
    entry.disk_content_id.clear();  // the next Scan() hashes the file
    wc.Put(std::move(entry));
    done.push_back(relpath);
  }
  RETURN_IF_ERROR(wc.Save());
  return done;
}

}  // namespace mlvc::client::ops
