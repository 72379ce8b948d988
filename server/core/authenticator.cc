#include "server/core/authenticator.h"

#include <openssl/rand.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

constexpr std::string_view kTokenPrefix = "mlvc_";
// Longer tokens are rejected before hashing: nothing we issue is that long.
constexpr size_t kMaxTokenBytes = 200;

absl::Status ValidateUserName(const std::string& name) {
  auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("user name must have 1-64 characters");
  }
  for (char c : name) {
    if (!ok_char(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("user name '", absl::CHexEscape(name),
                       "' may only hold letters, digits, '.', '_' and '-'"));
    }
  }
  if (name[0] == '.' || name[0] == '_' || name[0] == '-') {
    return absl::InvalidArgumentError("user name must start with a letter or digit");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("no randomness available for a token");
  }
  std::string encoded;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)),
                            &encoded);
  return std::string(kTokenPrefix) + encoded;
}

absl::StatusOr<store::UserRecord> Authenticator::Authenticate(std::string_view token) {
  if (token.size() <= kTokenPrefix.size() || token.size() > kMaxTokenBytes ||
      token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return absl::UnauthenticatedError("invalid token");
  }
  const std::string hash = common::Sha256Hex(token);
  store::UserRecord user;
  absl::Status status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(user, txn.FindUserByTokenHash(hash));
    return absl::OkStatus();
  });
  if (absl::IsNotFound(status)) return absl::UnauthenticatedError("invalid or revoked token");
  RETURN_IF_ERROR(status);
  return user;
}

absl::StatusOr<std::string> Authenticator::CreateUser(const std::string& name, bool is_admin) {
  RETURN_IF_ERROR(ValidateUserName(name));
  ASSIGN_OR_RETURN(std::string token, NewToken());
  const std::string hash = common::Sha256Hex(token);
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::UserRecord user, txn.CreateUser(name, is_admin));
    RETURN_IF_ERROR(txn.AddToken(user.id, hash, "created with the user"));
    store::AuditRecord audit;
    audit.user_id = user.id;
    audit.action = "user.create";
    audit.target = name;
    audit.result = "ok";
    return txn.AppendAudit(audit);
  });
  RETURN_IF_ERROR(txn_status);
  return token;
}

}  // namespace mlvc::server::core
