#include "server/core/authenticator.h"

#include <openssl/rand.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"

namespace mlvc::server::core {
namespace {

constexpr std::string_view kTokenPrefix = "mlvc_";
// Longer tokens are rejected before hashing: nothing we issue is that long.
constexpr size_t kMaxTokenBytes = 200;
constexpr size_t kMaxTokenLabelBytes = 255;

}  // namespace

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

absl::Status ValidateTokenLabel(const std::string& label) {
  if (label.size() > kMaxTokenLabelBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("token name must have at most ", kMaxTokenLabelBytes, " bytes"));
  }
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("token name must not hold control characters");
    }
  }
  return absl::OkStatus();
}

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

absl::StatusOr<std::string> TokenHash(std::string_view token) {
  if (token.size() <= kTokenPrefix.size() || token.size() > kMaxTokenBytes ||
      token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return absl::UnauthenticatedError("malformed token (mlvc tokens start with 'mlvc_')");
  }
  return common::Sha256Hex(token);
}

absl::Status CheckToken(const store::TokenLookup& token) {
  if (token.revoked) return absl::UnauthenticatedError("this token was revoked");
  if (token.expired) return absl::UnauthenticatedError("this token has expired");
  if (token.user.disabled) {
    return absl::UnauthenticatedError(absl::StrCat("user '", token.user.name, "' is disabled"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IssuedToken> IssueToken(store::UserTxn& txn, const store::UserRecord& user,
                                       const std::string& label,
                                       std::optional<int64_t> lifetime_seconds,
                                       std::optional<int64_t> issuer) {
  RETURN_IF_ERROR(ValidateTokenLabel(label));
  if (lifetime_seconds.has_value() && *lifetime_seconds <= 0) {
    return absl::InvalidArgumentError("a token's lifetime must be positive");
  }
  IssuedToken out;
  ASSIGN_OR_RETURN(out.secret, NewToken());
  store::NewTokenRow row;
  row.user_id = user.id;
  row.hash = common::Sha256Hex(out.secret);
  row.label = label;
  row.lifetime_seconds = lifetime_seconds;
  row.created_by = issuer;
  ASSIGN_OR_RETURN(out.record, txn.InsertToken(row));
  return out;
}

absl::StatusOr<store::UserRecord> Authenticator::Authenticate(std::string_view token) {
  ASSIGN_OR_RETURN(std::string hash, TokenHash(token));
  store::UserRecord user;
  absl::Status status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::TokenLookup found, txn.LookupToken(hash));
    RETURN_IF_ERROR(CheckToken(found));
    user = found.user;
    return absl::OkStatus();
  });
  if (absl::IsNotFound(status)) {
    return absl::UnauthenticatedError("unknown token (log in again with a valid one)");
  }
  RETURN_IF_ERROR(status);
  return user;
}

absl::StatusOr<std::string> Authenticator::CreateUser(const std::string& name, bool is_admin,
                                                      bool is_service) {
  RETURN_IF_ERROR(ValidateUserName(name));
  if (is_admin && is_service) {
    return absl::InvalidArgumentError("a service account cannot be a server admin");
  }
  std::string token;
  absl::Status txn_status = store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    token.clear();
    ASSIGN_OR_RETURN(store::UserRecord user, txn.CreateUser(name, is_admin, is_service));
    if (!is_service) {
      ASSIGN_OR_RETURN(IssuedToken issued,
                       IssueToken(txn, user, "created with the user", std::nullopt, std::nullopt));
      token = issued.secret;
    }
    store::AuditRecord audit;
    audit.user_id = user.id;
    audit.action = "user.create";
    audit.target = absl::StrCat(name, is_admin ? " (admin)" : "", is_service ? " (service)" : "");
    audit.result = "ok";
    return txn.AppendAudit(audit);
  });
  RETURN_IF_ERROR(txn_status);
  return token;
}

absl::StatusOr<IssuedToken> Authenticator::CreateToken(const std::string& user_name,
                                                       const std::string& label,
                                                       std::optional<int64_t> lifetime_seconds) {
  IssuedToken issued;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(store::UserRecord user, txn.GetUserByName(user_name));
    ASSIGN_OR_RETURN(issued, IssueToken(txn, user, label, lifetime_seconds, std::nullopt));
    store::AuditRecord audit;
    audit.user_id = user.id;
    audit.token_id = issued.record.id;
    audit.action = "token.create";
    audit.target = absl::StrCat(user_name, " token ", issued.record.id);
    audit.result = "ok";
    return txn.AppendAudit(audit);
  }));
  return issued;
}

}  // namespace mlvc::server::core
