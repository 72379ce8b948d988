// The format of ROOT/.mlvc/state.json (private to client/wc):
//   {"version": 1, "server": "host:port", "repository": "...", "branch": "...",
//    "base": N, "sparse_paths": ["..."],
//    "entries": [{"path": "...", "base_content_id": "...", "base_size": N,
//                 "mtime_ns": N, "disk_size": N, "disk_content_id": "...",
//                 "kind": "text|binary", "executable": bool, "disk_kind": "text|binary",
//                 "schedule": "normal|added|deleted"}, ...]}
// Entries are written sorted by path. JSON keeps the state readable when debugging a
// working copy by hand.
// Requires: nlohmann-json (in the .cc only). Used by: client/wc only.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::wc::internal {

struct WcState {
  WcConfig config;
  std::map<std::string, WcEntry> entries;
};

std::string EncodeState(const WcConfig& config, const std::map<std::string, WcEntry>& entries);

// DATA_LOSS when `text` is not a state file of version kStateVersion, or holds an invalid
// path or content id.
absl::StatusOr<WcState> DecodeState(std::string_view text);

}  // namespace mlvc::client::wc::internal
