#include "client/ops/update_plan.h"

#include <set>

namespace mlvc::client::ops {
namespace {

using Kind = UpdateStep::Kind;

bool SameAsBase(const wc::WcEntry& entry, const remote::TreeFile& file) {
  return entry.base_content_id == file.content_id && entry.executable == file.executable;
}

}  // namespace

std::vector<UpdateStep> PlanUpdate(const std::map<std::string, wc::WcEntry>& entries,
                                   const std::vector<wc::StatusItem>& scan,
                                   const std::vector<remote::TreeFile>& target) {
  std::map<std::string, const wc::StatusItem*> local;
  for (const wc::StatusItem& item : scan) local[item.relpath] = &item;
  std::map<std::string, const remote::TreeFile*> upstream;
  for (const remote::TreeFile& file : target) upstream[file.path] = &file;

  std::set<std::string> paths;
  for (const auto& [path, entry] : entries) paths.insert(path);
  for (const auto& [path, file] : upstream) paths.insert(path);

  std::vector<UpdateStep> steps;
  for (const std::string& path : paths) {
    auto entry_it = entries.find(path);
    const wc::WcEntry* entry = entry_it == entries.end() ? nullptr : &entry_it->second;
    auto up_it = upstream.find(path);
    const remote::TreeFile* file = up_it == upstream.end() ? nullptr : up_it->second;
    auto local_it = local.find(path);
    const wc::StatusItem* item = local_it == local.end() ? nullptr : local_it->second;
    std::optional<remote::TreeFile> target_file;
    if (file != nullptr) target_file = *file;
    auto add = [&](Kind kind) { steps.push_back(UpdateStep{kind, path, target_file}); };

    if (entry == nullptr) {
      // Not versioned here: new upstream (an entry-less, file-less path is only in `upstream`).
      if (item != nullptr && item->code == wc::StatusCode::kUnversioned) {
        add(!item->content_id.empty() && item->content_id == file->content_id
                ? Kind::kAdoptExisting
                : Kind::kObstructed);
      } else {
        add(Kind::kFetchNew);
      }
      continue;
    }

    if (entry->schedule == wc::Schedule::kAdded) {
      if (file == nullptr) continue;  // a local addition, unknown upstream: nothing to do
      if (item != nullptr && item->code == wc::StatusCode::kAdded &&
          item->content_id == file->content_id) {
        add(Kind::kAdoptExisting);
      } else {
        add(Kind::kSkipLocalEdit);
      }
      continue;
    }

    if (file == nullptr) {  // deleted upstream
      if (entry->schedule == wc::Schedule::kDeleted) {
        add(Kind::kForget);
      } else if (item != nullptr && item->code == wc::StatusCode::kModified) {
        add(Kind::kKeepUnversioned);
      } else {
        add(Kind::kDelete);  // unmodified, or missing already
      }
      continue;
    }

    if (SameAsBase(*entry, *file) && entry->kind == (file->kind == remote::EntryKind::kText
                                                         ? wc::FileKind::kText
                                                         : wc::FileKind::kBinary)) {
      continue;  // unchanged upstream: whatever is local stays as it is
    }
    if (item != nullptr) {  // M, D or ! locally, and changed upstream
      const bool mergeable = item->code == wc::StatusCode::kModified && !entry->conflicted &&
                             entry->schedule == wc::Schedule::kNormal &&
                             entry->base_content_id != file->content_id;
      add(mergeable ? Kind::kMergeLocalEdit : Kind::kSkipLocalEdit);
      continue;
    }
    add(entry->base_content_id == file->content_id ? Kind::kMetadataOnly : Kind::kFetchChanged);
  }
  return steps;
}

}  // namespace mlvc::client::ops
