// Helpers shared by the command files: finding the working copy from the current
// directory, choosing server and token, printing JSON and times.
// Requires: client/wc, client/ops, nlohmann-json. Used by: client/cli only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/cli/progress.h"
#include "client/ops/ops_types.h"
#include "client/wc/working_copy.h"
#include "nlohmann/json.hpp"

namespace mlvc::client::cli {

// The current directory (absolute). INTERNAL when it cannot be determined (e.g. deleted).
absl::StatusOr<std::string> CurrentDir();

// Opens the working copy containing `cwd`. NotAWorkingCopyError() (exit 12) when there is
// none; DATA_LOSS when its state is unreadable.
absl::StatusOr<wc::WorkingCopy> OpenWorkingCopy(const std::string& cwd);

// Server `server` with the token from MLVC_TOKEN or the credentials file and the TLS CA
// file of --ca or MLVC_CA. UNAUTHENTICATED ("not logged in to ...") when there is no token.
absl::StatusOr<ops::Endpoint> EndpointFor(const std::string& server);

// The endpoint of a command that acts on a server rather than on a working copy (repo,
// admin, whoami): the server is `server_flag`, else MLVC_SERVER, else that of the working
// copy around the current directory, else the login default; the token as EndpointFor.
absl::StatusOr<ops::Endpoint> ServerEndpoint(const std::string& server_flag);

// Prints exactly one JSON document (and a newline) on stdout.
void PrintJson(const nlohmann::json& doc);

// True when progress may be shown: stderr is a terminal and the output is not --json.
bool ShowProgress(bool json);

// The progress line of a transfer on stderr, or null when ShowProgress(json) is false.
std::unique_ptr<ProgressRenderer> MakeProgressBar(bool json);

// Prints each file event (DescribeEvent) on stdout, clearing `bar`'s line first (it may be
// null); no callback with --json, whose output is one document.
ops::ProgressCallback PrintFileEvents(bool json, ProgressRenderer* bar);

// {"chunk_bytes_sent", "chunks_sent", "chunk_bytes_received", "chunks_received",
//  "chunks_from_cache", "bytes_from_cache", "whole_bytes_sent", "whole_bytes_received"}:
// the "transfer" member of --json output.
nlohmann::json TransferJson(const ops::TransferStats& stats);

// The line printed for a per-file event of checkout/update/revert ("U path", "A path",
// "D path", "Skipped path: ...", "Reverted path").
std::string DescribeEvent(const ops::FileEvent& event);
// The word used for an event in --json output ("updated", "added", ...).
std::string EventWord(ops::FileAction action);

// "YYYY-MM-DD HH:MM:SS UTC" for microseconds since the epoch.
std::string FormatHumanTime(int64_t micros);
// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (ISO 8601, UTC).
std::string FormatIsoTime(int64_t micros);

}  // namespace mlvc::client::cli
