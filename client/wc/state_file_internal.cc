#include "client/wc/state_file_internal.h"

#include <algorithm>
#include <exception>

#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "nlohmann/json.hpp"

namespace mlvc::client::wc::internal {
namespace {

using nlohmann::json;

const char* KindName(FileKind kind) { return kind == FileKind::kText ? "text" : "binary"; }

const char* ScheduleName(Schedule schedule) {
  switch (schedule) {
    case Schedule::kNormal: return "normal";
    case Schedule::kAdded: return "added";
    case Schedule::kDeleted: return "deleted";
  }
  return "normal";
}

// Thrown inside DecodeState only, turned into DATA_LOSS before returning.
struct BadState {
  std::string why;
};

FileKind ParseKind(const json& j) {
  const std::string s = j.get<std::string>();
  if (s == "text") return FileKind::kText;
  if (s == "binary") return FileKind::kBinary;
  throw BadState{"unknown kind '" + s + "'"};
}

Schedule ParseSchedule(const json& j) {
  const std::string s = j.get<std::string>();
  if (s == "normal") return Schedule::kNormal;
  if (s == "added") return Schedule::kAdded;
  if (s == "deleted") return Schedule::kDeleted;
  throw BadState{"unknown schedule '" + s + "'"};
}

void CheckContentId(const std::string& id) {
  if (!id.empty() && !common::IsContentId(id)) throw BadState{"bad content id '" + id + "'"};
}

}  // namespace

std::string EncodeState(const WcConfig& config, const std::map<std::string, WcEntry>& entries) {
  json j;
  j["version"] = kStateVersion;
  j["server"] = config.server;
  j["repository"] = config.repository;
  j["branch"] = config.branch;
  j["base"] = config.base_number;
  j["sparse_paths"] = config.sparse_paths;
  // Optional keys (absent in state files written before locks existed).
  if (config.lockable_patterns.has_value()) j["lockable_patterns"] = *config.lockable_patterns;
  if (!config.held_locks.empty()) j["held_locks"] = config.held_locks;
  if (config.pending_merge_parent.has_value()) j["merge_parent"] = *config.pending_merge_parent;
  json list = json::array();
  for (const auto& [relpath, e] : entries) {
    list.push_back(json{{"path", relpath},
                        {"base_content_id", e.base_content_id},
                        {"base_size", e.base_size},
                        {"mtime_ns", e.mtime_ns},
                        {"disk_size", e.disk_size},
                        {"disk_content_id", e.disk_content_id},
                        {"kind", KindName(e.kind)},
                        {"executable", e.executable},
                        {"disk_kind", KindName(e.disk_kind)},
                        {"schedule", ScheduleName(e.schedule)},
                        {"conflicted", e.conflicted}});
  }
  j["entries"] = std::move(list);
  return j.dump(1) + "\n";
}

absl::StatusOr<WcState> DecodeState(std::string_view text) {
  try {
    const json j = json::parse(text.begin(), text.end());
    const int version = j.at("version").get<int>();
    if (version != kStateVersion) {
      throw BadState{absl::StrCat("unsupported state version ", version, " (this mlvc reads ",
                                  kStateVersion, ")")};
    }
    WcState state;
    state.config.server = j.at("server").get<std::string>();
    state.config.repository = j.at("repository").get<std::string>();
    state.config.branch = j.at("branch").get<std::string>();
    state.config.base_number = j.at("base").get<int64_t>();
    state.config.sparse_paths = j.at("sparse_paths").get<std::vector<std::string>>();
    if (j.contains("merge_parent")) {
      state.config.pending_merge_parent = j.at("merge_parent").get<int64_t>();
    }
    for (const std::string& p : state.config.sparse_paths) {
      if (!common::NormalizeRepoRelpath(p).ok()) throw BadState{"bad sparse path '" + p + "'"};
    }
    if (j.contains("lockable_patterns")) {
      state.config.lockable_patterns =
          j.at("lockable_patterns").get<std::vector<std::string>>();
    }
    if (j.contains("held_locks")) {
      state.config.held_locks = j.at("held_locks").get<std::vector<std::string>>();
      std::sort(state.config.held_locks.begin(), state.config.held_locks.end());
    }
    for (const json& je : j.at("entries")) {
      WcEntry e;
      e.relpath = je.at("path").get<std::string>();
      absl::StatusOr<std::string> norm = common::NormalizeRepoRelpath(e.relpath);
      if (!norm.ok() || *norm != e.relpath) throw BadState{"bad path '" + e.relpath + "'"};
      e.base_content_id = je.at("base_content_id").get<std::string>();
      e.base_size = je.at("base_size").get<uint64_t>();
      e.mtime_ns = je.at("mtime_ns").get<int64_t>();
      e.disk_size = je.at("disk_size").get<uint64_t>();
      e.disk_content_id = je.at("disk_content_id").get<std::string>();
      e.kind = ParseKind(je.at("kind"));
      e.executable = je.at("executable").get<bool>();
      e.disk_kind = ParseKind(je.at("disk_kind"));
      e.schedule = ParseSchedule(je.at("schedule"));
      e.conflicted = je.value("conflicted", false);
      CheckContentId(e.base_content_id);
      CheckContentId(e.disk_content_id);
      std::string key = e.relpath;
      if (!state.entries.emplace(std::move(key), std::move(e)).second) {
        throw BadState{"duplicate path"};
      }
    }
    return state;
  } catch (const BadState& bad) {
    return absl::DataLossError(absl::StrCat("corrupt working-copy state: ", bad.why));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("corrupt working-copy state: ", e.what()));
  }
}

}  // namespace mlvc::client::wc::internal
