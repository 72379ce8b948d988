#include "server/store/blob/s3_http.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mlvc::server::store::s3 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Runs one asynchronous operation to completion on the connection's own io_context. The
// operations are asynchronous only so that beast::tcp_stream's timeout applies: it does not
// to the synchronous calls.
template <typename Start>
beast::error_code Run(asio::io_context& ioc, Start start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view* s, std::string_view suffix) {
  if (s->size() < suffix.size() || s->substr(s->size() - suffix.size()) != suffix) return false;
  s->remove_suffix(suffix.size());
  return true;
}

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(const std::string& url) {
  Endpoint e;
  std::string_view rest = url;
  if (ConsumePrefix(&rest, "http://")) {
    e.https = false;
  } else if (ConsumePrefix(&rest, "https://")) {
    e.https = true;
  } else {
    return absl::InvalidArgumentError("S3 endpoint must start with http:// or https://: '" +
                                      url + "'");
  }
  ConsumeSuffix(&rest, "/");
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "S3 endpoint must be scheme://host[:port] with no path: '" + url + "'");
  }
  const std::string default_port = e.https ? "443" : "80";
  size_t colon = rest.rfind(':');
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("bad IPv6 address in S3 endpoint '" + url + "'");
    }
    e.host = std::string(rest.substr(1, close - 1));
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    e.host = std::string(rest.substr(0, colon));
  }
  e.port = colon == std::string_view::npos ? default_port : std::string(rest.substr(colon + 1));
  uint32_t port_number = 0;
  if (e.host.empty() || !absl::SimpleAtoi(e.port, &port_number) || port_number == 0 ||
      port_number > 65535) {
    return absl::InvalidArgumentError("bad host or port in S3 endpoint '" + url + "'");
  }
  const std::string shown_host =
      e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  e.host_header = e.port == default_port ? shown_host : absl::StrCat(shown_host, ":", e.port);
  return e;
}

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

struct HttpClient::Connection {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct HttpClient::Impl {
  std::optional<ssl::context> tls_context;
  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mu
};

HttpClient::HttpClient(Endpoint endpoint, HttpOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), impl_(new Impl) {
  if (endpoint_.https) {
    impl_->tls_context.emplace(ssl::context::tls_client);
    impl_->tls_context->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ignored;
    if (options_.ca_file.empty()) {
      impl_->tls_context->set_default_verify_paths(ignored);
    } else {
      impl_->tls_context->load_verify_file(options_.ca_file, ignored);
    }
  }
}

HttpClient::~HttpClient() = default;

namespace {

absl::Status NetError(const Endpoint& e, std::string_view step, const beast::error_code& ec) {
  const std::string where = absl::StrCat(e.https ? "https://" : "http://", e.host_header);
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(absl::StrCat("S3 at ", where, ": ", A(step), " timed out"));
  }
  if (ec == http::error::body_limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("S3 at ", where, ": response body over the limit"));
  }
  return absl::UnavailableError(absl::StrCat("S3 at ", where, ": ", A(step), ": ", ec.message()));
}

template <typename Stream>
absl::StatusOr<HttpResponse> Exchange(const Endpoint& endpoint, const HttpOptions& options,
                                      asio::io_context& ioc, beast::tcp_stream& lowest,
                                      Stream& stream, beast::flat_buffer& buffer,
                                      const HttpRequest& request, bool* keep_alive) {
  http::request<http::span_body<const char>> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = beast::span<const char>(request.body.data(), request.body.size());
  req.prepare_payload();
  if (request.body.empty() && request.method != "GET" && request.method != "HEAD") {
    req.content_length(0);  // S3 wants a length on every PUT/POST/DELETE
  }

  lowest.expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(options.timeout)));
  beast::error_code ec =
      Run(ioc, [&](auto handler) { http::async_write(stream, req, std::move(handler)); });
  if (ec) return NetError(endpoint, "sending the request", ec);

  http::response_parser<http::string_body> parser;
  parser.body_limit(options.body_limit);
  if (request.method == "HEAD") parser.skip(true);  // a HEAD answer has no body to wait for
  lowest.expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(options.timeout)));
  ec = Run(ioc, [&](auto handler) {
    http::async_read(stream, buffer, parser, std::move(handler));
  });
  if (ec) return NetError(endpoint, "reading the response", ec);

  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                             std::string(field.value()));
  }
  out.body = std::move(res.body());
  *keep_alive = res.keep_alive();
  return out;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpClient::RoundTrip(const HttpRequest& request) {
  for (int round = 0;; ++round) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (!impl_->idle.empty()) {
        conn = std::move(impl_->idle.back());
        impl_->idle.pop_back();
      }
    }
    const bool reused = conn != nullptr;
    if (!reused) {
      conn = std::make_unique<Connection>();
      tcp::resolver resolver(conn->ioc);
      beast::error_code ec;
      auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
      if (ec) return NetError(endpoint_, "resolving " + endpoint_.host, ec);
      if (endpoint_.https) {
        conn->tls.emplace(conn->ioc, *impl_->tls_context);
      } else {
        conn->plain.emplace(conn->ioc);
      }
      beast::tcp_stream& lowest = conn->lowest();
      lowest.expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(options_.timeout)));
      ec = Run(conn->ioc, [&](auto handler) { lowest.async_connect(results, std::move(handler)); });
      if (ec) return NetError(endpoint_, "connecting", ec);
      if (endpoint_.https) {
        // SNI, and the certificate must name the host.
        if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), endpoint_.host.c_str())) {
          return absl::UnavailableError("S3: cannot set the TLS server name");
        }
        conn->tls->set_verify_callback(ssl::host_name_verification(endpoint_.host));
        lowest.expires_after(
            std::chrono::milliseconds(absl::ToInt64Milliseconds(options_.timeout)));
        ec = Run(conn->ioc, [&](auto handler) {
          conn->tls->async_handshake(ssl::stream_base::client, std::move(handler));
        });
        if (ec && ec.category() == asio::error::get_ssl_category()) {
          // The server's certificate is refused: retrying cannot help.
          return absl::FailedPreconditionError(absl::StrCat(
              "S3 at https://", endpoint_.host_header, ": TLS handshake: ", ec.message(),
              " (a private CA's certificate goes in AWS_CA_BUNDLE)"));
        }
        if (ec) return NetError(endpoint_, "TLS handshake", ec);
      }
    }

    bool keep_alive = false;
    absl::StatusOr<HttpResponse> response =
        conn->tls ? Exchange(endpoint_, options_, conn->ioc, conn->lowest(), *conn->tls,
                             conn->buffer, request, &keep_alive)
                  : Exchange(endpoint_, options_, conn->ioc, conn->lowest(), *conn->plain,
                             conn->buffer, request, &keep_alive);
    if (!response.ok()) {
      // A pooled connection may have been closed by the server while idle: try once more on
      // a fresh one before calling it a failure.
      if (reused && round == 0 && !absl::IsResourceExhausted(response.status())) continue;
      return response.status();
    }
    if (keep_alive) {
      std::lock_guard<std::mutex> lock(impl_->mu);
      if (impl_->idle.size() < options_.max_idle_connections) {
        impl_->idle.push_back(std::move(conn));
      }
    }
    return response;
  }
}

}  // namespace mlvc::server::store::s3
