// The working copy: one checked-out version (or part of one) of a repository on disk, and
// its state in ROOT/.mlvc/. Knows nothing of the network: client/ops joins it with
// client/remote.
//
// State kept (in .mlvc/state.pb, rewritten atomically by Save() when it changed; earlier
// mlvc kept it as .mlvc/state.json, which Open() still reads):
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
#include <unordered_set>
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
  // The repository's lockable patterns as last fetched (checkout, update); nullopt when not
  // known yet (a state file written before locks existed), which update then fetches.
  std::optional<std::vector<std::string>> lockable_patterns;
  // Paths this working copy locked on its branch (sorted): writable although lockable.
  std::vector<std::string> held_locks;
  // A merge made in this working copy (`mlvc merge SOURCE`) and not committed yet: the
  // next commit records this changeset as its merge parent.
  std::optional<int64_t> pending_merge_parent;
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
  // Kind and executable bit of the base version (of the file on disk when added).
  FileKind kind = FileKind::kBinary;
  bool executable = false;
  // Kind of the content `disk_content_id` names (sniffed when it was hashed).
  FileKind disk_kind = FileKind::kBinary;
  Schedule schedule = Schedule::kNormal;
  // Set by update or merge when local and incoming changes could not be combined; the file
  // (with conflict markers, or the incoming version next to NAME.mine) must be resolved
  // (`mlvc resolve`) before it can be committed.
  bool conflicted = false;
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
  // The entry is conflicted (WcEntry::conflicted): Scan() reports such a file even when it
  // equals its base (as kModified, or kAdded/kMissing as the case may be).
  bool conflicted = false;
};

// What the last Scan() did, so that tests (and --verbose output) can see that unchanged
// files are not read.
struct ScanStats {
  int64_t files_seen = 0;     // regular files stat'ed in scope
  int64_t files_hashed = 0;   // of those, read and hashed because size or mtime changed
  uint64_t bytes_hashed = 0;
  int64_t entries_updated = 0;  // of those, whose entry now caches a new disk state
};

// State file format version written by Save() (.mlvc/state.pb); Open() refuses others with
// DATA_LOSS, except version 1 (.mlvc/state.json, JSON), which it reads and the next Save()
// replaces.
inline constexpr int kStateVersion = 2;

// A file whose mtime is less than this before the moment it was hashed is not cached as
// clean: a write in the same timestamp tick would leave size and mtime unchanged (the
// "racy git" problem). Such files are simply hashed again by the next Scan().
inline constexpr int64_t kRacyMarginNs = 2'000'000'000;

class WorkingCopy {
 public:
  // Creates ROOT/.mlvc with `config` and no entries. ALREADY_EXISTS when ROOT already is a
  // working copy; INTERNAL on an I/O error.
  static absl::StatusOr<WorkingCopy> Create(const std::string& root_abspath, WcConfig config);
  // Finds the working copy containing `start_abspath` (walking up to the nearest folder
  // holding .mlvc). NOT_FOUND when none ("not a working copy"); DATA_LOSS when its state
  // file is missing, unreadable, malformed or of another version (see kStateVersion).
  static absl::StatusOr<WorkingCopy> Open(const std::string& start_abspath);

  const std::string& root() const { return root_; }
  const WcConfig& config() const { return config_; }
  // Marks the state changed (see Save()): change the config through the reference at once,
  // do not keep it across a Save().
  WcConfig& mutable_config() {
    unsaved_ = true;
    return config_;
  }

  // Versioned entries by relpath (sorted).
  const std::map<std::string, WcEntry>& entries() const { return entries_; }
  const WcEntry* Find(const std::string& relpath) const;
  // Both mark the state changed (see Save()); erasing an absent relpath changes nothing.
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

  // Compares disk with the entries, for everything within `filters` (relpaths; empty or
  // "": everything in scope). Re-hashes only files whose size or mtime (ns) differ from
  // what the entry recorded, and records the new size, mtime, content id and kind of each
  // file it hashed (unless racy, see kRacyMarginNs; call Save() to keep that: it writes
  // only when some entry changed, so a status of an unchanged tree writes nothing). Unversioned
  // regular files are reported one by one, sorted by path.
  // Not reported at all: symlinks and other non-regular files (never followed; a
  // versioned path that became one shows as missing), names that are not valid relpaths
  // (control characters, ".mlvc" in any case), and nested working copies (directories
  // holding their own .mlvc). A versioned file scheduled for deletion is reported as
  // kDeleted whether or not it is back on disk; an added file gone from disk as kMissing.
  // INTERNAL on an I/O error other than a file vanishing during the scan.
  absl::StatusOr<std::vector<StatusItem>> Scan(const std::vector<std::string>& filters);
  // Counters of the last Scan().
  const ScanStats& last_scan_stats() const { return last_scan_stats_; }

  // Stats the file of `entry` and records it as holding `entry.base_content_id` (kind
  // `entry.kind`) now: call it after a download or a commit put exactly that content there.
  // When the size on disk is not `entry.base_size`, or the mtime is racy, the content id is
  // not cached, so the next Scan() hashes the file. INTERNAL when it cannot be stat'ed.
  absl::Status RecordDiskState(WcEntry& entry) const;
  // Size and mtime of a file InstallFile() just put in place (taken from the temporary file
  // before it moved: a rename or chmod changes neither).
  struct InstalledFile {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  // RecordDiskState() from what InstallFile() reported, without stat'ing again (same rules).
  void RecordDiskState(WcEntry& entry, const InstalledFile& installed) const;

  // Writes .mlvc/state.pb atomically (temporary file, fsync, rename) when the state changed
  // since Open() or the last Save() (Put, Erase, mutable_config, a Scan that recorded a
  // file; a working copy just created or still in the version 1 format); otherwise the file
  // already holds this state and nothing is written. After a version 1 state.json is
  // rewritten, state.json is removed. INTERNAL on an I/O error (the previous state file is
  // then left intact, and the state still counts as unsaved).
  absl::Status Save() const;
  // True when Save() would write.
  bool has_unsaved_changes() const { return unsaved_; }

  // A fresh, unused absolute path under ROOT/.mlvc/tmp/ (the folder is created), on the
  // same file system as the tree so that InstallFile() can rename it into place. Download
  // there first; a file left behind by a crash is harmless.
  std::string TempPath() const;
  // Moves `temp_abspath` to `relpath` (creating parent folders), with the executable bit
  // set or cleared (execute where read is allowed), replacing any file there. Tree files
  // are not fsync'ed (as git and svn do not): a write lost in a crash shows up as a
  // modification by size or mtime, and `mlvc revert` restores it.
  // FAILED_PRECONDITION when a folder or a non-regular file stands at `relpath` or a file
  // stands where a parent folder is needed; INTERNAL on other I/O errors.
  absl::Status InstallFile(const std::string& temp_abspath, const std::string& relpath,
                           bool executable) const;
  // InstallFile() that also sets the write bits (none when `read_only`; else the owner's
  // when there were none, as ApplyLockMode() does) and reports the installed file's size and
  // mtime. A temporary file created with its final mode (CreateMode() in lockable.h) is not
  // chmod'ed. Folders found or made are remembered for the life of this object (a working
  // copy is opened per operation), so a fresh checkout stats no parent per file; one that
  // vanished meanwhile is made again.
  absl::StatusOr<InstalledFile> InstallFile(const std::string& temp_abspath,
                                            const std::string& relpath, bool executable,
                                            bool read_only) const;
  // Deletes the file at `relpath` if it is there (absent is OK), then the parent folders it
  // leaves empty, up to (not including) the root. FAILED_PRECONDITION when a folder
  // stands at `relpath`; INTERNAL on an I/O error.
  absl::Status RemoveFile(const std::string& relpath) const;

 private:
  WorkingCopy() = default;
  std::string root_;
  WcConfig config_;
  std::map<std::string, WcEntry> entries_;
  ScanStats last_scan_stats_;
  // Whether the state differs from the state file (mutable: Save() is const to its callers,
  // writing the state out changes nothing they can see but this).
  mutable bool unsaved_ = false;
  // Opened from a version 1 .mlvc/state.json, removed by the next successful Save().
  mutable bool legacy_state_file_ = false;

  // Both InstallFile()s; `read_only` unset: the write bits are kept.
  absl::StatusOr<InstalledFile> Install(const std::string& temp_abspath,
                                        const std::string& relpath, bool executable,
                                        std::optional<bool> read_only) const;
  // Makes the parent folders of `relpath`; `trust_known`: skips those in known_dirs_.
  absl::Status MakeParents(const std::string& relpath, bool trust_known) const;
  // Install path caches (mutable: InstallFile is const to its callers, these only spare
  // system calls). Relpaths of folders known to exist; whether .mlvc/tmp was made; whether
  // the file system refused renameat2(RENAME_NOREPLACE).
  mutable std::unordered_set<std::string> known_dirs_;
  mutable bool temp_dir_made_ = false;
  mutable bool no_rename_noreplace_ = false;
};

}  // namespace mlvc::client::wc
