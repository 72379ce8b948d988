#include "server/core/refs.h"

#include <algorithm>
#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {

absl::StatusOr<store::RepositoryRecord> FindRepository(store::MetadataTxn& txn,
                                                       const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("repository name is empty");
  absl::StatusOr<store::RepositoryRecord> repo = txn.GetRepository(name);
  if (absl::IsNotFound(repo.status())) {
    return absl::NotFoundError(absl::StrCat("unknown repository '", absl::CHexEscape(name), "'"));
  }
  return repo;
}

absl::StatusOr<store::ChangesetRecord> FindChangeset(store::MetadataTxn& txn,
                                                     const store::RepositoryRecord& repo,
                                                     int64_t number) {
  absl::StatusOr<store::ChangesetRecord> cs =
      number < 0 ? absl::NotFoundError("") : txn.GetChangeset(repo.id, number);
  if (absl::IsNotFound(cs.status())) {
    return absl::NotFoundError(
        absl::StrCat("unknown changeset @", number, " in repository '", repo.name, "'"));
  }
  return cs;
}

absl::StatusOr<ResolvedRef> ResolveRefIn(store::MetadataTxn& txn,
                                         const store::RepositoryRecord& repo,
                                         const std::string& ref) {
  std::string_view digits = ref;
  if (!digits.empty() && digits[0] == '@') digits.remove_prefix(1);
  const bool is_number =
      !digits.empty() && std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit);
  if (is_number) {
    int64_t number = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("changeset number '", ref, "' is out of range"));
    }
    ASSIGN_OR_RETURN(store::ChangesetRecord cs, FindChangeset(txn, repo, number));
    return ResolvedRef{cs.number, ""};
  }
  if (!ref.empty() && ref[0] == '@') {
    // "@v1.0" names a label (as in "checkout SERVER/REPO@v1.0"), never a branch.
    // "@prod" names an environment: the release live there now (release_service.h).
    const std::string label = ref.substr(1);
    // (An environment named like a branch with '/' is reached by its plain name.)
    if (!common::ValidateLabelName(label).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", absl::CHexEscape(ref), "' is neither a changeset number nor a label"));
    }
    absl::StatusOr<store::LabelRecord> l = txn.GetLabel(repo.id, label);
    if (l.ok()) return ResolvedRef{l->number, "", label};
    if (!absl::IsNotFound(l.status())) return l.status();
    ASSIGN_OR_RETURN(std::optional<store::DeploymentRecord> live,
                     txn.GetLiveDeployment(repo.id, label));
    if (live.has_value()) return ResolvedRef{live->number, "", live->version};
    return absl::NotFoundError(
        absl::StrCat("unknown label '", label, "' in repository '", repo.name, "'"));
  }
  const std::string branch = ref.empty() ? "main" : ref;
  absl::StatusOr<store::BranchRecord> b = txn.GetBranch(repo.id, branch, /*for_update=*/false);
  if (b.ok()) return ResolvedRef{b->head, branch, ""};
  if (!absl::IsNotFound(b.status())) return b.status();
  // Branches and labels share one namespace, so at most one of the two lookups finds it.
  absl::StatusOr<store::LabelRecord> l = txn.GetLabel(repo.id, branch);
  if (l.ok()) return ResolvedRef{l->number, "", branch};
  if (!absl::IsNotFound(l.status())) return l.status();
  // Then an environment (names are shared, so at most one of the three exists).
  ASSIGN_OR_RETURN(std::optional<store::DeploymentRecord> live,
                   txn.GetLiveDeployment(repo.id, branch));
  if (live.has_value()) return ResolvedRef{live->number, "", live->version};
  return absl::NotFoundError(absl::StrCat("unknown branch or label '", absl::CHexEscape(branch),
                                          "' in repository '", repo.name, "'"));
}

}  // namespace mlvc::server::core
