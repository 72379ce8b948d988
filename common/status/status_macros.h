// Propagation macros for absl::Status / absl::StatusOr (abseil ships none publicly).
// Requires: abseil. Used by: every layer.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MLVC_STATUS_CONCAT_INNER_(a, b) a##b
#define MLVC_STATUS_CONCAT_(a, b) MLVC_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
// The do/while makes it one statement, safe after an unbraced if; the counter names each
// use's variable apart, so a use inside a lambda inside another use shadows nothing.
#define RETURN_IF_ERROR(expr) \
  MLVC_RETURN_IF_ERROR_IMPL_(MLVC_STATUS_CONCAT_(mlvc_status_, __COUNTER__), expr)

#define MLVC_RETURN_IF_ERROR_IMPL_(status, expr) \
  do {                                           \
    ::absl::Status status = (expr);              \
    if (!status.ok()) return status;             \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` evaluates F() (an absl::StatusOr<T>), returns its status
// when not OK, and otherwise moves the value into the declaration on the left.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  MLVC_ASSIGN_OR_RETURN_IMPL_(MLVC_STATUS_CONCAT_(mlvc_statusor_, __LINE__), lhs, rexpr)

#define MLVC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace mlvc {

// Returns `status` with `context` prefixed to its message, keeping its code.
inline absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      std::string(context) + ": " + std::string(status.message()));
}

}  // namespace mlvc
