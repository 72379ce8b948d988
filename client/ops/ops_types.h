// Values shared by every client operation: where the server is, and the per-file events an
// operation reports while it runs (the CLI prints them as "U path", "A path", ...).
// Requires: nothing. Used by: client/ops, client/cli.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mlvc::client::ops {

// The server an operation talks to and the token it presents.
struct Endpoint {
  std::string server;  // "HOST:PORT"
  std::string token;   // sent as "authorization: Bearer TOKEN"; empty sends none
};

// What happened to one file during checkout, update or revert.
enum class FileAction {
  kAdded,       // "A path": written (new file)
  kUpdated,     // "U path": rewritten with a newer version
  kDeleted,     // "D path": removed from disk (deleted upstream, not modified locally)
  kSkipped,     // "Skipped path: local edit kept (changed upstream in @N)"
  kObstructed,  // "Skipped path: an unversioned file is in the way (added upstream in @N)"
  kKeptUnversioned,  // "Skipped path: local edit kept, now unversioned (deleted upstream in @N)"
  kReverted,    // "Reverted path"
  kMerged,      // "G path": local and incoming edits merged cleanly (file stays modified)
  kConflicted,  // "C path": conflict markers (or NAME.mine) left; run `mlvc resolve`
  // "Skipped path: NAME.base/.mine/.theirs is in the way of the conflict files (changed
  // upstream in @N)": a conflict would have replaced an existing file, so the path and its
  // local edit were left exactly as they were.
  kConflictFilesInTheWay,
};

struct FileEvent {
  FileAction action = FileAction::kUpdated;
  std::string path;        // relpath
  int64_t changeset = 0;   // for kSkipped/kObstructed/kKeptUnversioned: the @N to name
};

// Called once per event, as it happens (may be empty).
using ProgressCallback = std::function<void(const FileEvent&)>;

}  // namespace mlvc::client::ops
