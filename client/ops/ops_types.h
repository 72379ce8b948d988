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
  std::string server;   // "[https://|http://]HOST:PORT" (client/remote/server_address.h)
  std::string token;    // sent as "authorization: Bearer TOKEN"; empty sends none
  std::string ca_file;  // PEM CAs trusted for TLS; empty: the system's roots
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

// ---- Transfer progress (commit, checkout, update, switch) ----

// Where a transfer stands. Bytes are of file contents: read and chunked (upload) or written
// to disk (download), whether their chunks crossed the wire or were already there.
struct TransferProgress {
  enum class Direction { kUpload, kDownload };
  Direction direction = Direction::kDownload;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // grows when an operation plans more (update: batch by batch)
  uint64_t files_done = 0;
  uint64_t files_total = 0;
  uint64_t wire_bytes = 0;  // chunk bytes actually sent or received so far
};

// Receives progress from an operation's transfer threads. Calls (of both methods) never
// overlap (the operation serializes them), but may come from any thread.
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  virtual void OnProgress(const TransferProgress& progress) = 0;
  // Polled while transferring: true stops the operation with CANCELLED, breaking its
  // streams as a killed client would (what the server acknowledged stays stored; chunks
  // received stay in the local cache). Asked after every OnProgress before the transfer
  // asks the server for more or returns, so deciding inside OnProgress stops it at exactly
  // that report, even the last one, whatever its threads are doing.
  virtual bool Cancelled() { return false; }
};

// What an operation moved: chunk bytes over the wire, chunks taken from the local cache, and
// whole contents moved by the pre-chunking calls (a server without chunked transfer).
struct TransferStats {
  uint64_t chunk_bytes_sent = 0;
  uint64_t chunks_sent = 0;
  uint64_t chunk_bytes_received = 0;
  uint64_t chunks_received = 0;
  uint64_t chunks_from_cache = 0;
  uint64_t bytes_from_cache = 0;
  uint64_t whole_bytes_sent = 0;
  uint64_t whole_bytes_received = 0;
};

}  // namespace mlvc::client::ops
