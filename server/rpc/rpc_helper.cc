#include "server/rpc/rpc_helper.h"

#include <unistd.h>

#include <cerrno>
#include <exception>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "common/version/version.h"
#include "server/core/audit.h"
#include "server/core/authorization_table.h"

namespace mlvc::server::rpc {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::string_view kBearer = "Bearer ";
// The audit target of a refused call: the request's scalar fields, cut to this length.
constexpr size_t kMaxTargetBytes = 300;
constexpr size_t kMaxTargetFieldBytes = 100;

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The bearer token of the call: empty when there is no authorization metadata (the access
// decision says so), UNAUTHENTICATED when it is not of the form "Bearer TOKEN".
absl::StatusOr<std::string_view> BearerToken(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::string_view();
  std::string_view value(it->second.data(), it->second.size());
  if (value.size() <= kBearer.size() ||
      !absl::StartsWithIgnoreCase(View(value), View(kBearer))) {
    return absl::UnauthenticatedError("malformed authorization metadata: expected 'Bearer TOKEN'");
  }
  return value.substr(kBearer.size());
}

// The client's protocol, where the call names one (kProtocolMetadataKey). A call that names
// none (grpcurl, a script) is served: nothing says it expects another protocol.
absl::Status CheckProtocol(const grpc::ServerContext& context,
                           const common::ServerProtocols& protocols) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kProtocolMetadataKey);
  if (it == metadata.end()) return absl::OkStatus();
  return common::CheckClientProtocol(std::string_view(it->second.data(), it->second.size()),
                                     protocols);
}

bool IsServerSideFailure(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnavailable;
}

const FieldDescriptor* ScalarField(const Message& m, std::string_view name,
                                   FieldDescriptor::Type type) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(std::string(name));
  if (f == nullptr || f->is_repeated() || f->type() != type) return nullptr;
  return f;
}

std::string StringField(const Message& m, std::string_view name) {
  const FieldDescriptor* f = ScalarField(m, name, FieldDescriptor::TYPE_STRING);
  return f == nullptr ? std::string() : m.GetReflection()->GetString(m, f);
}

bool BoolField(const Message& m, std::string_view name) {
  if (name.empty()) return false;
  const FieldDescriptor* f = ScalarField(m, name, FieldDescriptor::TYPE_BOOL);
  return f != nullptr && m.GetReflection()->GetBool(m, f);
}

// The string at `path` ("submit.repository"): empty when a field on the way is missing or
// unset.
std::string StringAtPath(const Message& request, std::string_view path) {
  const Message* m = &request;
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(path.substr(0, dot)));
    if (f == nullptr || f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return std::string();
    }
    m = &m->GetReflection()->GetMessage(*m, f);
    path.remove_prefix(dot + 1);
  }
  return StringField(*m, path);
}

core::RequestFacts FactsOf(const Message& request, const core::Requirement& rule) {
  core::RequestFacts facts;
  facts.repository = StringAtPath(request, rule.repository_field);
  facts.user = StringField(request, "user");
  facts.escalate = BoolField(request, rule.escalate_if);
  facts.read_only = BoolField(request, rule.read_only_if);
  return facts;
}

// What a refused call tried, for its audit row: its set scalar fields but the repository
// (a column of its own), each cut short; never bytes.
std::string TargetOf(const Message& request) {
  std::string out;
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  const google::protobuf::Reflection* r = request.GetReflection();
  for (int i = 0; i < d->field_count() && out.size() < kMaxTargetBytes; ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->name() == "repository" || !r->HasField(request, f)) continue;
    std::string value;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->type() == FieldDescriptor::TYPE_BYTES) continue;
        value = r->GetString(request, f);
        if (value.size() > kMaxTargetFieldBytes) value = value.substr(0, kMaxTargetFieldBytes) + "...";
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        value = std::to_string(r->GetInt64(request, f));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        value = std::to_string(r->GetInt32(request, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        value = r->GetBool(request, f) ? "true" : "false";
        break;
      default:
        continue;
    }
    absl::StrAppend(&out, out.empty() ? "" : " ", f->name(), "=", value);
  }
  if (out.size() > kMaxTargetBytes) out = out.substr(0, kMaxTargetBytes) + "...";
  return out;
}

// Sends a RESOURCE_EXHAUSTED's wait as gRPC's retry pushback, which clients' retry policies
// honour (client/remote enables them for this code).
void AddRetryPushback(grpc::ServerContext* context, const absl::Status& status) {
  if (std::optional<std::chrono::milliseconds> wait = core::RetryAfter(status)) {
    context->AddTrailingMetadata("grpc-retry-pushback-ms", std::to_string(wait->count()));
  }
}

// The whole decision and run of one call; `read_first` (client streams) reads the message
// the facts come from before anything else.
grpc::Status Handle(grpc::ServerContext* context, Edge& edge, const std::string& method,
                    const Message& request, const std::function<bool()>& read_first,
                    const std::function<void()>& admitted,
                    const std::function<absl::Status(const core::Caller&)>& body) {
  const core::Requirement* rule = core::FindRequirement(method);
  core::AccessDecision decision;
  absl::Status status;
  bool mutation = false;
  bool audit_refusal = true;
  try {
    // Before anything else: an answer in a protocol the client does not speak would be
    // misread, a refusal in one sentence is not.
    absl::Status spoken = CheckProtocol(*context, edge.protocols);
    if (!spoken.ok()) return ToGrpcStatus(spoken);
    if (rule == nullptr) {
      // Fail closed: a method the table does not know is refused, loudly.
      LogLine(absl::StrCat(method, ": no authorization rule; refused"));
      return ToGrpcStatus(absl::PermissionDeniedError("this method is not available"));
    }
    if (read_first && !read_first()) {
      // Who is calling is answered first, whatever the shape of the stream.
      absl::StatusOr<std::string_view> token = BearerToken(*context);
      absl::Status who = token.status();
      if (token.ok()) who = edge.access.Decide(*token, *rule, {}, context->peer()).status;
      if (absl::IsUnauthenticated(who)) return ToGrpcStatus(who);
      return ToGrpcStatus(absl::InvalidArgumentError("the stream ended before its first message"));
    }
    mutation = rule->mutation && !BoolField(request, rule->read_only_if);
    absl::StatusOr<std::string_view> token = BearerToken(*context);
    if (!token.ok()) {
      decision.status = token.status();
    } else {
      decision = edge.access.Decide(*token, *rule, FactsOf(request, *rule), context->peer());
    }
    status = decision.status;
    std::optional<core::UploadSlots::Slot> slot;
    if (status.ok() && decision.caller.has_value() && decision.caller->token_id.has_value()) {
      status = edge.rate.Admit(*decision.caller->token_id);
      if (!status.ok()) audit_refusal = false;  // shed load: no database write for it
    }
    if (status.ok() && rule->upload && decision.caller.has_value()) {
      absl::StatusOr<core::UploadSlots::Slot> taken =
          edge.uploads.Acquire(decision.caller->user.id);
      if (taken.ok()) {
        slot.emplace(*std::move(taken));
      } else {
        status = taken.status();
        audit_refusal = false;
      }
    }
    if (status.ok()) {
      if (admitted) admitted();
      core::Caller caller = decision.caller.value_or(core::Caller{});
      caller.repo_id = decision.repo_id;
      status = body(caller);
    }
  } catch (const std::exception& e) {
    LogLine(absl::StrCat(method, ": exception: ", e.what()));
    status = absl::InternalError("internal error");
  } catch (...) {
    LogLine(absl::StrCat(method, ": unknown exception"));
    status = absl::InternalError("internal error");
  }
  if (!status.ok() && mutation && audit_refusal && rule != nullptr) {
    core::Refusal refusal;
    if (decision.caller.has_value()) refusal.user_id = decision.caller->user.id;
    refusal.token_id = decision.token_id;
    refusal.action = std::string(rule->action);
    refusal.repo_id = decision.repo_id;
    refusal.target = TargetOf(request);
    refusal.client_addr = context->peer();
    refusal.status = status;
    absl::Status audited = core::AuditRefusal(edge.metadata, refusal);
    if (!audited.ok()) {
      LogLine(absl::StrCat(method, ": could not audit a refusal: ", audited.ToString()));
    }
  }
  if (IsServerSideFailure(status.code())) LogLine(absl::StrCat(method, ": ", status.ToString()));
  AddRetryPushback(context, status);
  return ToGrpcStatus(status);
}

}  // namespace

void LogLine(std::string_view line) {
  // One write(2) per line: a reader of the log (a test, a log shipper) then never sees half
  // a line, and lines from threads and from gRPC's own logging do not interleave mid-line.
  std::string whole(line);
  whole += '\n';
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const char* data = whole.data();
  size_t left = whole.size();
  while (left > 0) {
    ssize_t wrote = ::write(STDERR_FILENO, data, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;  // stderr is gone: nothing better to do with a log line
    data += wrote;
    left -= static_cast<size_t>(wrote);
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.size() > kMaxStatusMessageBytes) {
    message.resize(kMaxStatusMessageBytes - 3);
    message += "...";
  }
  if (message.empty() && (status.code() == absl::StatusCode::kInternal ||
                          status.code() == absl::StatusCode::kUnknown)) {
    message = "internal error";
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

grpc::Status HandleRpc(grpc::ServerContext* context, Edge& edge, const std::string& method,
                       const google::protobuf::Message& request,
                       const std::function<absl::Status(const core::Caller&)>& body) {
  return Handle(context, edge, method, request, nullptr, nullptr, body);
}

namespace internal {

grpc::Status HandleStream(grpc::ServerContext* context, Edge& edge, const std::string& method,
                          google::protobuf::Message& first,
                          const std::function<bool()>& read_first,
                          const std::function<void()>& admitted,
                          const std::function<absl::Status(const core::Caller&)>& body) {
  return Handle(context, edge, method, first, read_first, admitted, body);
}

}  // namespace internal
}  // namespace mlvc::server::rpc
