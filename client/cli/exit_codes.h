// Exit codes of `mlvc` and the one place that turns an absl::Status into the sentence the
// user reads. The numbers are part of the user-facing contract (scripts test them) and are
// listed by `mlvc help`; never renumber one.
// Requires: abseil. Used by: client/cli only.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace mlvc::client::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;             // anything not listed below
inline constexpr int kExitUsage = 2;             // bad flags or arguments
inline constexpr int kExitUnauthenticated = 3;   // not logged in, or token rejected
inline constexpr int kExitNotFound = 4;          // unknown repository/branch/changeset/path
inline constexpr int kExitInvalid = 5;           // bad path or name
inline constexpr int kExitPrecondition = 6;      // out of date, other failed precondition
inline constexpr int kExitUnavailable = 7;       // server unreachable or too slow
inline constexpr int kExitPermission = 8;        // permission denied
inline constexpr int kExitConflict = 9;          // conflict
inline constexpr int kExitDataLoss = 10;         // data integrity
inline constexpr int kExitAlreadyExists = 11;    // already exists
inline constexpr int kExitNotWorkingCopy = 12;   // not inside a working copy

// The exit code for a non-OK status code (kExitError for codes without a meaning of their own).
int ExitCodeFor(absl::StatusCode code);
// As above, but kExitNotWorkingCopy for a status made by NotAWorkingCopyError().
int ExitCodeFor(const absl::Status& status);

// "not a working copy (no .mlvc found in DIR or above)", marked so that ExitCodeFor()
// gives kExitNotWorkingCopy (no canonical code means exactly that).
absl::Status NotAWorkingCopyError(const std::string& dir);

// The exit code table as printed by `mlvc help` (one code per line, indented).
std::string ExitCodeTable();

// One sentence (no newline, no "mlvc: " prefix) describing `status` for the user, with a
// hint at what to do next where there is one. `server` (may be empty) names the server in
// messages about reachability and tokens.
std::string UserMessage(const absl::Status& status, const std::string& server);

// Prints "mlvc: <UserMessage>" to stderr and returns the exit code for `status`.
int ReportError(const absl::Status& status, const std::string& server);

// Prints "mlvc: <sentence>" to stderr and returns `exit_code`.
int ReportError(const std::string& sentence, int exit_code);

}  // namespace mlvc::client::cli
