#include "client/cli/cli_support.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"

namespace mlvc::client::cli {

absl::StatusOr<std::string> CurrentDir() {
  std::string buffer(4096, '\0');
  while (::getcwd(buffer.data(), buffer.size()) == nullptr) {
    if (errno != ERANGE) {
      return absl::InternalError(std::string("cannot read the current directory: ") +
                                 std::strerror(errno));
    }
    buffer.resize(buffer.size() * 2);
  }
  buffer.resize(std::strlen(buffer.c_str()));
  return buffer;
}

absl::StatusOr<wc::WorkingCopy> OpenWorkingCopy(const std::string& cwd) {
  absl::StatusOr<wc::WorkingCopy> wc = wc::WorkingCopy::Open(cwd);
  if (wc.status().code() == absl::StatusCode::kNotFound) return NotAWorkingCopyError(cwd);
  return wc;
}

absl::StatusOr<ops::Endpoint> EndpointFor(const std::string& server) {
  absl::StatusOr<std::string> token = ResolveToken(server);
  if (!token.ok()) return token.status();
  return ops::Endpoint{server, *token, ResolveCaFile()};
}

absl::StatusOr<ops::Endpoint> ServerEndpoint(const std::string& server_flag) {
  std::string wc_server;
  if (server_flag.empty()) {
    absl::StatusOr<std::string> cwd = CurrentDir();
    if (cwd.ok()) {
      absl::StatusOr<wc::WorkingCopy> wc = wc::WorkingCopy::Open(*cwd);
      if (wc.ok()) wc_server = wc->config().server;
    }
  }
  absl::StatusOr<std::string> server = ResolveServer(server_flag, wc_server);
  if (!server.ok()) return server.status();
  return EndpointFor(*server);
}

void PrintJson(const nlohmann::json& doc) {
  // Replacement of invalid UTF-8 (e.g. in a path or message) instead of an exception.
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

nlohmann::json TransferJson(const ops::TransferStats& stats) {
  return {{"chunk_bytes_sent", stats.chunk_bytes_sent},
          {"chunks_sent", stats.chunks_sent},
          {"chunk_bytes_received", stats.chunk_bytes_received},
          {"chunks_received", stats.chunks_received},
          {"chunks_from_cache", stats.chunks_from_cache},
          {"bytes_from_cache", stats.bytes_from_cache},
          {"whole_bytes_sent", stats.whole_bytes_sent},
          {"whole_bytes_received", stats.whole_bytes_received}};
}

bool ShowProgress(bool json) { return !json && ::isatty(STDERR_FILENO) == 1; }

std::unique_ptr<ProgressRenderer> MakeProgressBar(bool json) {
  if (!ShowProgress(json)) return nullptr;
  return std::make_unique<ProgressRenderer>(std::cerr);
}

ops::ProgressCallback PrintFileEvents(bool json, ProgressRenderer* bar) {
  if (json) return nullptr;
  return [bar](const ops::FileEvent& event) {
    if (bar != nullptr) bar->Clear();
    std::cout << DescribeEvent(event) << '\n';
  };
}

std::string DescribeEvent(const ops::FileEvent& event) {
  const std::string at = "@" + std::to_string(event.changeset);
  switch (event.action) {
    case ops::FileAction::kAdded:
      return "A " + event.path;
    case ops::FileAction::kUpdated:
      return "U " + event.path;
    case ops::FileAction::kDeleted:
      return "D " + event.path;
    case ops::FileAction::kSkipped:
      return "Skipped " + event.path + ": local edit kept (changed upstream in " + at + ")";
    case ops::FileAction::kObstructed:
      return "Skipped " + event.path + ": an unversioned file is in the way (added upstream in " +
             at + ")";
    case ops::FileAction::kKeptUnversioned:
      return "Skipped " + event.path +
             ": local edit kept, now unversioned (deleted upstream in " + at + ")";
    case ops::FileAction::kReverted:
      return "Reverted " + event.path;
    case ops::FileAction::kMerged:
      return "G " + event.path;
    case ops::FileAction::kConflicted:
      return "C " + event.path;
    case ops::FileAction::kConflictFilesInTheWay:
      return "Skipped " + event.path + ": local edit kept; " + event.path + ".base, .mine or " +
             ".theirs is in the way of the conflict files (changed upstream in " + at +
             "); move it away and update again";
  }
  return event.path;
}

std::string EventWord(ops::FileAction action) {
  switch (action) {
    case ops::FileAction::kAdded:
      return "added";
    case ops::FileAction::kUpdated:
      return "updated";
    case ops::FileAction::kDeleted:
      return "deleted";
    case ops::FileAction::kSkipped:
      return "skipped";
    case ops::FileAction::kObstructed:
      return "obstructed";
    case ops::FileAction::kKeptUnversioned:
      return "kept_unversioned";
    case ops::FileAction::kReverted:
      return "reverted";
    case ops::FileAction::kMerged:
      return "merged";
    case ops::FileAction::kConflicted:
      return "conflicted";
    case ops::FileAction::kConflictFilesInTheWay:
      return "conflict_files_in_the_way";
  }
  return "unknown";
}

namespace {

std::tm UtcTm(int64_t micros) {
  int64_t seconds = micros / 1000000;
  if (micros < 0 && micros % 1000000 != 0) --seconds;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string FormatHumanTime(int64_t micros) {
  std::tm tm = UtcTm(micros);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

std::string FormatIsoTime(int64_t micros) {
  std::tm tm = UtcTm(micros);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  int64_t frac = micros % 1000000;
  if (frac < 0) frac += 1000000;
  char out[96];
  std::snprintf(out, sizeof(out), "%s.%06lldZ", buffer, static_cast<long long>(frac));
  return out;
}

}  // namespace mlvc::client::cli
