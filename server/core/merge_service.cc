// MergeService::Merge: a read transaction computes the plan (merge base, both diffs, the
// decision per path), line merges run outside any transaction on contents read from the
// BlobStore, and a second transaction commits by compare-and-swap on the target head.
#include "server/core/merge_service.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash/sha256.h"
#include "common/merge/diff3.h"
#include "common/path/names.h"
#include "common/status/status_macros.h"
#include "server/core/audit.h"
#include "server/core/content_io.h"
#include "server/core/merge_base.h"
#include "server/core/policy.h"
#include "server/core/refs.h"
#include "server/core/tree_editor.h"
#include "server/core/tree_walker.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using store::PathAction;

constexpr int kMaxAttempts = 5;
constexpr size_t kMaxPathsInMessage = 20;

bool SameFile(const std::optional<FileEntry>& a, const std::optional<FileEntry>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a.has_value()) return true;
  return a->content_id == b->content_id && a->kind == b->kind && a->executable == b->executable;
}

bool IsText(const std::optional<FileEntry>& f) {
  return f.has_value() && f->kind == NodeKind::kText && f->size <= kMaxMergeTextBytes;
}

// Everything the read phase found out.
struct Plan {
  store::RepositoryRecord repo;
  int64_t source = 0;
  int64_t target = 0;
  int64_t base = 0;
  bool up_to_date = false;
  std::optional<ChangesetInfo> replayed;
  // Paths changed on either side, with their three versions.
  struct Triple {
    std::optional<FileEntry> base, target, source;
  };
  std::map<std::string, Triple> paths;
};

absl::Status ValidateSubmitIdIfAny(const std::string& id) {
  if (id.empty()) return absl::OkStatus();
  if (id.size() > 64) return absl::InvalidArgumentError("submit_id must have 1-64 characters");
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return absl::InvalidArgumentError("submit_id may only hold letters, digits and '-'");
  }
  return absl::OkStatus();
}

absl::Status ReadPlan(store::MetadataStore& metadata,
                      const MergeRequest& request, Plan& plan) {
  return metadata.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    plan = Plan();
    ASSIGN_OR_RETURN(plan.repo, FindRepository(txn, request.repository));
    if (!request.submit_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<store::ChangesetRecord> earlier,
                       txn.FindChangesetBySubmitId(plan.repo.id, request.submit_id));
      if (earlier.has_value()) {
        ChangesetInfo info;
        ASSIGN_OR_RETURN(info.changed_paths, txn.GetChangedPaths(plan.repo.id, earlier->number));
        info.changeset = *std::move(earlier);
        plan.replayed = std::move(info);
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(ResolvedRef source, ResolveRefIn(txn, plan.repo, request.source));
    absl::StatusOr<store::BranchRecord> target =
        txn.GetBranch(plan.repo.id, request.target_branch, /*for_update=*/false);
    if (absl::IsNotFound(target.status())) {
      return absl::NotFoundError(absl::StrCat("unknown branch '", request.target_branch,
                                              "' in repository '", plan.repo.name, "'"));
    }
    RETURN_IF_ERROR(target.status());
    plan.source = source.number;
    plan.target = target->head;

    const int64_t repo_id = plan.repo.id;
    std::map<int64_t, store::ChangesetRecord> loaded;
    ParentLoader load = [&](int64_t n) -> absl::StatusOr<ParentsOf> {
      ASSIGN_OR_RETURN(store::ChangesetRecord cs, txn.GetChangeset(repo_id, n));
      ParentsOf p{cs.parent, cs.merge_parent};
      loaded.emplace(n, std::move(cs));
      return p;
    };
    ASSIGN_OR_RETURN(std::optional<int64_t> base, MergeBase(plan.source, plan.target, load));
    // Every changeset descends from @0, so a base always exists; 0 is the safe fallback.
    plan.base = base.value_or(0);
    if (plan.base == plan.source) {
      plan.up_to_date = true;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(store::ChangesetRecord base_cs, FindChangeset(txn, plan.repo, plan.base));
    ASSIGN_OR_RETURN(store::ChangesetRecord source_cs, FindChangeset(txn, plan.repo, plan.source));
    ASSIGN_OR_RETURN(store::ChangesetRecord target_cs, FindChangeset(txn, plan.repo, plan.target));
    TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
    ASSIGN_OR_RETURN(std::vector<FileDiff> theirs,
                     DiffTrees(cache, base_cs.root_tree, source_cs.root_tree, {}));
    ASSIGN_OR_RETURN(std::vector<FileDiff> ours,
                     DiffTrees(cache, base_cs.root_tree, target_cs.root_tree, {}));
    for (const FileDiff& d : theirs) {
      Plan::Triple& t = plan.paths[d.path];
      t.base = d.from;
      t.source = d.to;
      t.target = d.from;  // unless the target changed it too (below)
    }
    for (const FileDiff& d : ours) {
      auto [it, inserted] = plan.paths.try_emplace(d.path);
      it->second.base = d.from;
      it->second.target = d.to;
      if (inserted) it->second.source = d.from;
    }
    return absl::OkStatus();
  });
}

// A decided path: what goes into the tree (and, for line merges, the text to store).
struct Decision {
  MergedFile file;
  std::string merged_text;  // for line_merged files
};

absl::StatusOr<std::string> ReadOrEmpty(store::MetadataStore& metadata, store::BlobStore& blobs,
                                        const std::optional<FileEntry>& f) {
  if (!f.has_value()) return std::string();
  return ReadContent(metadata, blobs, f->content_id, kMaxMergeTextBytes);
}

// Decides every path of `plan`; fills `decisions` and `conflicts` (both sorted by path).
absl::Status Decide(store::MetadataStore& metadata, store::BlobStore& blobs, const Plan& plan, const MergeRequest& request,
                    std::vector<Decision>& decisions, std::vector<MergeConflict>& conflicts) {
  for (const auto& [path, t] : plan.paths) {
    auto take = [&](const std::optional<FileEntry>& result, bool line_merged,
                    std::string text) {
      if (SameFile(result, t.target)) return;  // nothing changes in the target
      Decision d;
      d.file.path = path;
      d.file.action = !t.target.has_value()  ? PathAction::kAdd
                      : !result.has_value()  ? PathAction::kDelete
                                             : PathAction::kModify;
      d.file.result = result;
      d.file.line_merged = line_merged;
      d.file.base = t.base;
      d.file.target = t.target;
      d.file.source = t.source;
      d.merged_text = std::move(text);
      decisions.push_back(std::move(d));
    };
    auto conflict = [&](std::string reason) {
      if (request.strategy == MergeStrategy::kOurs) return;
      if (request.strategy == MergeStrategy::kTheirs) {
        take(t.source, false, "");
        return;
      }
      conflicts.push_back(MergeConflict{path, std::move(reason), t.base, t.target, t.source});
    };

    if (SameFile(t.source, t.base) || SameFile(t.source, t.target)) continue;
    if (SameFile(t.target, t.base)) {
      take(t.source, false, "");
      continue;
    }
    // Changed on both sides, differently.
    if (!t.source.has_value()) {
      conflict("deleted in the source, changed in the target");
      continue;
    }
    if (!t.target.has_value()) {
      conflict("changed in the source, deleted in the target");
      continue;
    }
    // The executable bit goes with the side that changed it.
    const bool base_exec = t.base.has_value() ? t.base->executable : t.target->executable;
    const bool exec =
        t.source->executable != base_exec ? t.source->executable : t.target->executable;
    if (t.source->content_id == t.target->content_id && t.source->kind == t.target->kind) {
      FileEntry result = *t.target;
      result.executable = exec;
      take(result, false, "");
      continue;
    }
    const bool texts = IsText(t.source) && IsText(t.target) && (!t.base.has_value() || IsText(t.base));
    if (!texts) {
      conflict(t.base.has_value() ? "binary file changed on both sides"
                                  : "added on both sides with different binary contents");
      continue;
    }
    ASSIGN_OR_RETURN(std::string base_text, ReadOrEmpty(metadata, blobs, t.base));
    ASSIGN_OR_RETURN(std::string target_text, ReadOrEmpty(metadata, blobs, t.target));
    ASSIGN_OR_RETURN(std::string source_text, ReadOrEmpty(metadata, blobs, t.source));
    common::MergeLabels labels;
    labels.ours = request.target_branch;
    labels.theirs = request.source;
    common::MergeResult merged = common::Merge3(base_text, target_text, source_text, labels);
    if (!merged.clean) {
      // Text conflicts are never settled by the binary strategy: they need a person.
      conflicts.push_back(MergeConflict{
          path,
          absl::StrCat("text changed on both sides in overlapping lines (", merged.conflicts,
                       merged.conflicts == 1 ? " region)" : " regions)"),
          t.base, t.target, t.source});
      continue;
    }
    FileEntry result;
    result.path = path;
    result.kind = NodeKind::kText;
    result.executable = exec;
    result.size = merged.text.size();
    result.content_id = common::Sha256Hex(merged.text);
    take(result, true, std::move(merged.text));
  }
  return absl::OkStatus();
}

absl::Status ConflictError(const std::vector<MergeConflict>& conflicts) {
  std::vector<std::string> names;
  for (const MergeConflict& c : conflicts) {
    if (names.size() == kMaxPathsInMessage) {
      names.push_back(absl::StrCat("... (", conflicts.size() - kMaxPathsInMessage, " more)"));
      break;
    }
    names.push_back(c.path);
  }
  return absl::AbortedError(absl::StrCat("merge conflict in ", conflicts.size(),
                                         conflicts.size() == 1 ? " path: " : " paths: ",
                                         absl::StrJoin(names, ", ")));
}

common::TreeNodeEntry ToNodeEntry(const FileEntry& f) {
  return common::TreeNodeEntry{"", f.kind, f.executable, f.size, f.content_id};
}

}  // namespace

absl::StatusOr<MergeResult> MergeService::Merge(const Caller& caller, const MergeRequest& request) {
  if (request.repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  if (request.source.empty()) return absl::InvalidArgumentError("the merge source is empty");
  RETURN_IF_ERROR(common::ValidateBranchName(request.target_branch));
  RETURN_IF_ERROR(ValidateSubmitIdIfAny(request.submit_id));
  const std::string message =
      request.message.empty()
          ? absl::StrCat("Merge ", request.source, " into ", request.target_branch)
          : request.message;

  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Plan plan;
    RETURN_IF_ERROR(ReadPlan(metadata_, request, plan));
    MergeResult result;
    // A merge that changes nothing still leaves its call's one audit row.
    const auto audit_unchanged = [&](const std::string& target,
                                     const std::string& outcome) -> absl::Status {
      if (request.preview) return absl::OkStatus();
      return metadata_.RunInTransaction([&](store::MetadataTxn& txn) {
        return txn.AppendAudit(CallerAudit(caller, "merge", plan.repo.id, target, outcome));
      });
    };
    if (plan.replayed.has_value()) {
      result.changeset = plan.replayed;
      result.replayed = true;
      result.source_number = plan.replayed->changeset.merge_parent.value_or(0);
      result.target_number = plan.replayed->changeset.parent.value_or(0);
      RETURN_IF_ERROR(audit_unchanged(
          absl::StrCat(request.source, " -> ", request.target_branch, "@",
                       plan.replayed->changeset.number),
          "ok (replayed)"));
      return result;
    }
    result.base_number = plan.base;
    result.source_number = plan.source;
    result.target_number = plan.target;
    if (plan.up_to_date) {
      result.up_to_date = true;
      RETURN_IF_ERROR(audit_unchanged(
          absl::StrCat(request.source, "@", plan.source, " -> ", request.target_branch, "@",
                       plan.target),
          "ok (already up to date)"));
      return result;
    }
    std::vector<Decision> decisions;
    RETURN_IF_ERROR(Decide(metadata_, blobs_, plan, request, decisions, result.conflicts));
    for (const Decision& d : decisions) result.files.push_back(d.file);
    if (request.preview) return result;
    if (!result.conflicts.empty()) return ConflictError(result.conflicts);

    // Store merged texts before the transaction that references them (content-addressed:
    // a retry or a failed commit leaves at most an unreferenced blob for GC).
    for (const Decision& d : decisions) {
      if (!d.file.line_merged) continue;
      ASSIGN_OR_RETURN(std::string id, WriteContent(blobs_, d.merged_text));
      if (id != d.file.result->content_id) return absl::InternalError("merged content id mismatch");
    }

    bool moved = false;
    absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn)
                                                             -> absl::Status {
      moved = false;
      result.changeset.reset();
      absl::StatusOr<store::BranchRecord> branch =
          txn.GetBranch(plan.repo.id, request.target_branch, /*for_update=*/true);
      if (absl::IsNotFound(branch.status())) {
        return absl::NotFoundError(absl::StrCat("unknown branch '", request.target_branch,
                                                "' in repository '", plan.repo.name, "'"));
      }
      RETURN_IF_ERROR(branch.status());
      if (!request.submit_id.empty()) {
        ASSIGN_OR_RETURN(std::optional<store::ChangesetRecord> earlier,
                         txn.FindChangesetBySubmitId(plan.repo.id, request.submit_id));
        if (earlier.has_value()) {
          moved = true;  // recompute: the next read phase reports it as replayed
          return absl::OkStatus();
        }
      }
      if (branch->head != plan.target) {
        moved = true;
        return absl::OkStatus();
      }
      // The target's policy (policy.h) decides whether the source may reach it.
      ASSIGN_OR_RETURN(std::vector<std::string> unmet,
                       UnmetPolicyRules(txn, plan.repo.id, request.target_branch, plan.source));
      if (!unmet.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "@", plan.source, " does not meet the policy of branch '", request.target_branch,
            "': ", absl::StrJoin(unmet, "; ")));
      }
      for (const Decision& d : decisions) {
        if (d.file.line_merged) {
          RETURN_IF_ERROR(txn.PutContent(d.file.result->content_id, d.file.result->size));
        }
      }
      ASSIGN_OR_RETURN(store::ChangesetRecord head_cs, FindChangeset(txn, plan.repo, plan.target));
      TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
      std::vector<TreeEdit> edits;
      std::vector<store::ChangedPathRecord> changed;
      for (const Decision& d : decisions) {
        TreeEdit edit;
        edit.path = d.file.path;
        if (d.file.result.has_value()) edit.entry = ToNodeEntry(*d.file.result);
        edits.push_back(std::move(edit));
        changed.push_back({d.file.path, d.file.action,
                           d.file.result.has_value() ? d.file.result->content_id : ""});
      }
      ASSIGN_OR_RETURN(EditedTree tree, ApplyTreeEdits(cache, head_cs.root_tree, edits));
      if (!tree.new_nodes.empty()) RETURN_IF_ERROR(txn.PutTreeNodes(tree.new_nodes));
      ASSIGN_OR_RETURN(int64_t number, txn.AllocateChangesetNumber(plan.repo.id));
      store::ChangesetRecord cs;
      cs.number = number;
      cs.parent = plan.target;
      cs.merge_parent = plan.source;
      cs.root_tree = tree.root;
      cs.author_id = caller.user.id;
      cs.message = message;
      cs.submit_id = request.submit_id;
      RETURN_IF_ERROR(txn.InsertChangeset(plan.repo.id, cs, changed));
      RETURN_IF_ERROR(txn.MoveBranchHead(plan.repo.id, request.target_branch, plan.target, number));
      RETURN_IF_ERROR(txn.AppendAudit(
          CallerAudit(caller, "merge", plan.repo.id,
                      absl::StrCat(request.source, "@", plan.source, " -> ",
                                   request.target_branch, "@", number))));
      ChangesetInfo info;
      ASSIGN_OR_RETURN(info.changeset, txn.GetChangeset(plan.repo.id, number));
      info.changed_paths = std::move(changed);
      result.changeset = std::move(info);
      return absl::OkStatus();
    });
    RETURN_IF_ERROR(txn_status);
    if (!moved) return result;
  }
  return absl::AbortedError(absl::StrCat("branch '", request.target_branch,
                                         "' kept moving while merging; try again"));
}

}  // namespace mlvc::server::core
