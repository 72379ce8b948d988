// AWS Signature Version 4: the request signing S3 (and every AWS API) checks.
// Requires: OpenSSL (libcrypto), abseil. Used by: server/store/blob/s3_blob_store.cc.
//
// Pure functions over a request description: no clock, no network, so the unit tests can
// replay AWS's published examples byte for byte. The caller puts every header it wants
// signed (at least host and x-amz-date; for S3 also x-amz-content-sha256, and
// x-amz-security-token with temporary credentials) into the request, then adds the
// returned Authorization header when sending.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace mlvc::server::store::sigv4 {

// The payload hash S3 accepts in place of the body's SHA-256 (x-amz-content-sha256), when
// the body is not hashed before sending.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless the credentials are temporary (STS)
};

struct Request {
  std::string method;  // "GET", "PUT", ...
  // The path as the resource names it, NOT percent-encoded ("/bucket/a b"); the signer
  // encodes each segment once, as S3 wants (no double encoding, no dot-segment removal).
  std::string path;
  // Query parameters, NOT percent-encoded, in any order; a parameter without a value (S3's
  // "?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign, any case and order; a name may repeat (values then join with ',').
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash;
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // 64 hex digits
  std::string authorization;   // the Authorization header's value
};

// Signs `request` for `region`/`service` at `amz_date` ("YYYYMMDDTHHMMSSZ", the value of the
// request's x-amz-date header).
Signature Sign(const Request& request, const Credentials& credentials, std::string_view region,
               std::string_view service, std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(absl::Time t);

// Percent-encodes everything but the unreserved characters A-Z a-z 0-9 - . _ ~ (uppercase
// hex), and '/' too unless `keep_slash`. Bytes >= 0x80 (UTF-8) are encoded byte by byte.
std::string UriEncode(std::string_view s, bool keep_slash);

// The canonical query string: encoded names and values, sorted, "a=1&b=" (also a valid
// query string to send).
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

// The request target to send on the wire for `request`: encoded path, then '?' and the
// canonical query when there is one. Sending exactly what was signed avoids mismatches.
std::string RequestTarget(const Request& request);

// HMAC-SHA256 of `data` under `key`: the raw 32 bytes (the signing-key chain's step).
std::string HmacSha256(std::string_view key, std::string_view data);
// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace mlvc::server::store::sigv4
