// The working-copy state files (private to client/wc).
//
// Version 2, ROOT/.mlvc/state.pb (written by Save()): an 8-byte magic "mlvc-wc\n", the
// payload's length as 8 bytes little-endian, then the payload: a wc_state.proto `State`
// message (config, and the entries sorted by path, content ids as raw bytes). Binary
// because every `mlvc status` reads the whole file: for 10,000 entries decoding the JSON
// of version 1 took longer than the scan itself. The length makes a truncated file
// DATA_LOSS (a protobuf message cut at a field boundary would otherwise still parse).
// `protoc --decode=mlvc.client.wc.state.State client/wc/wc_state.proto` shows one (after
// `tail -c +17`) when debugging a working copy by hand.
//
// Version 1, ROOT/.mlvc/state.json (written by earlier mlvc, still read; Open() then
// rewrites it as version 2 on the next Save()):
//   {"version": 1, "server": "host:port", "repository": "...", "branch": "...",
//    "base": N, "sparse_paths": ["..."],
//    "entries": [{"path": "...", "base_content_id": "...", "base_size": N,
//                 "mtime_ns": N, "disk_size": N, "disk_content_id": "...",
//                 "kind": "text|binary", "executable": bool, "disk_kind": "text|binary",
//                 "schedule": "normal|added|deleted"}, ...]}
//
// Both decoders check every path and content id: a state file names the files commit and
// revert write and delete.
// Requires: protobuf, nlohmann-json (in the .cc only). Used by: client/wc only.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::wc::internal {

inline constexpr char kStateFileName[] = "state.pb";
inline constexpr char kLegacyStateFileName[] = "state.json";
inline constexpr int kLegacyJsonStateVersion = 1;

struct WcState {
  WcConfig config;
  std::map<std::string, WcEntry> entries;
};

// The bytes of a version kStateVersion state file.
std::string EncodeState(const WcConfig& config, const std::map<std::string, WcEntry>& entries);

// DATA_LOSS when `bytes` is not a state file of version kStateVersion (bad magic, wrong
// length, unparsable, another version), or holds an invalid path or content id, an unknown
// kind or schedule, or entries out of order or duplicated.
absl::StatusOr<WcState> DecodeState(std::string_view bytes);

// The JSON state of version kLegacyJsonStateVersion (state.json). DATA_LOSS when `text` is
// not one, or holds an invalid path or content id.
absl::StatusOr<WcState> DecodeLegacyJsonState(std::string_view text);

}  // namespace mlvc::client::wc::internal
