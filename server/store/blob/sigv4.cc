#include "server/store/blob/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash/sha256.h"

namespace mlvc::server::store::sigv4 {
namespace {

// abseil's string_view is not std::string_view on this platform.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool Unreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Trims the ends and collapses inner runs of spaces to one, as the canonical header value
// requires (values are compared after this on the server side too).
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  // Sorted by encoded name, then value (byte order), as the specification says.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    absl::StrAppend(&out, name, "=", value);
  }
  return out;
}

std::string RequestTarget(const Request& request) {
  std::string target = UriEncode(request.path.empty() ? "/" : request.path, true);
  if (!request.query.empty()) absl::StrAppend(&target, "?", CanonicalQuery(request.query));
  return target;
}

std::string AmzDate(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

Signature Sign(const Request& request, const Credentials& credentials, std::string_view region,
               std::string_view service, std::string_view amz_date) {
  // Lowercased names, sorted; repeated names join their values with ',' in request order.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = absl::AsciiStrToLower(name);
    std::string v = CanonicalHeaderValue(value);
    auto [it, inserted] = headers.emplace(key, v);
    if (!inserted) absl::StrAppend(&it->second, ",", v);
  }
  std::string canonical_headers;
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&canonical_headers, name, ":", value, "\n");
    names.push_back(name);
  }

  Signature sig;
  sig.signed_headers = absl::StrJoin(names, ";");
  sig.canonical_request = absl::StrCat(
      request.method, "\n", UriEncode(request.path.empty() ? "/" : request.path, true), "\n",
      CanonicalQuery(request.query), "\n", canonical_headers, "\n", sig.signed_headers, "\n",
      request.payload_hash);

  const std::string_view date = amz_date.substr(0, 8);
  const std::string scope =
      absl::StrCat(A(date), "/", A(region), "/", A(service), "/aws4_request");
  sig.string_to_sign = absl::StrCat("AWS4-HMAC-SHA256\n", A(amz_date), "\n", scope, "\n",
                                    common::Sha256Hex(sig.canonical_request));

  const std::string k_date = HmacSha256(absl::StrCat("AWS4", credentials.secret_key), date);
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  const std::string k_signing = HmacSha256(k_service, "aws4_request");
  sig.signature = HexEncode(HmacSha256(k_signing, sig.string_to_sign));
  sig.authorization = absl::StrCat("AWS4-HMAC-SHA256 Credential=", credentials.access_key, "/",
                                   scope, ", SignedHeaders=", sig.signed_headers,
                                   ", Signature=", sig.signature);
  return sig;
}

}  // namespace mlvc::server::store::sigv4
