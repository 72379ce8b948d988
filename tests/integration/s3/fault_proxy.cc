#include "tests/integration/s3/fault_proxy.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace mlvc::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

struct FaultProxy::Impl {
  std::string upstream_host;
  std::string upstream_port;
  Rule rule;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  std::thread accept_thread;

  mutable std::mutex mu;
  std::vector<Seen> seen;
  std::vector<std::thread> conn_threads;
  std::vector<int> conn_fds;  // open client sockets, shut down on stop

  void Record(Seen s) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(std::move(s));
  }

  http::response<http::string_body> Forward(const http::request<http::string_body>& req) {
    asio::io_context up_ioc;
    tcp::resolver resolver(up_ioc);
    beast::tcp_stream up(up_ioc);
    up.connect(resolver.resolve(upstream_host, upstream_port));
    http::request<http::string_body> copy = req;
    copy.keep_alive(false);
    http::write(up, copy);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    if (req.method() == http::verb::head) parser.skip(true);
    http::read(up, buffer, parser);
    beast::error_code ec;
    up.socket().shutdown(tcp::socket::shutdown_both, ec);
    return parser.release();
  }

  void Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(1ull << 30);
      http::read(socket, buffer, parser, ec);
      if (ec) break;
      http::request<http::string_body> req = parser.release();
      const std::string method(req.method_string());
      const std::string target(req.target());
      const Action action = rule ? rule(method, target) : Action{};
      if (action.kind == Action::kHang) {
        Record({method, target, 0, ""});
        // Wait for the client to give up and close.
        char byte;
        socket.read_some(asio::buffer(&byte, 1), ec);
        break;
      }
      http::response<http::string_body> res;
      if (action.kind == Action::kRespond) {
        res.result(action.status);
        res.version(11);
        res.set(http::field::content_type, "application/xml");
        res.body() = action.body;
        res.prepare_payload();
      } else {
        try {
          res = Forward(req);
        } catch (const std::exception& e) {
          res.result(http::status::bad_gateway);
          res.body() = e.what();
          res.prepare_payload();
        }
      }
      Record({method, target, static_cast<int>(res.result_int()),
              res.body().size() < 4096 ? res.body() : ""});
      res.keep_alive(req.keep_alive());
      if (req.method() == http::verb::head) {
        // Keep the upstream's Content-Length (the object's size) and send no body.
        http::response<http::empty_body> head{res.result(), res.version()};
        for (const auto& f : res) head.set(f.name_string(), f.value());
        head.keep_alive(req.keep_alive());
        http::write(socket, head, ec);
      } else {
        http::write(socket, res, ec);
      }
      if (ec || !req.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    std::lock_guard<std::mutex> lock(mu);
    std::erase(conn_fds, socket.native_handle());  // before the socket closes its fd
  }
};

FaultProxy::FaultProxy(const std::string& upstream, Rule rule) : impl_(new Impl) {
  std::string rest = upstream.substr(upstream.find("://") + 3);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  impl_->upstream_host = rest.substr(0, colon);
  impl_->upstream_port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  impl_->rule = std::move(rule);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([impl = impl_.get()] {
    while (true) {
      beast::error_code ec;
      tcp::socket socket(impl->ioc);
      impl->acceptor.accept(socket, ec);
      if (impl->stopping || ec) break;
      std::lock_guard<std::mutex> lock(impl->mu);
      impl->conn_fds.push_back(socket.native_handle());
      impl->conn_threads.emplace_back(
          [impl, s = std::move(socket)]() mutable { impl->Serve(std::move(s)); });
    }
  });
}

FaultProxy::~FaultProxy() {
  impl_->stopping = true;
  {
    // Wake the blocked accept with a connection of our own.
    asio::io_context ioc;
    tcp::socket poke(ioc);
    beast::error_code ec;
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  }
  impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    // Shut down (not close) the client sockets: blocked reads return, the fds stay owned by
    // their threads.
    for (int fd : impl_->conn_fds) ::shutdown(fd, SHUT_RDWR);
    threads = std::move(impl_->conn_threads);
  }
  for (auto& t : threads) t.join();
}

std::string FaultProxy::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<FaultProxy::Seen> FaultProxy::seen() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seen;
}

std::string FaultProxy::ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message><RequestId>test</RequestId></Error>";
}

}  // namespace mlvc::testing
