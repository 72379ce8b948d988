// A tiny HTTP proxy on 127.0.0.1 for S3 tests: forwards each request to the test S3 server
// unless the test's rule answers it instead (a 500, a 403 ...) or holds it unanswered (to
// provoke a client timeout). Records every request, so tests can assert on what was sent.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mlvc::testing {

class FaultProxy {
 public:
  struct Action {
    enum Kind { kForward, kRespond, kHang } kind = kForward;
    int status = 0;    // kRespond
    std::string body;  // kRespond (XML error document)
  };
  struct Seen {
    std::string method;
    std::string target;
    int status = 0;              // the answer given (0 when held)
    std::string response_body;   // when shorter than 4 KiB
  };
  // Called for every request, from the proxy's threads.
  using Rule = std::function<Action(const std::string& method, const std::string& target)>;

  // Forwards to `upstream` ("http://host:port").
  FaultProxy(const std::string& upstream, Rule rule);
  ~FaultProxy();

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  std::vector<Seen> seen() const;

  // An S3 error document.
  static std::string ErrorXml(const std::string& code, const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlvc::testing
