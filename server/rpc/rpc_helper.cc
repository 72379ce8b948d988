#include "server/rpc/rpc_helper.h"

#include <cstdio>
#include <exception>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mlvc::server::rpc {
namespace {

constexpr std::string_view kBearer = "Bearer ";

absl::StatusOr<std::string_view> BearerToken(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing token: send metadata 'authorization: Bearer TOKEN' (see 'mlvc login')");
  }
  std::string_view value(it->second.data(), it->second.size());
  if (value.size() <= kBearer.size() ||
      !absl::StartsWithIgnoreCase(absl::string_view(value.data(), value.size()),
                                  absl::string_view(kBearer.data(), kBearer.size()))) {
    return absl::UnauthenticatedError("malformed authorization metadata: expected 'Bearer TOKEN'");
  }
  return value.substr(kBearer.size());
}

bool IsServerSideFailure(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnavailable;
}

}  // namespace

void LogLine(std::string_view line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.size() > kMaxStatusMessageBytes) {
    message.resize(kMaxStatusMessageBytes - 3);
    message += "...";
  }
  if (message.empty() && (status.code() == absl::StatusCode::kInternal ||
                          status.code() == absl::StatusCode::kUnknown)) {
    message = "internal error";
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

grpc::Status HandleRpc(grpc::ServerContext* context, core::Authenticator& authenticator,
                       std::string_view method,
                       const std::function<absl::Status(const core::Caller&)>& body) {
  const absl::string_view name(method.data(), method.size());
  absl::Status status;
  try {
    absl::StatusOr<std::string_view> token = BearerToken(*context);
    if (!token.ok()) return ToGrpcStatus(token.status());
    absl::StatusOr<store::UserRecord> user = authenticator.Authenticate(*token);
    if (!user.ok()) {
      if (!absl::IsUnauthenticated(user.status())) {
        LogLine(absl::StrCat(name, ": authentication failed: ", user.status().ToString()));
      }
      return ToGrpcStatus(user.status());
    }
    core::Caller caller{*std::move(user), context->peer()};
    status = body(caller);
  } catch (const std::exception& e) {
    LogLine(absl::StrCat(name, ": exception: ", e.what()));
    status = absl::InternalError("internal error");
  } catch (...) {
    LogLine(absl::StrCat(name, ": unknown exception"));
    status = absl::InternalError("internal error");
  }
  if (IsServerSideFailure(status.code())) {
    LogLine(absl::StrCat(name, ": ", status.ToString()));
  }
  return ToGrpcStatus(status);
}

}  // namespace mlvc::server::rpc
