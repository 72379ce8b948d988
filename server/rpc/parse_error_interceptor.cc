#include "server/rpc/parse_error_interceptor.h"

namespace mlvc::server::rpc {
namespace {

bool IsFrameworkParseFailure(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::INTERNAL) return false;
  const std::string& m = status.error_message();
  return m.empty() || m == "No payload" || m == "Unable to parse request" ||
         m == "Couldn't initialize byte buffer reader";
}

class ParseErrorInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (IsFrameworkParseFailure(status)) {
        methods->ModifySendStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                               "malformed request: it does not parse as the "
                                               "method's request message"));
      }
    }
    methods->Proceed();
  }
};

}  // namespace

grpc::experimental::Interceptor* ParseErrorInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo*) {
  return new ParseErrorInterceptor();
}

}  // namespace mlvc::server::rpc
