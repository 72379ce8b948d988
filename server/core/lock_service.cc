#include "server/core/lock_service.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/path/names.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/core/audit.h"
#include "server/core/refs.h"
#include "server/core/tree_editor.h"

namespace mlvc::server::core {
namespace {

std::string BranchOrMain(const std::string& branch) { return branch.empty() ? "main" : branch; }

std::string FormatUtc(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

absl::StatusOr<std::string> NormalizePath(const std::string& path) {
  absl::StatusOr<std::string> normalized = common::NormalizeRepoRelpath(path);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad path '", absl::CHexEscape(path),
                                                   "': ", normalized.status().message()));
  }
  return normalized;
}

// Normalized, duplicate-free (INVALID_ARGUMENT otherwise) paths, sorted, 1..kMaxLockPaths.
absl::StatusOr<std::vector<std::string>> ValidatePaths(const std::vector<std::string>& paths) {
  if (paths.empty()) return absl::InvalidArgumentError("no paths given");
  if (paths.size() > kMaxLockPaths) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many paths (", paths.size(), " > ", kMaxLockPaths, ")"));
  }
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const std::string& p : paths) {
    ASSIGN_OR_RETURN(std::string normalized, NormalizePath(p));
    out.push_back(std::move(normalized));
  }
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] == out[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat("path '", out[i], "' appears twice"));
    }
  }
  return out;
}

absl::Status ValidateBranch(const std::string& branch) {
  return common::ValidateBranchName(branch);
}

// The branch, NOT_FOUND "unknown branch 'B' in repository 'R'" when absent.
absl::StatusOr<store::BranchRecord> FindBranch(store::MetadataTxn& txn,
                                               const store::RepositoryRecord& repo,
                                               const std::string& branch, bool for_update) {
  absl::StatusOr<store::BranchRecord> found = txn.GetBranch(repo.id, branch, for_update);
  if (absl::IsNotFound(found.status())) {
    return absl::NotFoundError(
        absl::StrCat("unknown branch '", branch, "' in repository '", repo.name, "'"));
  }
  return found;
}

// "P" for one path, "P and N more" for several.
std::string Summary(const std::string& branch, const std::vector<std::string>& paths) {
  std::string out = absl::StrCat(branch, ":", paths.front());
  if (paths.size() > 1) absl::StrAppend(&out, " and ", paths.size() - 1, " more");
  return out;
}

}  // namespace

std::string DescribeLock(const store::LockRecord& lock) {
  std::string out = absl::StrCat("'", lock.path, "' is locked by ", lock.user_name, " since ",
                                 FormatUtc(lock.created_at_micros));
  if (!lock.comment.empty()) absl::StrAppend(&out, " (\"", lock.comment, "\")");
  return out;
}

absl::StatusOr<std::vector<store::LockRecord>> LockService::Lock(const Caller& caller,
                                                                 const LockRequest& request) {
  if (request.repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  const std::string branch_name = BranchOrMain(request.branch);
  RETURN_IF_ERROR(ValidateBranch(branch_name));
  if (request.comment.size() > kMaxLockCommentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the comment is longer than ", kMaxLockCommentBytes, " bytes"));
  }
  std::vector<std::string> raw_paths;
  for (const LockTarget& t : request.targets) raw_paths.push_back(t.path);
  ASSIGN_OR_RETURN(std::vector<std::string> paths, ValidatePaths(raw_paths));
  std::map<std::string, std::string> base_of;  // normalized path -> base content id
  for (const LockTarget& t : request.targets) {
    if (!t.base_content_id.empty() && !common::IsContentId(t.base_content_id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "base content id of '", t.path, "' must be empty or 64 lowercase hex digits"));
    }
    ASSIGN_OR_RETURN(std::string normalized, NormalizePath(t.path));
    base_of[normalized] = t.base_content_id;
  }

  std::vector<store::LockRecord> held;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    held.clear();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    // Locking the branch row orders this lock with submits to the branch: the head read
    // below stays the head until the locks are in.
    ASSIGN_OR_RETURN(store::BranchRecord branch,
                     FindBranch(txn, repo, branch_name, /*for_update=*/true));
    ASSIGN_OR_RETURN(store::ChangesetRecord head_cs, FindChangeset(txn, repo, branch.head));
    TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });

    for (const std::string& path : paths) {
      ASSIGN_OR_RETURN(std::optional<common::TreeNodeEntry> at_head,
                       LookupPath(cache, head_cs.root_tree, path));
      if (at_head.has_value() && at_head->kind == common::NodeKind::kDirectory) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", path, "' is a directory at @", branch.head, ", not a file"));
      }
      const std::string& base = base_of[path];
      const std::string head_id = at_head.has_value() ? at_head->id : "";
      if (head_id != base) {
        ASSIGN_OR_RETURN(std::optional<int64_t> changed_in,
                         txn.LastChangeOf(repo.id, branch.head, path));
        return absl::FailedPreconditionError(
            absl::StrCat("'", path, "' is out of date (changed in @",
                         changed_in.value_or(branch.head), "), run mlvc update first"));
      }
    }

    for (const std::string& path : paths) {
      store::LockRecord want;
      want.branch = branch_name;
      want.path = path;
      want.user_id = caller.user.id;
      want.comment = request.comment;
      ASSIGN_OR_RETURN(store::LockRecord holder, txn.TryInsertLock(repo.id, want));
      if (holder.user_id != caller.user.id) {
        return absl::FailedPreconditionError(DescribeLock(holder));
      }
      held.push_back(std::move(holder));
    }
    return txn.AppendAudit(CallerAudit(caller, "lock", repo.id, Summary(branch_name, paths)));
  });
  RETURN_IF_ERROR(txn_status);
  return held;
}

absl::StatusOr<std::vector<store::LockRecord>> LockService::Unlock(const Caller& caller,
                                                                   const UnlockRequest& request) {
  if (request.repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  const std::string branch_name = BranchOrMain(request.branch);
  RETURN_IF_ERROR(ValidateBranch(branch_name));
  ASSIGN_OR_RETURN(std::vector<std::string> paths, ValidatePaths(request.paths));

  std::vector<store::LockRecord> released;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    released.clear();
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    RETURN_IF_ERROR(FindBranch(txn, repo, branch_name, /*for_update=*/false).status());
    ASSIGN_OR_RETURN(std::vector<store::LockRecord> locks,
                     txn.GetLocks(repo.id, branch_name, paths));
    std::map<std::string, const store::LockRecord*> lock_of;
    for (const store::LockRecord& l : locks) lock_of[l.path] = &l;
    std::vector<const store::LockRecord*> broken;  // other users' locks
    for (const std::string& path : paths) {
      auto it = lock_of.find(path);
      if (it == lock_of.end()) {
        return absl::NotFoundError(
            absl::StrCat("'", path, "' is not locked on branch '", branch_name, "'"));
      }
      const store::LockRecord& lock = *it->second;
      if (lock.user_id == caller.user.id) continue;
      if (!request.force) {
        return absl::FailedPreconditionError(
            absl::StrCat("'", path, "' is not locked by you (locked by ", lock.user_name,
                         " since ", FormatUtc(lock.created_at_micros), ")"));
      }
      broken.push_back(&lock);
    }
    // Breaking others' locks needs the maintainer role: the authorization table asks for it
    // whenever `force` is set.
    ASSIGN_OR_RETURN(released, txn.DeleteLocks(repo.id, branch_name, paths, std::nullopt));
    if (released.size() != paths.size()) {
      // A concurrent unlock or submit released one since GetLocks: report it as not locked
      // (returning an error rolls back the others, keeping this all-or-nothing).
      std::set<std::string> gone(paths.begin(), paths.end());
      for (const store::LockRecord& l : released) gone.erase(l.path);
      return absl::NotFoundError(absl::StrCat("'", gone.empty() ? paths[0] : *gone.begin(),
                                              "' is not locked on branch '", branch_name, "'"));
    }
    // One row for the call; a broken lock names whose it was and since when.
    std::string target = Summary(branch_name, paths);
    for (const store::LockRecord* lock : broken) {
      absl::StrAppend(&target, "; broke ", lock->path, " held by ", lock->user_name, " since ",
                      FormatUtc(lock->created_at_micros));
    }
    return txn.AppendAudit(
        CallerAudit(caller, broken.empty() ? "unlock" : "lock.break", repo.id, target));
  });
  RETURN_IF_ERROR(txn_status);
  return released;
}

absl::StatusOr<ListLocksResult> LockService::ListLocks(const ListLocksRequest& request) {
  if (request.repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  const std::string branch_name = BranchOrMain(request.branch);
  RETURN_IF_ERROR(ValidateBranch(branch_name));
  if (request.limit < 0) return absl::InvalidArgumentError("limit is negative");
  const int limit = request.limit == 0 ? kDefaultLockListLimit
                                       : std::min(request.limit, kMaxLockListLimit);
  ListLocksResult result;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
    RETURN_IF_ERROR(FindBranch(txn, repo, branch_name, /*for_update=*/false).status());
    // One more than asked tells whether another page follows.
    ASSIGN_OR_RETURN(result.locks, txn.ListLocks(repo.id, branch_name, request.path_prefix,
                                                 request.after, limit + 1));
    result.next_after.clear();
    if (result.locks.size() > static_cast<size_t>(limit)) {
      result.locks.resize(limit);
      result.next_after = result.locks.back().path;
    }
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return result;
}

absl::StatusOr<std::vector<std::string>> LockService::GetLockablePatterns(
    const std::string& repository) {
  if (repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  std::vector<std::string> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(out, txn.GetLockablePatterns(repo.id));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::vector<std::string>> LockService::SetLockablePatterns(
    const Caller& caller, const std::string& repository,
    const std::vector<std::string>& patterns) {
  if (repository.empty()) return absl::InvalidArgumentError("repository name is empty");
  if (patterns.size() > kMaxLockablePatterns) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many patterns (", patterns.size(), " > ", kMaxLockablePatterns, ")"));
  }
  for (const std::string& p : patterns) {
    if (p.empty()) return absl::InvalidArgumentError("a lockable pattern is empty");
    if (p.size() > kMaxLockablePatternBytes) {
      return absl::InvalidArgumentError(absl::StrCat("lockable pattern '", p.substr(0, 40),
                                                     "...' is over ", kMaxLockablePatternBytes,
                                                     " bytes"));
    }
    for (unsigned char c : p) {
      if (c < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(absl::StrCat(
            "lockable pattern '", absl::CHexEscape(p), "' holds a control character"));
      }
    }
  }
  std::vector<std::string> out;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    RETURN_IF_ERROR(txn.SetLockablePatterns(repo.id, patterns));
    std::string target;
    for (const std::string& p : patterns) absl::StrAppend(&target, target.empty() ? "" : " ", p);
    RETURN_IF_ERROR(txn.AppendAudit(CallerAudit(caller, "lockable.set", repo.id, target)));
    ASSIGN_OR_RETURN(out, txn.GetLockablePatterns(repo.id));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::Status CheckSubmitLocks(store::MetadataTxn& txn, int64_t repo_id, const std::string& branch,
                              const Caller& submitter, const std::vector<Change>& changes,
                              bool keep_locks) {
  std::vector<std::string> paths;
  paths.reserve(changes.size());
  for (const Change& c : changes) paths.push_back(c.path);
  ASSIGN_OR_RETURN(std::vector<store::LockRecord> locks, txn.GetLocks(repo_id, branch, paths));
  std::vector<std::string> mine;
  for (const store::LockRecord& lock : locks) {
    if (lock.user_id != submitter.user.id) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot submit: ", DescribeLock(lock)));
    }
    mine.push_back(lock.path);
  }
  if (!keep_locks && !mine.empty()) {
    RETURN_IF_ERROR(txn.DeleteLocks(repo_id, branch, mine, submitter.user.id).status());
  }
  return absl::OkStatus();
}

}  // namespace mlvc::server::core
