#include "client/cli/exit_codes.h"

#include <iostream>
#include <string_view>

#include "absl/strings/cord.h"

namespace mlvc::client::cli {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Collapses the message to one line and drops a trailing period, so that hints can be
// appended and the result stays one sentence.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string ServerName(const std::string& server) {
  return server.empty() ? std::string("the server") : server;
}

}  // namespace

int ExitCodeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kUnauthenticated:
      return kExitUnauthenticated;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return kExitInvalid;
    case absl::StatusCode::kFailedPrecondition:
      return kExitPrecondition;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    case absl::StatusCode::kPermissionDenied:
      return kExitPermission;
    case absl::StatusCode::kAborted:
      return kExitConflict;
    case absl::StatusCode::kDataLoss:
      return kExitDataLoss;
    case absl::StatusCode::kAlreadyExists:
      return kExitAlreadyExists;
    default:
      return kExitError;
  }
}

namespace {
constexpr char kNotWorkingCopyPayload[] = "mlvc.cli/not-a-working-copy";
}  // namespace

int ExitCodeFor(const absl::Status& status) {
  if (status.GetPayload(kNotWorkingCopyPayload).has_value()) return kExitNotWorkingCopy;
  return ExitCodeFor(status.code());
}

absl::Status NotAWorkingCopyError(const std::string& dir) {
  absl::Status status = absl::FailedPreconditionError(
      "not a working copy (no .mlvc found in " + dir + " or above)");
  status.SetPayload(kNotWorkingCopyPayload, absl::Cord("1"));
  return status;
}

std::string ExitCodeTable() {
  return "  0   success\n"
         "  1   other error\n"
         "  2   usage error (bad flags or arguments)\n"
         "  3   not logged in, or token rejected\n"
         "  4   not found (unknown repository, branch, changeset or path)\n"
         "  5   invalid input (bad path or name)\n"
         "  6   out of date, or another failed precondition\n"
         "  7   server unreachable\n"
         "  8   permission denied\n"
         "  9   conflict\n"
         "  10  data integrity error\n"
         "  11  already exists\n"
         "  12  not a working copy\n";
}

std::string UserMessage(const absl::Status& status, const std::string& server) {
  std::string message = OneLine(std::string(status.message()));
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      if (!Contains(message, "mlvc login")) {
        if (message.empty()) message = "the token was rejected by " + ServerName(server);
        message += "; run 'mlvc login " + (server.empty() ? std::string("HOST:PORT") : server) +
                   " --token TOKEN' or set MLVC_TOKEN";
      }
      break;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      if (!Contains(message, "unreachable") && !Contains(message, "cannot reach") &&
          !Contains(message, "TLS connection")) {
        message = "cannot reach " + ServerName(server) + (message.empty() ? "" : ": " + message);
      }
      break;
    case absl::StatusCode::kFailedPrecondition:
      if (Contains(message, "out of date") && !Contains(message, "mlvc update")) {
        message += "; run 'mlvc update' first";
      }
      break;
    case absl::StatusCode::kPermissionDenied:
      if (!Contains(message, "permission")) message = "permission denied: " + message;
      break;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      if (message.empty()) message = "internal error";
      break;
    default:
      break;
  }
  if (message.empty()) message = std::string(absl::StatusCodeToString(status.code()));
  return message;
}

int ReportError(const absl::Status& status, const std::string& server) {
  return ReportError(UserMessage(status, server), ExitCodeFor(status));
}

int ReportError(const std::string& sentence, int exit_code) {
  std::cout.flush();
  std::cerr << "mlvc: " << sentence << std::endl;
  return exit_code;
}

}  // namespace mlvc::client::cli
