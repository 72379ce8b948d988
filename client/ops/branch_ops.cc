#include "client/ops/branch_ops.h"

#include "client/ops/ops_internal.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {

absl::StatusOr<remote::BranchInfo> CreateBranch(const Endpoint& endpoint,
                                                const std::string& repository,
                                                const std::string& name,
                                                const std::string& from) {
  RETURN_IF_ERROR(common::ValidateBranchName(name));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateBranch(repository, name, from);
}

absl::Status DeleteBranch(const Endpoint& endpoint, const std::string& repository,
                          const std::string& name) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->DeleteBranch(repository, name);
}

absl::StatusOr<remote::LabelInfo> CreateLabel(const Endpoint& endpoint,
                                              const std::string& repository,
                                              const std::string& name, const std::string& ref,
                                              const std::string& notes) {
  RETURN_IF_ERROR(common::ValidateLabelName(name));
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->CreateLabel(repository, name, ref, notes);
}

absl::StatusOr<std::vector<remote::LabelInfo>> ListLabels(const Endpoint& endpoint,
                                                          const std::string& repository) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->ListLabels(repository);
}

absl::Status DeleteLabel(const Endpoint& endpoint, const std::string& repository,
                         const std::string& name) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  return remote->DeleteLabel(repository, name);
}

absl::StatusOr<UpdateResult> Switch(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                    const std::string& name, const ProgressCallback& progress,
                                    TransferObserver* observer) {
  RETURN_IF_ERROR(common::ValidateBranchName(name));
  {
    ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
    ASSIGN_OR_RETURN(remote::ResolvedRef resolved,
                     remote->ResolveRef(wc.config().repository, name));
    if (resolved.branch.empty()) {
      return absl::FailedPreconditionError(
          "'" + name + "' is a label, not a branch; labels are immutable (check one out with " +
          "'mlvc checkout SERVER/REPO@" + name + "', or branch from it with 'mlvc branch " +
          "create NEW --from " + name + "')");
    }
  }
  // Update resolves the name again and, since it names a branch, makes the working copy
  // follow it; the plan rewrites only files whose content differs and keeps local edits.
  return Update(wc, endpoint, name, progress, observer);
}

absl::StatusOr<RefDiff> DiffRefs(const Endpoint& endpoint, const std::string& repository,
                                 const std::string& from_ref, const std::string& to_ref,
                                 const std::vector<std::string>& paths) {
  ASSIGN_OR_RETURN(auto remote, internal::Connect(endpoint));
  RefDiff out;
  ASSIGN_OR_RETURN(remote::ResolvedRef from, remote->ResolveRef(repository, from_ref));
  ASSIGN_OR_RETURN(remote::ResolvedRef to, remote->ResolveRef(repository, to_ref));
  out.from_number = from.number;
  out.to_number = to.number;
  ASSIGN_OR_RETURN(out.files,
                   remote->Diff(repository, from.number, to.number, paths, /*with_text=*/true));
  return out;
}

}  // namespace mlvc::client::ops
