// RecordService: recording runs (RecordRun, PushModel), reading them (GetRun, ListRuns,
// FindRun), reviews and policies. The questions are in record_explain.cc.
#include "server/core/record_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "common/record/environment_file.h"
#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/core/audit.h"
#include "server/core/content_io.h"
#include "server/core/content_reach.h"
#include "server/core/events.h"
#include "server/core/policy.h"
#include "server/core/record_internal.h"
#include "server/core/refs.h"
#include "server/core/tree_editor.h"

namespace mlvc::server::core {
namespace {

constexpr int kDefaultRunLimit = 50;
constexpr int kMaxRunLimit = 1000;
constexpr size_t kMaxRecordIdBytes = 64;
constexpr size_t kMaxRunInputs = 1000;
constexpr size_t kMaxRunOutputs = 10000;
constexpr size_t kMaxEnvVars = 1000;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status ValidateKey(const std::string& what, const std::string& key) {
  if (key.empty()) return absl::InvalidArgumentError(absl::StrCat("a ", what, " key is empty"));
  if (key.size() > kMaxMetricKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " key '", key.substr(0, 40),
                                                   "...' is longer than 256 bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordId(const std::string& id) {
  if (id.empty()) return absl::OkStatus();
  if (id.size() > kMaxRecordIdBytes) {
    return absl::InvalidArgumentError("record_id must have at most 64 characters");
  }
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat("record_id '", absl::CHexEscape(id),
                                                     "' may only hold letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeRunPath(const std::string& what, const std::string& path) {
  absl::StatusOr<std::string> p = common::NormalizeRepoRelpath(path);
  if (!p.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad ", what, " path '",
                                                   absl::CHexEscape(path), "': ",
                                                   p.status().message()));
  }
  return *p;
}

// The entry at `path` of changeset `number` of `repo` (a file's content id or a directory's
// tree hash). NOT_FOUND naming what was looked for.
absl::StatusOr<common::TreeNodeEntry> EntryAt(store::MetadataTxn& txn, TreeNodeCache& cache,
                                             const store::RepositoryRecord& repo,
                                             int64_t number, const std::string& path,
                                             const std::string& what) {
  ASSIGN_OR_RETURN(store::ChangesetRecord cs, FindChangeset(txn, repo, number));
  ASSIGN_OR_RETURN(std::optional<common::TreeNodeEntry> entry,
                   LookupPath(cache, cs.root_tree, path));
  if (!entry.has_value()) {
    return absl::NotFoundError(absl::StrCat(what, " '", path, "' does not exist at @", number,
                                            " of repository '", repo.name, "'"));
  }
  return *entry;
}

}  // namespace

absl::Status ValidateRunSpec(RunSpec& spec) {
  if (spec.kind < kRunTrain || spec.kind > kRunValidation) {
    return absl::InvalidArgumentError("the run's kind must be TRAIN, EVAL or VALIDATION");
  }
  if (spec.name.empty()) spec.name = RunKindName(spec.kind);
  if (spec.name.size() > kMaxRunNameBytes) {
    return absl::InvalidArgumentError("the run's name is longer than 256 bytes");
  }
  if (spec.status == 0) spec.status = 1;
  if (spec.status < 1 || spec.status > 3) {
    return absl::InvalidArgumentError("the run's status must be SUCCEEDED, FAILED or RUNNING");
  }
  if (spec.started_at_micros < 0 || spec.finished_at_micros < 0) {
    return absl::InvalidArgumentError("run times must not be negative");
  }
  if (spec.params.size() > kMaxRunParams) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many params (", spec.params.size(), " > ", kMaxRunParams, ")"));
  }
  if (spec.metrics.size() > kMaxRunMetrics) {
    return absl::InvalidArgumentError(absl::StrCat("too many metric values (", spec.metrics.size(),
                                                   " > ", kMaxRunMetrics, ")"));
  }
  std::set<std::string> param_keys;
  for (const auto& [key, value] : spec.params) {
    RETURN_IF_ERROR(ValidateKey("param", key));
    if (!param_keys.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat("param '", key, "' appears twice"));
    }
  }
  std::set<std::pair<std::string, std::optional<int64_t>>> metric_keys;
  for (const store::RunMetricRecord& m : spec.metrics) {
    RETURN_IF_ERROR(ValidateKey("metric", m.key));
    if (!std::isfinite(m.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric '", m.key, "' has a non-finite value (NaN or infinity)"));
    }
    if (!metric_keys.insert({m.key, m.step}).second) {
      return absl::InvalidArgumentError(
          m.step.has_value()
              ? absl::StrCat("metric '", m.key, "' has two values at step ", *m.step)
              : absl::StrCat("metric '", m.key, "' appears twice"));
    }
  }
  if (spec.inputs.size() > kMaxRunInputs) {
    return absl::InvalidArgumentError("too many inputs (more than 1,000)");
  }
  for (RunInputSpec& in : spec.inputs) {
    ASSIGN_OR_RETURN(in.path, NormalizeRunPath("input", in.path));
  }
  if (spec.outputs.size() > kMaxRunOutputs) {
    return absl::InvalidArgumentError("too many outputs (more than 10,000)");
  }
  std::set<std::string> outputs;
  for (std::string& out : spec.outputs) {
    ASSIGN_OR_RETURN(out, NormalizeRunPath("output", out));
    if (!outputs.insert(out).second) {
      return absl::InvalidArgumentError(absl::StrCat("output '", out, "' appears twice"));
    }
  }
  if (!spec.env_file_content_id.empty() && !common::IsContentId(spec.env_file_content_id)) {
    return absl::InvalidArgumentError(
        "the environment file's content id must be 64 lowercase hex digits");
  }
  if (spec.env_file_name.size() > 4096) {
    return absl::InvalidArgumentError("the environment file's name is too long");
  }
  if (spec.env_vars.size() > kMaxEnvVars) {
    return absl::InvalidArgumentError("too many environment variables (more than 1,000)");
  }
  for (const auto& [key, value] : spec.env_vars) {
    RETURN_IF_ERROR(ValidateKey("environment", key));
  }
  return absl::OkStatus();
}

namespace internal {

absl::StatusOr<int64_t> RecordRunInTxn(store::MetadataTxn& txn, store::BlobStore& blobs,
                                       const Caller& caller, const store::RepositoryRecord& repo,
                                       int64_t number, const RunSpec& spec,
                                       const std::string& record_id) {
  store::RunRecord run;
  run.repo_id = repo.id;
  run.number = number;
  run.kind = spec.kind;
  run.name = spec.name;
  run.status = spec.status;
  run.user_id = caller.user.id;
  const int64_t now = NowMicros();
  run.started_at_micros = spec.started_at_micros != 0 ? spec.started_at_micros : now;
  run.finished_at_micros = spec.finished_at_micros != 0 ? spec.finished_at_micros
                           : spec.status == 3       ? 0
                                                    : now;
  run.record_id = record_id;
  run.params = spec.params;
  run.metrics = spec.metrics;
  run.env_vars = spec.env_vars;
  std::sort(run.env_vars.begin(), run.env_vars.end());

  TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
  std::map<std::string, store::RepositoryRecord> other_repos;
  for (const RunInputSpec& in : spec.inputs) {
    store::RepositoryRecord input_repo = repo;
    if (!in.repository.empty() && in.repository != repo.name) {
      auto it = other_repos.find(in.repository);
      if (it == other_repos.end()) {
        ASSIGN_OR_RETURN(store::RepositoryRecord r, FindRepository(txn, in.repository));
        RETURN_IF_ERROR(RequireRole(txn, caller.user, r.id, Role::kReader,
                                    "use it as a run's input"));
        it = other_repos.emplace(in.repository, r).first;
      }
      input_repo = it->second;
    }
    ASSIGN_OR_RETURN(ResolvedRef ref, ResolveRefIn(txn, input_repo, in.ref));
    ASSIGN_OR_RETURN(common::TreeNodeEntry entry,
                     EntryAt(txn, cache, input_repo, ref.number, in.path, "input"));
    store::RunInputRecord rec;
    rec.repo_id = input_repo.id;
    rec.repository = input_repo.name;
    rec.path = in.path;
    rec.number = ref.number;
    rec.content_id = entry.id;
    rec.directory = entry.kind == common::NodeKind::kDirectory;
    run.inputs.push_back(std::move(rec));
  }
  for (const std::string& path : spec.outputs) {
    ASSIGN_OR_RETURN(common::TreeNodeEntry entry,
                     EntryAt(txn, cache, repo, number, path, "output"));
    run.outputs.push_back({path, entry.id});
  }

  if (!spec.env_file_content_id.empty()) {
    // Only a content the caller reaches (content_reach.h), like a submit's.
    ASSIGN_OR_RETURN(store::ContentReach reach, ReachOf(txn, caller));
    ASSIGN_OR_RETURN(std::vector<std::string> unreached,
                     txn.FindUnreachedContents({spec.env_file_content_id}, reach));
    std::optional<uint64_t> size;
    if (unreached.empty()) {
      ASSIGN_OR_RETURN(size, txn.GetContentSize(spec.env_file_content_id));
    }
    if (!size.has_value()) {
      return absl::NotFoundError(absl::StrCat("the environment file's content ",
                                              spec.env_file_content_id,
                                              " has not been uploaded"));
    }
    if (*size > common::kMaxEnvFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the environment file '", spec.env_file_name, "' is larger than ",
                       common::kMaxEnvFileBytes, " bytes"));
    }
    ASSIGN_OR_RETURN(std::string text,
                     ReadContent(txn, blobs, spec.env_file_content_id, common::kMaxEnvFileBytes));
    absl::StatusOr<common::PackageVersions> packages =
        common::ParseEnvironmentFile(spec.env_file_name, text);
    if (!packages.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("cannot parse the environment file: ",
                                                     packages.status().message()));
    }
    for (const auto& [name, version] : *packages) run.packages.emplace_back(name, version);
    run.env_file_content_id = spec.env_file_content_id;
  }
  run.env_file_name = spec.env_file_name;

  ASSIGN_OR_RETURN(int64_t id, txn.InsertRun(run));
  RETURN_IF_ERROR(AppendEvent(txn, repo.id, caller.user.id, "run.recorded",
                              EventPayload()
                                  .Add("run", id)
                                  .Add("number", number)
                                  .Add("kind", RunKindName(spec.kind))
                                  .Add("name", spec.name)
                                  .Json()));
  return id;
}

absl::Status HideUnreadableInputs(store::MetadataTxn& txn, const Caller& caller,
                                  std::vector<store::RunRecord*> runs) {
  ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> readable,
                   ReadableRepositories(txn, caller.user));
  if (!readable.has_value()) return absl::OkStatus();  // an admin reads every repository
  const std::set<int64_t> can_read(readable->begin(), readable->end());
  for (store::RunRecord* run : runs) {
    for (store::RunInputRecord& in : run->inputs) {
      if (in.repo_id == run->repo_id || can_read.count(in.repo_id) > 0) continue;
      in = store::RunInputRecord();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<store::RunRecord> LoadRun(store::MetadataTxn& txn, int64_t repo_id, int64_t id) {
  ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, txn.GetRuns(repo_id, {id}));
  if (runs.empty()) return absl::NotFoundError(absl::StrCat("unknown run ", id));
  return std::move(runs[0]);
}

absl::StatusOr<store::RepositoryRecord> OpenForReading(store::MetadataTxn& txn,
                                                       const std::string& repository) {
  return FindRepository(txn, repository);
}

absl::StatusOr<int64_t> BranchHead(store::MetadataTxn& txn, const store::RepositoryRecord& repo,
                                   const std::string& branch) {
  const std::string name = branch.empty() ? "main" : branch;
  absl::StatusOr<store::BranchRecord> b = txn.GetBranch(repo.id, name, /*for_update=*/false);
  if (absl::IsNotFound(b.status())) {
    return absl::NotFoundError(
        absl::StrCat("unknown branch '", name, "' in repository '", repo.name, "'"));
  }
  RETURN_IF_ERROR(b.status());
  return b->head;
}

}  // namespace internal

using internal::BranchHead;
using internal::HideUnreadableInputs;
using internal::LoadRun;
using internal::OpenForReading;

absl::StatusOr<store::RunRecord> RecordService::RecordRun(const Caller& caller,
                                                          const std::string& repository,
                                                          const std::string& ref,
                                                          const RunSpec& request,
                                                          const std::string& record_id) {
  RunSpec spec = request;
  RETURN_IF_ERROR(ValidateRunSpec(spec));
  RETURN_IF_ERROR(ValidateRecordId(record_id));
  store::RunRecord out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(std::optional<int64_t> earlier, txn.FindRunByRecordId(repo.id, record_id));
    if (earlier.has_value()) {
      ASSIGN_OR_RETURN(out, LoadRun(txn, repo.id, *earlier));
      return txn.AppendAudit(CallerAudit(caller, "run.record", repo.id,
                                         absl::StrCat("run ", out.id, " @", out.number),
                                         "ok (replayed)"));
    }
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    ASSIGN_OR_RETURN(int64_t id, internal::RecordRunInTxn(txn, blobs_, caller, repo,
                                                          resolved.number, spec, record_id));
    ASSIGN_OR_RETURN(out, LoadRun(txn, repo.id, id));
    return txn.AppendAudit(CallerAudit(
        caller, "run.record", repo.id,
        absl::StrCat("run ", id, " (", RunKindName(spec.kind), ") @", resolved.number)));
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<PushModelResult> RecordService::PushModel(const Caller& caller,
                                                         const SubmitRequest& submit,
                                                         const RunSpec& request) {
  RunSpec spec = request;
  RETURN_IF_ERROR(ValidateRunSpec(spec));
  // The run is found again on a retry by its submit's id.
  const std::string record_id = absl::StrCat("push-", submit.submit_id);
  PushModelResult out;
  HistoryService::SubmitHook hook = [&](store::MetadataTxn& txn,
                                        const store::RepositoryRecord& repo,
                                        const ChangesetInfo& landed) -> absl::Status {
    RunSpec with_outputs = spec;
    if (with_outputs.outputs.empty()) {
      for (const store::ChangedPathRecord& p : landed.changed_paths) {
        if (p.action != store::PathAction::kDelete) with_outputs.outputs.push_back(p.path);
      }
    }
    ASSIGN_OR_RETURN(int64_t id,
                     internal::RecordRunInTxn(txn, blobs_, caller, repo,
                                              landed.changeset.number, with_outputs, record_id));
    ASSIGN_OR_RETURN(out.run, LoadRun(txn, repo.id, id));
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(out.submit, history_.Submit(caller, submit, hook, "push-model"));
  if (out.submit.replayed) {
    absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, submit.repository));
      ASSIGN_OR_RETURN(std::optional<int64_t> id, txn.FindRunByRecordId(repo.id, record_id));
      if (!id.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "submit_id '", submit.submit_id, "' was used by a submit without a run"));
      }
      ASSIGN_OR_RETURN(out.run, LoadRun(txn, repo.id, *id));
      return absl::OkStatus();
    });
    RETURN_IF_ERROR(txn_status);
  }
  return out;
}

absl::StatusOr<store::RunRecord> RecordService::GetRun(const Caller& caller,
                                                       const std::string& repository,
                                                       int64_t id) {
  store::RunRecord out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    ASSIGN_OR_RETURN(out, LoadRun(txn, repo.id, id));
    return HideUnreadableInputs(txn, caller, {&out});
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::vector<store::RunRecord>> RecordService::ListRuns(const Caller& caller,
                                                                      const ListRunsQuery& q) {
  if (q.limit < 0) return absl::InvalidArgumentError("limit is negative");
  if (q.kind < 0 || q.kind > kRunValidation) return absl::InvalidArgumentError("bad run kind");
  std::vector<store::RunRecord> out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, q.repository));
    store::RunFilter filter;
    filter.limit = q.limit == 0 ? kDefaultRunLimit : std::min(q.limit, kMaxRunLimit);
    if (q.kind != 0) filter.kinds = {q.kind};
    if (q.number != 0) filter.number = q.number;
    filter.before_id = q.before_id;
    if (!q.branch.empty()) {
      ASSIGN_OR_RETURN(int64_t head, BranchHead(txn, repo, q.branch));
      ASSIGN_OR_RETURN(filter.segments, txn.FirstParentSegments(repo.id, head));
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> ids, txn.ListRunIds(repo.id, filter));
    ASSIGN_OR_RETURN(out, txn.GetRuns(repo.id, ids));
    std::vector<store::RunRecord*> runs;
    for (store::RunRecord& r : out) runs.push_back(&r);
    return HideUnreadableInputs(txn, caller, runs);
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

// How many ancestors FindRun examines through merge parents before giving up.
constexpr int kMaxAncestorWalk = 1000;

absl::StatusOr<FoundRun> RecordService::FindRun(const Caller& caller,
                                                const std::string& repository,
                                                const std::string& ref,
                                                const std::string& model_path, int kind) {
  if (kind < 0 || kind > kRunValidation) return absl::InvalidArgumentError("bad run kind");
  std::string path;
  if (!model_path.empty()) {
    ASSIGN_OR_RETURN(path, NormalizeRunPath("model", model_path));
  }
  const int wanted = kind == 0 ? kRunTrain : kind;
  FoundRun out;
  const auto find = [&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    out.number = resolved.number;
    if (!path.empty()) {
      TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
      ASSIGN_OR_RETURN(common::TreeNodeEntry entry,
                       EntryAt(txn, cache, repo, resolved.number, path, "model"));
      ASSIGN_OR_RETURN(std::vector<int64_t> ids, txn.TrainingRunsWithOutput(repo.id, entry.id, 1));
      if (ids.empty()) {
        return absl::NotFoundError(absl::StrCat("no training run recorded '", path,
                                                "' as it is at @", resolved.number,
                                                " (content ", entry.id.substr(0, 12), ")"));
      }
      ASSIGN_OR_RETURN(out.run, LoadRun(txn, repo.id, ids[0]));
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::vector<store::FirstParentSegment> segments,
                     txn.FirstParentSegments(repo.id, resolved.number));
    for (const store::FirstParentSegment& s : segments) {
      ASSIGN_OR_RETURN(std::optional<int64_t> id, txn.NewestRunInSegment(repo.id, s, wanted));
      if (id.has_value()) {
        ASSIGN_OR_RETURN(out.run, LoadRun(txn, repo.id, *id));
        return absl::OkStatus();
      }
    }
    // None on the first-parent chain: a merge brings its source's runs with it (a release
    // made on main from a merged integration branch was trained there), so look through
    // merge parents too, newest changeset first, within a bounded walk.
    ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> ancestors,
                     txn.ListHistoryAllParents(repo.id, resolved.number, kMaxAncestorWalk));
    for (const store::ChangesetRecord& cs : ancestors) {
      store::RunFilter filter;
      filter.kinds = {wanted};
      filter.number = cs.number;
      filter.limit = 1;
      ASSIGN_OR_RETURN(std::vector<int64_t> ids, txn.ListRunIds(repo.id, filter));
      if (!ids.empty()) {
        ASSIGN_OR_RETURN(out.run, LoadRun(txn, repo.id, ids[0]));
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(absl::StrCat("no ", RunKindName(wanted), " run at @",
                                            resolved.number, " or its ancestors"));
  };
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(find(txn));
    return HideUnreadableInputs(txn, caller, {&out.run});
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::pair<int64_t, std::vector<std::string>>> RecordService::ApproveChangeset(
    const Caller& caller, const std::string& repository, const std::string& ref,
    const std::string& note) {
  if (note.size() > 4096) return absl::InvalidArgumentError("the note is longer than 4096 bytes");
  std::pair<int64_t, std::vector<std::string>> out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out = {};
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    RETURN_IF_ERROR(txn.AddApproval(repo.id, resolved.number, caller.user.id, note));
    RETURN_IF_ERROR(txn.AppendAudit(
        CallerAudit(caller, "review.approve", repo.id, absl::StrCat("@", resolved.number))));
    ASSIGN_OR_RETURN(std::vector<store::ApproverRecord> approvers,
                     txn.ListApprovers(repo.id, resolved.number));
    out.first = resolved.number;
    for (const store::ApproverRecord& a : approvers) out.second.push_back(a.name);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<store::PolicyRecord> RecordService::SetPolicy(const Caller& caller,
                                                             const std::string& repository,
                                                             const std::string& branch,
                                                             store::PolicyRecord policy) {
  RETURN_IF_ERROR(ValidatePolicy(policy));
  const std::string name = branch.empty() ? "main" : branch;
  store::PolicyRecord out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out = {};
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, repository));
    RETURN_IF_ERROR(BranchHead(txn, repo, name).status());
    std::string described;
    if (IsEmptyPolicy(policy)) {
      RETURN_IF_ERROR(txn.DeleteBranchPolicy(repo.id, name));
      described = "none";
    } else {
      RETURN_IF_ERROR(txn.SetBranchPolicy(repo.id, name, policy, caller.user.id));
      for (int kind : policy.require_runs) {
        absl::StrAppend(&described, "run:", RunKindName(kind), " ");
      }
      for (const auto& rule : policy.require_metrics) {
        absl::StrAppend(&described, FormatMetricRule(rule), " ");
      }
      if (policy.require_reviews > 0) {
        absl::StrAppend(&described, "reviews:", policy.require_reviews);
      }
      ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> stored,
                       txn.GetBranchPolicy(repo.id, name));
      if (stored.has_value()) out = *stored;
    }
    RETURN_IF_ERROR(txn.AppendAudit(
        CallerAudit(caller, "policy.set", repo.id, absl::StrCat(name, ": ", described))));
    return AppendEvent(txn, repo.id, caller.user.id, "policy.set",
                       EventPayload().Add("branch", name).Add("policy", described).Json());
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::optional<store::PolicyRecord>> RecordService::GetPolicy(
    const Caller& /*caller*/, const std::string& repository, const std::string& branch) {
  std::optional<store::PolicyRecord> out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    RETURN_IF_ERROR(BranchHead(txn, repo, branch).status());
    ASSIGN_OR_RETURN(out, txn.GetBranchPolicy(repo.id, branch.empty() ? "main" : branch));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<PolicyCheck> RecordService::CheckPolicy(const Caller& /*caller*/,
                                                       const std::string& repository,
                                                       const std::string& branch,
                                                       const std::string& ref) {
  PolicyCheck out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    const std::string name = branch.empty() ? "main" : branch;
    RETURN_IF_ERROR(BranchHead(txn, repo, name).status());
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    out.number = resolved.number;
    ASSIGN_OR_RETURN(out.unmet, UnmetPolicyRules(txn, repo.id, name, resolved.number));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

}  // namespace mlvc::server::core
