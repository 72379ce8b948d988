// The working copy: one checked-out version (or part of one) of a repository on disk, and
// its state in ROOT/.mlvc/. Knows nothing of the network: client/ops joins it with
// client/remote.
//
// State kept (in .mlvc/state.json, rewritten atomically by Save()):
//   server, repository, branch, base changeset, sparse paths, and per versioned file:
//   relpath, content id and size of the version it is based on, the mtime and size seen
//   when it last matched that content, kind, executable bit, and a schedule
//   (normal / added / deleted). No pristine copies: large files exist once, in the tree.
// Requires: common/. Used by: client/ops, client/cli.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::client::wc {

inline constexpr char kAdminDirName[] = ".mlvc";

enum class FileKind { kText, kBinary };
enum class Schedule { kNormal, kAdded, kDeleted };

struct WcConfig {
  std::string server;          // host:port
  std::string repository;
  std::string branch;          // branch followed by update/commit
  int64_t base_number = 0;     // changeset the working copy was last updated to
  std::vector<std::string> sparse_paths;  // empty: the whole repository
};

struct WcEntry {
  std::string relpath;
  // Of the base version (empty for a file scheduled for addition).
  std::string base_content_id;
  uint64_t base_size = 0;
  // Of the file on disk when it was last known to hold `disk_content_id`.
  int64_t mtime_ns = 0;
  uint64_t disk_size = 0;
  std::string disk_content_id;  // content id last computed for the file on disk
  FileKind kind = FileKind::kBinary;
  bool executable = false;
  Schedule schedule = Schedule::kNormal;
};

enum class StatusCode {
  kModified,    // M: versioned, content (or executable bit) differs from base
  kAdded,       // A: scheduled for addition
  kDeleted,     // D: scheduled for deletion
  kMissing,     // !: versioned, not on disk, not scheduled for deletion
  kUnversioned  // ?: on disk, not versioned
};

struct StatusItem {
  std::string relpath;
  StatusCode code;
  // For kModified and kAdded: the file as it is on disk now.
  std::string content_id;
  uint64_t size = 0;
  FileKind kind = FileKind::kBinary;
  bool executable = false;
};

class WorkingCopy {
 public:
  // Creates ROOT/.mlvc with `config` and no entries. ALREADY_EXISTS when ROOT already is a
  // working copy; INTERNAL on an I/O error.
  static absl::StatusOr<WorkingCopy> Create(const std::string& root_abspath, WcConfig config);
  // Finds the working copy containing `start_abspath` (walking up). NOT_FOUND when none
  // ("not a working copy"); DATA_LOSS when its state file is unreadable.
  static absl::StatusOr<WorkingCopy> Open(const std::string& start_abspath);

  const std::string& root() const { return root_; }
  const WcConfig& config() const { return config_; }
  WcConfig& mutable_config() { return config_; }

  // Versioned entries by relpath (sorted).
  const std::map<std::string, WcEntry>& entries() const { return entries_; }
  const WcEntry* Find(const std::string& relpath) const;
  void Put(WcEntry entry);
  void Erase(const std::string& relpath);

  // Absolute path of a relpath in this working copy.
  std::string AbsPath(const std::string& relpath) const;
  // Turns a user-given path (absolute or relative to `cwd_abspath`) into a normalized
  // relpath of this working copy. INVALID_ARGUMENT when outside the working copy or invalid
  // (common::NormalizeRepoRelpath); an empty result means the root itself.
  absl::StatusOr<std::string> ToRelpath(const std::string& cwd_abspath,
                                        const std::string& user_path) const;
  // True when `relpath` lies within the sparse paths (always true when not sparse).
  bool InScope(const std::string& relpath) const;

  // Compares disk with the entries, for everything within `filters` (relpaths; empty:
  // everything in scope). Re-hashes only files whose size or mtime differ from what the
  // entry recorded, and records the new mtime when the content turned out unchanged (call
  // Save() to keep that). Unversioned files are reported, except under .mlvc. Sorted by path.
  absl::StatusOr<std::vector<StatusItem>> Scan(const std::vector<std::string>& filters);

  // Reads a file on disk and records it as matching `content_id` now (after a download or
  // a commit). INTERNAL when it cannot be stat'ed.
  absl::Status RecordDiskState(WcEntry& entry) const;

  // Writes .mlvc/state.json atomically (temporary file, fsync, rename).
  absl::Status Save() const;

 private:
  WorkingCopy() = default;
  std::string root_;
  WcConfig config_;
  std::map<std::string, WcEntry> entries_;
};

}  // namespace mlvc::client::wc
