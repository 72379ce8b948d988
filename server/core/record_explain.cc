// RecordService's questions: ChangesSince, MetricHistory, FindRegressions and ExplainModel.
// Each walks a branch's first-parent history as segments (store::FirstParentSegment), oldest
// segment first, so every read is an index range and nothing walks the parent chain.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/path/repo_path.h"
#include "common/record/environment_file.h"
#include "common/status/status_macros.h"
#include "server/core/content_io.h"
#include "server/core/policy.h"
#include "server/core/record_internal.h"
#include "server/core/record_service.h"
#include "server/core/refs.h"
#include "server/core/release_service.h"
#include "server/core/tree_editor.h"
#include "server/core/tree_walker.h"

namespace mlvc::server::core {
namespace {

using internal::BranchHead;
using internal::LoadRun;
using internal::OpenForReading;

constexpr int kDefaultChangesLimit = 1000;
constexpr int kMaxChangesLimit = 10000;
constexpr int kDefaultHistoryLimit = 1000;
constexpr int kMaxHistoryLimit = 10000;
constexpr int kDefaultRegressionLimit = 100;
constexpr int kMaxRegressionLimit = 1000;
constexpr int kMaxSuspects = 100;
constexpr int kMaxEvaluations = 20;

// Changesets of the history `segments` (newest first, as the store returns them) with
// numbers in (after, upto], oldest first, at most `limit`.
absl::StatusOr<std::vector<store::ChangesetRecord>> ChainChangesets(
    store::MetadataTxn& txn, int64_t repo_id,
    const std::vector<store::FirstParentSegment>& segments, int64_t after, int64_t upto,
    int limit) {
  std::vector<store::ChangesetRecord> out;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (static_cast<int>(out.size()) >= limit) break;
    store::FirstParentSegment s = *it;
    s.upto = std::min(s.upto, upto);
    if (s.upto <= after || s.upto <= s.after) continue;
    ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> part,
                     txn.SegmentChangesets(repo_id, s, after, limit - out.size()));
    for (auto& cs : part) out.push_back(std::move(cs));
  }
  return out;
}

std::vector<ClassifiedPath> Classify(const std::vector<store::ChangedPathRecord>& paths) {
  std::vector<ClassifiedPath> out;
  for (const store::ChangedPathRecord& p : paths) {
    out.push_back({p.path, p.action, ClassifyPath(p.path)});
  }
  return out;
}

absl::StatusOr<std::vector<ChangeSummary>> Summaries(
    store::MetadataTxn& txn, int64_t repo_id, std::vector<store::ChangesetRecord> changesets) {
  std::vector<int64_t> numbers;
  for (const auto& cs : changesets) numbers.push_back(cs.number);
  ASSIGN_OR_RETURN(auto paths, txn.GetChangedPathsOf(repo_id, numbers));
  std::vector<ChangeSummary> out;
  for (size_t i = 0; i < changesets.size(); ++i) {
    out.push_back({std::move(changesets[i]), Classify(paths[i].second)});
  }
  return out;
}

absl::StatusOr<ChangesSinceResult> ChangesSinceInTxn(store::MetadataTxn& txn,
                                                     const store::RepositoryRecord& repo,
                                                     int64_t from, int64_t head, int limit) {
  ChangesSinceResult out;
  out.head = head;
  ASSIGN_OR_RETURN(store::ChangesetRecord from_cs, FindChangeset(txn, repo, from));
  ASSIGN_OR_RETURN(store::ChangesetRecord head_cs, FindChangeset(txn, repo, head));
  ASSIGN_OR_RETURN(std::vector<store::FirstParentSegment> segments,
                   txn.FirstParentSegments(repo.id, head));
  ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> changesets,
                   ChainChangesets(txn, repo.id, segments, from, head, limit));
  ASSIGN_OR_RETURN(out.changes, Summaries(txn, repo.id, std::move(changesets)));
  TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
  ASSIGN_OR_RETURN(std::vector<FileDiff> diffs,
                   DiffTrees(cache, from_cs.root_tree, head_cs.root_tree, {}));
  for (const FileDiff& d : diffs) out.net_paths.push_back({d.path, d.action, ClassifyPath(d.path)});
  return out;
}

bool Better(double a, double b, bool higher_is_better) {
  return higher_is_better ? a > b : a < b;
}

// The rule of FindMetricRegressions (run_sql.cc), for the boundary between two segments.
bool IsRegression(double prev, double value, const store::RegressionRule& rule) {
  const double worse = rule.higher_is_better ? prev - value : value - prev;
  if (!rule.drop.has_value() && !rule.below.has_value()) return worse > 0;
  if (rule.drop.has_value() && worse > *rule.drop) return true;
  if (rule.below.has_value()) {
    const auto crossed = [&](double v) {
      return rule.higher_is_better ? v < *rule.below : v > *rule.below;
    };
    if (crossed(value) && !crossed(prev)) return true;
  }
  return false;
}

struct MetricContext {
  store::RepositoryRecord repo;
  store::MetricSelector metric;
  std::vector<store::FirstParentSegment> segments;  // newest first
};

absl::StatusOr<MetricContext> OpenMetric(store::MetadataTxn& txn, const Caller& /*caller*/,
                                         const MetricQuery& q) {
  MetricContext ctx;
  ASSIGN_OR_RETURN(ctx.repo, OpenForReading(txn, q.repository));
  ASSIGN_OR_RETURN(ctx.metric, ParseMetricName(q.metric));
  ASSIGN_OR_RETURN(int64_t head, BranchHead(txn, ctx.repo, q.branch));
  ASSIGN_OR_RETURN(ctx.segments, txn.FirstParentSegments(ctx.repo.id, head));
  return ctx;
}

// Author and message of the points' changesets.
absl::Status FillChangesets(store::MetadataTxn& txn, int64_t repo_id,
                            std::vector<MetricPoint*> points) {
  std::vector<int64_t> numbers;
  for (const MetricPoint* p : points) numbers.push_back(p->number);
  ASSIGN_OR_RETURN(std::vector<store::ChangesetRecord> changesets,
                   txn.GetChangesets(repo_id, numbers));
  std::map<int64_t, const store::ChangesetRecord*> by_number;
  for (const auto& cs : changesets) by_number[cs.number] = &cs;
  for (MetricPoint* p : points) {
    auto it = by_number.find(p->number);
    if (it == by_number.end()) continue;
    p->author = it->second->author_name;
    p->message = it->second->message;
  }
  return absl::OkStatus();
}

MetricPoint ToPoint(const store::MetricPointRecord& r) {
  MetricPoint p;
  p.number = r.number;
  p.value = r.value;
  p.run_id = r.run_id;
  p.kind = r.kind;
  return p;
}

}  // namespace

absl::StatusOr<ChangesSinceResult> RecordService::ChangesSince(const Caller& /*caller*/,
                                                               const std::string& repository,
                                                               int64_t from_number,
                                                               const std::string& branch,
                                                               int limit) {
  if (from_number < 0) return absl::InvalidArgumentError("from_number is negative");
  if (limit < 0) return absl::InvalidArgumentError("limit is negative");
  const int n = limit == 0 ? kDefaultChangesLimit : std::min(limit, kMaxChangesLimit);
  ChangesSinceResult out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    ASSIGN_OR_RETURN(int64_t head, BranchHead(txn, repo, branch));
    ASSIGN_OR_RETURN(out, ChangesSinceInTxn(txn, repo, from_number, head, n));
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::vector<MetricPoint>> RecordService::MetricHistory(const Caller& caller,
                                                                      const MetricQuery& q) {
  if (q.limit < 0) return absl::InvalidArgumentError("limit is negative");
  if (q.after_number < 0) return absl::InvalidArgumentError("after_number is negative");
  const int limit = q.limit == 0 ? kDefaultHistoryLimit : std::min(q.limit, kMaxHistoryLimit);
  std::vector<MetricPoint> out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(MetricContext ctx, OpenMetric(txn, caller, q));
    for (auto it = ctx.segments.rbegin(); it != ctx.segments.rend(); ++it) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (it->upto <= q.after_number) continue;
      ASSIGN_OR_RETURN(std::vector<store::MetricPointRecord> part,
                       txn.MetricPoints(ctx.repo.id, ctx.metric, *it, q.after_number,
                                        limit - static_cast<int>(out.size())));
      for (const auto& r : part) out.push_back(ToPoint(r));
    }
    // The previous page's last point and best value, for delta and improved.
    std::optional<double> prev, best;
    if (q.after_number > 0 && !out.empty()) {
      for (const store::FirstParentSegment& s : ctx.segments) {
        if (s.after >= q.after_number) continue;
        if (!prev.has_value()) {
          ASSIGN_OR_RETURN(std::optional<store::MetricPointRecord> last,
                           txn.LastMetricPoint(ctx.repo.id, ctx.metric, s, q.after_number));
          if (last.has_value()) prev = last->value;
        }
        ASSIGN_OR_RETURN(std::optional<double> b,
                         txn.BestMetricValue(ctx.repo.id, ctx.metric, s, q.after_number,
                                             q.higher_is_better));
        if (b.has_value() && (!best.has_value() || Better(*b, *best, q.higher_is_better))) {
          best = b;
        }
      }
    }
    std::vector<MetricPoint*> ptrs;
    for (MetricPoint& p : out) {
      p.delta = prev.has_value() ? p.value - *prev : 0;
      p.improved = !best.has_value() || Better(p.value, *best, q.higher_is_better);
      if (p.improved) best = p.value;
      prev = p.value;
      ptrs.push_back(&p);
    }
    return FillChangesets(txn, ctx.repo.id, ptrs);
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<std::vector<Regression>> RecordService::FindRegressions(const Caller& caller,
                                                                       const MetricQuery& q) {
  if (q.limit < 0) return absl::InvalidArgumentError("limit is negative");
  if (q.drop.has_value() && (!std::isfinite(*q.drop) || *q.drop < 0)) {
    return absl::InvalidArgumentError("drop must be a finite number, 0 or more");
  }
  if (q.below.has_value() && !std::isfinite(*q.below)) {
    return absl::InvalidArgumentError("below must be a finite number");
  }
  const int limit =
      q.limit == 0 ? kDefaultRegressionLimit : std::min(q.limit, kMaxRegressionLimit);
  store::RegressionRule rule{q.higher_is_better, q.drop, q.below};
  std::vector<Regression> out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(MetricContext ctx, OpenMetric(txn, caller, q));
    std::optional<store::MetricPointRecord> carry;  // the last point of older segments
    for (auto it = ctx.segments.rbegin(); it != ctx.segments.rend(); ++it) {
      if (static_cast<int>(out.size()) >= limit) break;
      ASSIGN_OR_RETURN(std::vector<store::MetricStepRecord> steps,
                       txn.FindMetricRegressions(ctx.repo.id, ctx.metric, *it, rule,
                                                 limit - static_cast<int>(out.size()) + 1));
      for (const store::MetricStepRecord& step : steps) {
        if (static_cast<int>(out.size()) >= limit) break;
        Regression r;
        r.point = ToPoint(step.point);
        if (step.prev_number < 0) {
          if (!carry.has_value() || !IsRegression(carry->value, step.point.value, rule)) continue;
          r.previous_number = carry->number;
          r.previous_value = carry->value;
        } else {
          r.previous_number = step.prev_number;
          r.previous_value = step.prev_value;
        }
        r.point.delta = r.point.value - r.previous_value;
        out.push_back(std::move(r));
      }
      if (std::next(it) != ctx.segments.rend()) {
        ASSIGN_OR_RETURN(std::optional<store::MetricPointRecord> last,
                         txn.LastMetricPoint(ctx.repo.id, ctx.metric, *it, it->upto));
        if (last.has_value()) carry = last;
      }
    }
    // The suspects of every regression, and their paths, in two queries.
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (const Regression& r : out) ranges.emplace_back(r.previous_number, r.point.number);
    ASSIGN_OR_RETURN(std::vector<std::vector<store::ChangesetRecord>> suspects,
                     txn.SegmentChangesetsInRanges(ctx.repo.id, ctx.segments, ranges,
                                                   kMaxSuspects));
    std::vector<int64_t> numbers;
    for (const auto& list : suspects) {
      for (const auto& cs : list) numbers.push_back(cs.number);
    }
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    ASSIGN_OR_RETURN(auto paths, txn.GetChangedPathsOf(ctx.repo.id, numbers));
    std::map<int64_t, const std::vector<store::ChangedPathRecord>*> paths_of;
    for (const auto& [n, p] : paths) paths_of[n] = &p;
    std::vector<MetricPoint*> ptrs;
    for (size_t i = 0; i < out.size(); ++i) {
      for (store::ChangesetRecord& cs : suspects[i]) {
        const auto* p = paths_of[cs.number];
        const int64_t number = cs.number;
        out[i].changes.push_back({std::move(cs), Classify(*p)});
        if (number == out[i].point.number) {
          out[i].point.author = out[i].changes.back().changeset.author_name;
          out[i].point.message = out[i].changes.back().changeset.message;
        }
      }
      if (out[i].point.author.empty()) ptrs.push_back(&out[i].point);
    }
    if (ptrs.empty()) return absl::OkStatus();
    return FillChangesets(txn, ctx.repo.id, ptrs);
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

absl::StatusOr<ModelExplanation> RecordService::ExplainModel(const Caller& caller,
                                                             const std::string& repository,
                                                             const std::string& path,
                                                             const std::string& ref) {
  absl::StatusOr<std::string> normalized = common::NormalizeRepoRelpath(path);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad model path '", path, "': ", normalized.status().message()));
  }
  ModelExplanation out;
  absl::Status txn_status = metadata_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    out = ModelExplanation();
    out.path = *normalized;
    ASSIGN_OR_RETURN(store::RepositoryRecord repo, OpenForReading(txn, repository));
    ASSIGN_OR_RETURN(ResolvedRef resolved, ResolveRefIn(txn, repo, ref));
    out.number = resolved.number;
    TreeNodeCache cache([&txn](const std::string& hash) { return txn.GetTreeNode(hash); });
    ASSIGN_OR_RETURN(store::ChangesetRecord cs, FindChangeset(txn, repo, resolved.number));
    ASSIGN_OR_RETURN(std::optional<common::TreeNodeEntry> entry,
                     LookupPath(cache, cs.root_tree, out.path));
    if (!entry.has_value()) {
      return absl::NotFoundError(absl::StrCat("'", out.path, "' does not exist at @",
                                              resolved.number, " of repository '", repo.name,
                                              "'"));
    }
    out.content_id = entry->id;
    ASSIGN_OR_RETURN(std::vector<ReleaseInfo> releases,
                     ReleasesHolding(txn, repo, out.path, out.content_id));
    for (const ReleaseInfo& r : releases) {
      out.releases.push_back({r.release.version, r.release.number, r.live_in});
    }

    ASSIGN_OR_RETURN(std::vector<int64_t> trained,
                     txn.TrainingRunsWithOutput(repo.id, out.content_id, 1));
    if (!trained.empty()) {
      ASSIGN_OR_RETURN(out.training, LoadRun(txn, repo.id, trained[0]));
    }

    // Evaluations: runs that read this content, and runs at the changesets of this history
    // that hold it (from the one that last changed the path up to the ref).
    const std::vector<int> eval_kinds = {kRunEval, kRunValidation};
    ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                     txn.RunsWithInput(repo.id, out.content_id, eval_kinds, kMaxEvaluations));
    ASSIGN_OR_RETURN(std::optional<int64_t> introduced,
                     txn.LastChangeOf(repo.id, resolved.number, out.path));
    ASSIGN_OR_RETURN(std::vector<store::FirstParentSegment> segments,
                     txn.FirstParentSegments(repo.id, resolved.number));
    store::RunFilter filter;
    filter.kinds = eval_kinds;
    filter.limit = kMaxEvaluations;
    for (store::FirstParentSegment s : segments) {
      s.after = std::max(s.after, introduced.value_or(0) - 1);
      if (s.after < s.upto) filter.segments.push_back(s);
    }
    if (!filter.segments.empty()) {
      ASSIGN_OR_RETURN(std::vector<int64_t> at, txn.ListRunIds(repo.id, filter));
      ids.insert(ids.end(), at.begin(), at.end());
    }
    std::sort(ids.begin(), ids.end(), std::greater<int64_t>());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() > kMaxEvaluations) ids.resize(kMaxEvaluations);
    ASSIGN_OR_RETURN(out.evaluations, txn.GetRuns(repo.id, ids));
    std::vector<store::RunRecord*> shown;
    for (store::RunRecord& r : out.evaluations) shown.push_back(&r);
    if (out.training.has_value()) shown.push_back(&*out.training);
    RETURN_IF_ERROR(internal::HideUnreadableInputs(txn, caller, shown));

    if (!out.training.has_value()) return absl::OkStatus();
    const store::RunRecord& training = *out.training;
    for (const store::RunInputRecord& in : training.inputs) {
      if (in.repo_id == 0) continue;  // hidden: from a repository the caller cannot read
      ASSIGN_OR_RETURN(std::vector<int64_t> producers,
                       txn.TrainingRunsWithOutput(in.repo_id, in.content_id, 1));
      if (!producers.empty() && producers[0] != training.id) {
        out.parent_model = in;
        break;
      }
    }
    const std::string branch = resolved.branch.empty() ? "main" : resolved.branch;
    ASSIGN_OR_RETURN(int64_t head, BranchHead(txn, repo, branch));
    ASSIGN_OR_RETURN(out.since_training,
                     ChangesSinceInTxn(txn, repo, training.number, head, kDefaultChangesLimit));

    // The head's copy of the training run's dependency file, compared with its packages.
    if (training.env_file_content_id.empty() || training.env_file_name.empty()) {
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> env_path = common::NormalizeRepoRelpath(training.env_file_name);
    if (!env_path.ok()) return absl::OkStatus();
    ASSIGN_OR_RETURN(store::ChangesetRecord head_cs, FindChangeset(txn, repo, head));
    ASSIGN_OR_RETURN(std::optional<common::TreeNodeEntry> env_entry,
                     LookupPath(cache, head_cs.root_tree, *env_path));
    if (!env_entry.has_value() || env_entry->kind == common::NodeKind::kDirectory) {
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> text =
        ReadContent(txn, blobs_, env_entry->id, common::kMaxEnvFileBytes);
    if (!text.ok()) return absl::OkStatus();  // too large or unreadable: unknown
    absl::StatusOr<common::PackageVersions> now =
        common::ParseEnvironmentFile(training.env_file_name, *text);
    if (!now.ok()) return absl::OkStatus();
    common::PackageVersions then(training.packages.begin(), training.packages.end());
    common::EnvDifference diff = common::EnvDiff(then, *now);
    for (const auto* list : {&diff.added, &diff.removed, &diff.changed}) {
      for (const common::PackageChange& c : *list) {
        out.environment_changes.push_back({c.name, c.old_version, c.new_version});
      }
    }
    std::sort(out.environment_changes.begin(), out.environment_changes.end(),
              [](const PackageChange& a, const PackageChange& b) { return a.name < b.name; });
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(txn_status);
  return out;
}

}  // namespace mlvc::server::core
