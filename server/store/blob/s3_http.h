// A small synchronous HTTP/1.1 client for the S3 blob store: keep-alive connections to one
// endpoint (http:// or https://), pooled, with a timeout on every network step.
// Requires: Boost.Beast/Asio (header-only), OpenSSL, abseil. Used by: s3_blob_store.cc.
//
// It moves bytes and nothing more: no retries, no signing, no S3 error mapping (the store
// does those); one call is one attempt. Thread-safe: each call borrows its own connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mlvc::server::store::s3 {

struct Endpoint {
  bool https = false;
  std::string host;         // "127.0.0.1", "s3.eu-west-1.amazonaws.com"
  std::string port;         // "80", "443", "4568"
  std::string host_header;  // host, plus ":port" when not the scheme's default
};

// Parses "http://HOST[:PORT]" or "https://HOST[:PORT]" (a trailing '/' is allowed; no path).
// INVALID_ARGUMENT otherwise.
absl::StatusOr<Endpoint> ParseEndpoint(const std::string& url);

struct HttpRequest {
  std::string method;  // "GET", "PUT", "HEAD", ...
  std::string target;  // encoded path and query, as signed
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given (incl. Host)
  std::string_view body;  // not owned; must outlive the call
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;  // empty for HEAD
  // The value of header `lower_name`, or "" when absent.
  std::string Header(std::string_view lower_name) const;
};

struct HttpOptions {
  absl::Duration timeout = absl::Seconds(60);  // per connect, handshake, write and read
  size_t max_idle_connections = 8;
  // Largest response body accepted (a ranged GET piece plus slack): bounds memory even when
  // a server ignores the Range header.
  uint64_t body_limit = 16u << 20;
  std::string ca_file;  // https only: PEM file of trusted CAs; empty = the system's
};

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole response: OK for any HTTP status.
  // UNAVAILABLE when the server cannot be reached or the exchange breaks, DEADLINE_EXCEEDED
  // when a step takes longer than the timeout, RESOURCE_EXHAUSTED for a body over the limit,
  // FAILED_PRECONDITION when the server's TLS certificate is refused. A kept-alive
  // connection the server had closed meanwhile is replaced once, transparently.
  absl::StatusOr<HttpResponse> RoundTrip(const HttpRequest& request);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  struct Impl;

  const Endpoint endpoint_;
  const HttpOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::server::store::s3
