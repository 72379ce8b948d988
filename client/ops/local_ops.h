// Operations on a working copy that never talk to the server: status, add, rm, mv, info.
// Each saves the working copy's state before returning OK.
// Requires: client/wc, common/. Used by: client/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/wc/working_copy.h"

namespace mlvc::client::ops {

// Turns user-given paths (absolute, or relative to `cwd_abspath`) into normalized relpaths of
// `wc` ("" is the root). INVALID_ARGUMENT for a path outside the working copy or invalid.
absl::StatusOr<std::vector<std::string>> ToRelpaths(const wc::WorkingCopy& wc,
                                                    const std::string& cwd_abspath,
                                                    const std::vector<std::string>& user_paths);

// wc.Scan(relpaths) (empty: everything in scope), then saves the refreshed mtimes. Sorted.
// INTERNAL on an I/O error.
absl::StatusOr<std::vector<wc::StatusItem>> Status(wc::WorkingCopy& wc,
                                                   const std::vector<std::string>& relpaths);

// Schedules unversioned files for addition; directories are walked recursively. Versioned
// files are ignored quietly; a file scheduled for deletion that is back on disk is
// un-deleted. Returns the relpaths newly added, sorted.
// NOT_FOUND when a path does not exist on disk; INVALID_ARGUMENT when outside the sparse
// paths or when it is the root of nothing to add ("" is allowed: the whole working copy).
absl::StatusOr<std::vector<std::string>> Add(wc::WorkingCopy& wc,
                                             const std::vector<std::string>& relpaths);

// Deletes versioned files (and every versioned file under a directory) from disk and
// schedules their deletion; a file scheduled for addition is unscheduled and deleted.
// Returns the relpaths removed, sorted. NOT_FOUND when a path names nothing versioned
// (unversioned file or nothing at all); nothing is changed then.
absl::StatusOr<std::vector<std::string>> Remove(wc::WorkingCopy& wc,
                                                const std::vector<std::string>& relpaths);

// Renames a versioned file or directory on disk: its files are scheduled for deletion at
// `from` and for addition at `to` (a file only added at `from` simply moves).
// NOT_FOUND when `from` is not versioned or not on disk; ALREADY_EXISTS when `to` exists;
// INVALID_ARGUMENT when `to` is outside the sparse paths or inside `from`; INTERNAL on I/O.
absl::Status Move(wc::WorkingCopy& wc, const std::string& from, const std::string& to);

struct InfoResult {
  std::string server;
  std::string repository;
  std::string branch;
  int64_t base = 0;
  std::string root;
  std::vector<std::string> paths;  // sparse paths; empty: the whole repository
};

InfoResult Info(const wc::WorkingCopy& wc);

}  // namespace mlvc::client::ops
