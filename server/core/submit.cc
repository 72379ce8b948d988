// HistoryService::Submit: validation before any store access, then one transaction that
// checks each change against the branch head (not the client's base), so a submit on a
// moved head lands on top whenever its paths were not touched in between.
#include <deque>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/path/names.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"
#include "server/core/audit.h"
#include "server/core/content_reach.h"
#include "server/core/history_service.h"
#include "server/core/lock_service.h"
#include "server/core/policy.h"
#include "server/core/refs.h"
#include "server/core/submit_merge.h"
#include "server/core/tree_editor.h"

namespace mlvc::server::core {
namespace {

using common::NodeKind;
using common::TreeNodeEntry;
using store::PathAction;

constexpr size_t kMaxSubmitIdBytes = 64;

absl::Status ValidateSubmitId(const std::string& id) {
  if (id.empty() || id.size() > kMaxSubmitIdBytes) {
    return absl::InvalidArgumentError("submit_id must have 1-64 characters");
  }
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat("submit_id '", absl::CHexEscape(id),
                                                     "' may only hold letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::Status BadChange(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("change of '", path, "': ", absl::string_view(what.data(), what.size())));
}

// Checks one change and rewrites its path to the normalized form.
absl::Status ValidateChange(Change& change) {
  absl::StatusOr<std::string> path = common::NormalizeRepoRelpath(change.path);
  if (!path.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad path '", absl::CHexEscape(change.path), "': ", path.status().message()));
  }
  change.path = *std::move(path);
  if (!change.action.has_value())
    return BadChange(change.path, "action must be ADD, MODIFY or DELETE");
  const PathAction action = *change.action;
  if (action == PathAction::kDelete) {
    if (!change.content_id.empty()) return BadChange(change.path, "DELETE carries no content_id");
  } else {
    if (!common::IsContentId(change.content_id)) {
      return BadChange(change.path, "content_id must be 64 lowercase hex digits");
    }
    if (!change.kind.has_value() || *change.kind == NodeKind::kDirectory) {
      return BadChange(change.path, "kind must be TEXT or BINARY");
    }
  }
  if (action != PathAction::kAdd && !common::IsContentId(change.base_content_id)) {
    return BadChange(change.path, "base_content_id must be 64 lowercase hex digits");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Change>> ValidateRequest(const SubmitRequest& request) {
  if (request.repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  RETURN_IF_ERROR(common::ValidateBranchName(request.branch));
  if (request.base_number < 0) return absl::InvalidArgumentError("base_number is negative");
  RETURN_IF_ERROR(ValidateSubmitId(request.submit_id));
  if (request.message.empty()) return absl::InvalidArgumentError("the message is empty");
  // An empty merge (merge_parent, no changes) records that a source was merged even though
  // the result equals the head.
  if (request.changes.empty() && !request.merge_parent.has_value()) {
    return absl::InvalidArgumentError("no changes to submit");
  }
  if (request.changes.size() > kMaxSubmitChanges) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many changes (", request.changes.size(), " > ", kMaxSubmitChanges, ")"));
  }
  std::vector<Change> changes = request.changes;
  std::set<std::string_view> seen;
  for (Change& c : changes) {
    RETURN_IF_ERROR(ValidateChange(c));
  }
  for (const Change& c : changes) {
    if (!seen.insert(c.path).second) {
      return absl::InvalidArgumentError(absl::StrCat("path '", c.path, "' appears twice"));
    }
  }
  return changes;
}

bool SameFile(const TreeNodeEntry& head, const Change& c) {
  return head.kind == *c.kind && head.id == c.content_id && head.executable == c.executable;
}

}  // namespace

absl::StatusOr<SubmitResult> HistoryService::Submit(const Caller& caller,
                                                    const SubmitRequest& request) {
  return Submit(caller, request, SubmitHook(), "submit");
}

absl::StatusOr<SubmitResult> HistoryService::Submit(const Caller& caller,
                                                    const SubmitRequest& request,
                                                    const SubmitHook& hook,
                                                    std::string_view audit_action) {
  ASSIGN_OR_RETURN(std::vector<Change> changes, ValidateRequest(request));

  SubmitResult result;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    result = SubmitResult();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    // Locking the branch first serializes submits to it, so the submit_id lookup below sees
    // any earlier submit with the same id that committed while we waited.
    absl::StatusOr<store::BranchRecord> branch =
        txn.GetBranch(repo.id, request.branch, /*for_update=*/true);
    if (absl::IsNotFound(branch.status())) {
      return absl::NotFoundError(
          absl::StrCat("unknown branch '", request.branch, "' in repository '", repo.name, "'"));
    }
    RETURN_IF_ERROR(branch.status());

    ASSIGN_OR_RETURN(std::optional<store::ChangesetRecord> earlier,
                     txn.FindChangesetBySubmitId(repo.id, request.submit_id));
    if (earlier.has_value()) {
      ASSIGN_OR_RETURN(result.changeset.changed_paths,
                       txn.GetChangedPaths(repo.id, earlier->number));
      result.changeset.changeset = *std::move(earlier);
      result.replayed = true;
      return txn.AppendAudit(CallerAudit(
          caller, std::string(audit_action), repo.id,
          absl::StrCat(request.branch, "@", result.changeset.changeset.number), "ok (replayed)"));
    }

    // A branch with a policy takes changes only by merge (policy.h).
    RETURN_IF_ERROR(RefuseDirectSubmit(txn, repo.id, request.branch));

    const int64_t head = branch->head;
    ASSIGN_OR_RETURN(store::ChangesetRecord head_cs, FindChangeset(txn, repo, head));
    // Others' locks refuse the submit; the submitter's are released with it (lock_service.h).
    RETURN_IF_ERROR(CheckSubmitLocks(txn, repo.id, request.branch, caller, changes,
                                     request.keep_locks));
    TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });

    if (request.merge_parent.has_value()) {
      RETURN_IF_ERROR(FindChangeset(txn, repo, *request.merge_parent).status());
    }

    // Only contents the caller reaches (content_reach.h), checked before any is read for a
    // merge: an id learnt elsewhere is no key to another repository's file. Unreached ones
    // read exactly like missing ones. Contents a merge below makes are the server's own.
    {
      std::vector<std::string> named;
      std::map<std::string, std::string> path_of_named;
      for (const Change& c : changes) {
        for (const std::string* id : {&c.content_id, &c.base_content_id}) {
          if (id->empty() || (id == &c.content_id && *c.action == PathAction::kDelete)) continue;
          if (path_of_named.emplace(*id, c.path).second) named.push_back(*id);
        }
      }
      if (!named.empty()) {
        ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller));
        ASSIGN_OR_RETURN(std::vector<std::string> missing,
                         txn.FindUnreachedContents(named, reach));
        if (!missing.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("content ", missing[0], " for '", path_of_named[missing[0]],
                           "' has not been uploaded"));
        }
      }
    }

    // Out-of-date check against the head, path by path.
    std::vector<const Change*> effective;
    std::deque<Change> merged_changes;  // text changes merged with the head (stable addresses)
    for (const Change& c : changes) {
      ASSIGN_OR_RETURN(std::optional<TreeNodeEntry> at_head,
                       LookupPath(cache, head_cs.root_tree, c.path));
      if (at_head.has_value() && at_head->kind == NodeKind::kDirectory) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", c.path, "' is a directory at @", head, ", not a file"));
      }
      bool up_to_date = false;
      if (*c.action == PathAction::kAdd) {
        up_to_date = !at_head.has_value() || SameFile(*at_head, c);
        if (up_to_date && at_head.has_value()) continue;  // already there: nothing to do
      } else {
        up_to_date = at_head.has_value() && at_head->id == c.base_content_id;
        if (up_to_date && *c.action == PathAction::kModify && SameFile(*at_head, c)) continue;
      }
      if (!up_to_date && blobs_ != nullptr && at_head.has_value()) {
        // A text also changed upstream: a clean three-way merge lands instead of refusing.
        ASSIGN_OR_RETURN(std::optional<HeadMerge> merged,
                         MergeChangeOnHead(*blobs_, txn, c, *at_head));
        if (merged.has_value()) {
          if (merged->content_id == at_head->id && at_head->executable == c.executable) {
            continue;  // the head already holds exactly the merged result
          }
          Change& m = merged_changes.emplace_back(c);
          m.content_id = merged->content_id;
          result.merged_paths.push_back(c.path);
          effective.push_back(&m);
          continue;
        }
      }
      if (!up_to_date) {
        ASSIGN_OR_RETURN(std::optional<int64_t> changed_in,
                         txn.LastChangeOf(repo.id, head, c.path));
        return absl::FailedPreconditionError(absl::StrCat(
            "out of date: '", c.path, "' was changed in @", changed_in.value_or(head)));
      }
      effective.push_back(&c);
    }

    // Every referenced content must be uploaded and verified.
    std::vector<std::string> ids;
    std::map<std::string, std::string> path_of_id;
    for (const Change* c : effective) {
      if (*c->action == PathAction::kDelete) continue;
      if (path_of_id.emplace(c->content_id, c->path).second) ids.push_back(c->content_id);
    }
    std::map<std::string, uint64_t> sizes;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<uint64_t> size, txn.GetContentSize(id));
      if (!size.has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("content ", id, " for '", path_of_id[id], "' has not been uploaded"));
      }
      sizes[id] = *size;
    }

    std::vector<TreeEdit> edits;
    std::vector<store::ChangedPathRecord> changed;
    edits.reserve(effective.size());
    changed.reserve(effective.size());
    for (const Change* c : effective) {
      TreeEdit edit;
      edit.path = c->path;
      if (*c->action != PathAction::kDelete) {
        edit.entry =
            TreeNodeEntry{"", *c->kind, c->executable, sizes[c->content_id], c->content_id};
      }
      edits.push_back(std::move(edit));
      changed.push_back({c->path, *c->action, c->content_id});
    }
    std::sort(changed.begin(), changed.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    ASSIGN_OR_RETURN(EditedTree tree, ApplyTreeEdits(cache, head_cs.root_tree, edits));
    if (!tree.new_nodes.empty()) RETURN_IF_ERROR(txn.PutTreeNodes(tree.new_nodes));

    ASSIGN_OR_RETURN(int64_t number, txn.AllocateChangesetNumber(repo.id));
    store::ChangesetRecord cs;
    cs.number = number;
    cs.parent = head;
    cs.merge_parent = request.merge_parent;
    cs.root_tree = tree.root;
    cs.author_id = caller.user.id;
    cs.message = request.message;
    cs.submit_id = request.submit_id;
    RETURN_IF_ERROR(txn.InsertChangeset(repo.id, cs, changed));
    RETURN_IF_ERROR(txn.MoveBranchHead(repo.id, request.branch, head, number));

    RETURN_IF_ERROR(txn.AppendAudit(CallerAudit(caller, std::string(audit_action), repo.id,
                                                absl::StrCat(request.branch, "@", number))));

    ASSIGN_OR_RETURN(result.changeset.changeset, txn.GetChangeset(repo.id, number));
    result.changeset.changed_paths = std::move(changed);
    if (hook) RETURN_IF_ERROR(hook(txn, repo, result.changeset));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return result;
}

}  // namespace mlvc::server::core
