// The authorization table against the services mlvcd serves: every method of every service
// in proto/mlvc/v1 has a rule (read from the proto descriptors, so a new RPC cannot ship
// unguarded), every rule names a real method with the fields it reads, and every method,
// called through the real gRPC edge by each kind of caller, is admitted or refused exactly as
// its rule says, with exactly one audit row for each call of a mutation and none for a read.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/authorization_table.h"
#include "server/core/repository_service.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

using core::Requirement;
using core::Role;
using core::Scope;
using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// Every method of every service of proto/mlvc/v1 (from the sources: a new .proto file is
// covered as soon as it exists), plus the standard health service the server also serves.
std::vector<const MethodDescriptor*> ServedMethods() {
  const char* source = std::getenv("MLVC_SOURCE_DIR");
  REQUIRE(source != nullptr);
  std::vector<const MethodDescriptor*> methods;
  const std::filesystem::path dir = std::filesystem::path(source) / "proto" / "mlvc" / "v1";
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".proto") files.insert(entry.path().filename().string());
  }
  REQUIRE(files.size() >= 8);
  for (const std::string& name : files) {
    const auto* file = DescriptorPool::generated_pool()->FindFileByName("mlvc/v1/" + name);
    INFO("mlvc/v1/" << name << " is not compiled into the server (proto/CMakeLists.txt)");
    REQUIRE(file != nullptr);
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  return methods;
}

// "package.Service/Method", the table's key.
std::string KeyOf(const MethodDescriptor& m) {
  return absl::StrCat(m.service()->full_name(), "/", m.name());
}

// The names of `path` ("submit.repository").
std::vector<std::string> PartsOf(std::string_view path) {
  std::vector<std::string> parts(1);
  for (char c : path) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

// The field at `path` ("submit.repository") of message type `d`, or nullptr.
const FieldDescriptor* FieldAt(const Descriptor* d, std::string_view path) {
  const FieldDescriptor* f = nullptr;
  for (const std::string& part : PartsOf(path)) {
    if (d == nullptr) return nullptr;
    f = d->FindFieldByName(part);
    if (f == nullptr || f->is_repeated()) return nullptr;
    d = f->message_type();
  }
  return f;
}

TEST_CASE("every served method has exactly one authorization rule, and every rule a method",
          "[postgres][rpc][access]") {
  std::set<std::string> served;
  for (const MethodDescriptor* m : ServedMethods()) {
    const std::string key = KeyOf(*m);
    INFO(key << " has no rule in server/core/authorization_table.cc");
    CHECK(core::FindRequirement(key) != nullptr);
    served.insert(key);
  }
  std::set<std::string> ruled;
  for (const Requirement& rule : core::AllRequirements()) {
    const std::string key(rule.method);
    INFO("rule " << key);
    CHECK(ruled.insert(key).second);  // one rule per method
    if (absl::StartsWith(key, "grpc.health.v1.Health/")) {
      CHECK(rule.scope == Scope::kPublic);
      continue;
    }
    CHECK(served.count(key) == 1);  // no rule for a method that does not exist
    std::string dotted = key;
    dotted[dotted.find('/')] = '.';
    const auto* method = DescriptorPool::generated_pool()->FindMethodByName(dotted);
    REQUIRE(method != nullptr);
    const Descriptor* input = method->input_type();
    if (rule.scope == Scope::kRepository || rule.scope == Scope::kRepositoryOrAdmin) {
      const FieldDescriptor* f = FieldAt(input, rule.repository_field);
      INFO("its repository field " << rule.repository_field);
      REQUIRE(f != nullptr);
      CHECK(f->type() == FieldDescriptor::TYPE_STRING);
      CHECK_FALSE(rule.what.empty());  // the refusal's sentence
    }
    if (rule.scope == Scope::kSelfOrAdmin) {
      const FieldDescriptor* f = input->FindFieldByName("user");
      REQUIRE(f != nullptr);
      CHECK(f->type() == FieldDescriptor::TYPE_STRING);
    }
    for (std::string_view flag : {rule.escalate_if, rule.read_only_if}) {
      if (flag.empty()) continue;
      const FieldDescriptor* f = input->FindFieldByName(std::string(flag));
      REQUIRE(f != nullptr);
      CHECK(f->type() == FieldDescriptor::TYPE_BOOL);
    }
    CHECK(rule.mutation == !rule.action.empty());
    if (rule.upload) CHECK(method->client_streaming());
  }
}

// The kinds of caller the matrix tries. Those before kNoRole never get past the token.
enum class Who {
  kNoToken,
  kMalformed,
  kExpired,
  kRevoked,
  kDisabled,
  kNoRole,
  kReader,
  kWriter,
  kMaintainer,
  kAdmin,
};

const char* NameOf(Who who) {
  switch (who) {
    case Who::kNoToken: return "no token";
    case Who::kMalformed: return "a malformed token";
    case Who::kExpired: return "an expired token";
    case Who::kRevoked: return "a revoked token";
    case Who::kDisabled: return "a disabled user";
    case Who::kNoRole: return "a user with no role";
    case Who::kReader: return "a reader";
    case Who::kWriter: return "a writer";
    case Who::kMaintainer: return "a maintainer";
    case Who::kAdmin: return "a server admin";
  }
  return "?";
}

std::optional<Role> RoleOf(Who who) {
  switch (who) {
    case Who::kReader: return Role::kReader;
    case Who::kWriter: return Role::kWriter;
    case Who::kMaintainer:
    case Who::kAdmin: return Role::kMaintainer;
    default: return std::nullopt;
  }
}

// Whether the rule lets `who` make a call naming repository "repo" (or none when
// `no_repository`), with its escalation or read-only flag set as given.
bool Admits(const Requirement& rule, Who who, bool escalate, bool read_only,
            bool no_repository) {
  if (rule.scope == Scope::kPublic) return true;
  if (who < Who::kNoRole) return false;
  switch (rule.scope) {
    case Scope::kPublic:
    case Scope::kSignedIn:
    case Scope::kSelfOrAdmin:  // the request names no user: the caller's own
      return true;
    case Scope::kAdmin:
      return who == Who::kAdmin;
    case Scope::kRepositoryOrAdmin:
      if (no_repository) return who == Who::kAdmin;
      break;
    case Scope::kRepository:
      break;
  }
  const std::optional<Role> role = RoleOf(who);
  if (!role.has_value()) return false;
  const Role needed = read_only ? Role::kReader : escalate ? rule.escalated_role : rule.role;
  return static_cast<int>(*role) >= static_cast<int>(needed);
}

struct Env : testing::RpcTestServer {
  std::map<Who, std::string> bearer;

  Env() : RpcTestServer("root") {
    core::Authenticator auth(*store);
    core::AdminService admin(*store);
    auto root = auth.Authenticate(admin_token);
    REQUIRE(root.ok());
    const core::Caller root_caller{*root, ""};
    REQUIRE(core::RepositoryService(*store).CreateRepository(root_caller, "repo").ok());

    const auto user = [&](const std::string& name) {
      auto token = auth.CreateUser(name, false);
      REQUIRE(token.ok());
      return *token;
    };
    bearer[Who::kNoToken] = "";
    bearer[Who::kMalformed] = "Bearer mlvc_not-a-token";
    bearer[Who::kAdmin] = "Bearer " + admin_token;
    const std::map<Who, Role> roles = {
        {Who::kReader, Role::kReader},
        {Who::kWriter, Role::kWriter},
        {Who::kMaintainer, Role::kMaintainer}};
    for (const auto& [who, role] : roles) {
      const std::string name = core::RoleName(role);
      bearer[who] = "Bearer " + user(name);
      REQUIRE(core::GrantRoleAsServer(*store, name, "repo", role).ok());
    }
    bearer[Who::kNoRole] = "Bearer " + user("stranger");

    // The three token-side refusals are each a maintainer otherwise: only the token fails.
    const auto token_id = [&](const std::string& token) {
      int64_t id = 0;
      REQUIRE(store
                  ->RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
                    auto hash = core::TokenHash(token);
                    if (!hash.ok()) return hash.status();
                    auto found = txn.LookupToken(*hash);
                    if (!found.ok()) return found.status();
                    id = found->token_id;
                    return absl::OkStatus();
                  })
                  .ok());
      return id;
    };
    for (const std::string name : {"expired", "revoked", "disabled"}) {
      const std::string token = user(name);
      REQUIRE(core::GrantRoleAsServer(*store, name, "repo", Role::kMaintainer).ok());
      if (std::string(name) == "expired") {
        bearer[Who::kExpired] = "Bearer " + token;
        pqxx::connection conn(db_uri);
        pqxx::work w(conn);
        w.exec_params("UPDATE tokens SET expires_at = now() - interval '1 hour' WHERE id = $1",
                      token_id(token));
        w.commit();
      } else if (std::string(name) == "revoked") {
        bearer[Who::kRevoked] = "Bearer " + token;
        REQUIRE(admin.RevokeToken(root_caller, token_id(token)).ok());
      } else {
        bearer[Who::kDisabled] = "Bearer " + token;
        REQUIRE(admin.SetUserDisabled(root_caller, name, true).ok());
      }
    }
  }

  int64_t AuditRows() {
    if (audit_conn == nullptr) audit_conn = std::make_unique<pqxx::connection>(db_uri);
    pqxx::nontransaction tx(*audit_conn);
    return tx.exec("SELECT count(*) FROM audit")[0][0].as<int64_t>();
  }
  std::unique_ptr<pqxx::connection> audit_conn;

  // Calls `method` with `request` as its one message (any shape of stream), half-closes and
  // drains; the status. Watch never ends by itself: it is called with a short deadline, and
  // running out of it means it was admitted.
  grpc::Status Call(const MethodDescriptor& method, const Message& request, Who who) {
    grpc::ClientContext ctx;
    if (!bearer[who].empty()) ctx.AddMetadata("authorization", bearer[who]);
    const bool endless = method.name() == "Watch";
    ctx.set_deadline(std::chrono::system_clock::now() +
                     (endless ? std::chrono::seconds(5) : std::chrono::seconds(60)));
    return testing::RawCall(channel, ctx, absl::StrCat("/", KeyOf(method)),
                            {request.SerializeAsString()});
  }
};

// A request of `method` naming repository "repo" (unless `no_repository`), with the rule's
// escalation or read-only flag set as asked; every other field empty.
std::unique_ptr<Message> RequestFor(const MethodDescriptor& method, const Requirement& rule,
                                    bool escalate, bool read_only, bool no_repository) {
  std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(method.input_type())
                                       ->New());
  if (!no_repository && (rule.scope == Scope::kRepository ||
                         rule.scope == Scope::kRepositoryOrAdmin)) {
    Message* m = request.get();
    const std::vector<std::string> parts = PartsOf(rule.repository_field);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      m = m->GetReflection()->MutableMessage(m, m->GetDescriptor()->FindFieldByName(parts[i]));
    }
    m->GetReflection()->SetString(m, m->GetDescriptor()->FindFieldByName(parts.back()), "repo");
  }
  const auto set_flag = [&](std::string_view name) {
    request->GetReflection()->SetBool(
        request.get(), request->GetDescriptor()->FindFieldByName(std::string(name)), true);
  };
  if (escalate) set_flag(rule.escalate_if);
  if (read_only) set_flag(rule.read_only_if);
  return request;
}

TEST_CASE("every method admits and refuses each kind of caller as its rule says, and audits "
          "each call of a mutation once",
          "[postgres][rpc][access]") {
  Env env;
  const std::vector<Who> everyone = {Who::kNoToken, Who::kMalformed, Who::kExpired,
                                     Who::kRevoked, Who::kDisabled,  Who::kNoRole,
                                     Who::kReader,  Who::kWriter,    Who::kMaintainer,
                                     Who::kAdmin};
  struct Variant {
    bool escalate = false, read_only = false, no_repository = false;
  };
  size_t calls = 0;
  for (const MethodDescriptor* method : ServedMethods()) {
    const Requirement* rule = core::FindRequirement(KeyOf(*method));
    REQUIRE(rule != nullptr);
    std::vector<Variant> variants = {{}};
    if (!rule->escalate_if.empty()) variants.push_back({.escalate = true});
    if (!rule->read_only_if.empty()) variants.push_back({.read_only = true});
    if (rule->scope == Scope::kRepositoryOrAdmin) variants.push_back({.no_repository = true});
    for (const Variant& v : variants) {
      const auto request = RequestFor(*method, *rule, v.escalate, v.read_only, v.no_repository);
      const bool mutation = rule->mutation && !v.read_only;
      // Watch calls that are admitted wait out their deadline: run those side by side.
      std::map<Who, std::future<grpc::Status>> results;
      std::map<Who, int64_t> audit_before;
      for (Who who : everyone) {
        if (method->name() == "Watch") {
          results[who] = std::async(std::launch::async,
                                    [&, who] { return env.Call(*method, *request, who); });
        } else {
          audit_before[who] = env.AuditRows();
          std::promise<grpc::Status> done;
          done.set_value(env.Call(*method, *request, who));
          results[who] = done.get_future();
          // Each call of a mutation, admitted or not, leaves exactly one row; a read none.
          INFO(KeyOf(*method) << " called by " << NameOf(who));
          CHECK(env.AuditRows() - audit_before[who] == (mutation ? 1 : 0));
        }
      }
      for (Who who : everyone) {
        const grpc::Status status = results[who].get();
        ++calls;
        INFO(KeyOf(*method) << (v.escalate ? " (escalated)" : "")
                            << (v.read_only ? " (read-only)" : "")
                            << (v.no_repository ? " (no repository)" : "") << " called by "
                            << NameOf(who) << ": " << status.error_code() << " "
                            << status.error_message());
        const bool admitted = Admits(*rule, who, v.escalate, v.read_only, v.no_repository);
        if (admitted) {
          CHECK(status.error_code() != grpc::StatusCode::UNAUTHENTICATED);
          CHECK(status.error_code() != grpc::StatusCode::PERMISSION_DENIED);
          CHECK(status.error_code() != grpc::StatusCode::UNKNOWN);
          CHECK(status.error_code() != grpc::StatusCode::INTERNAL);
        } else if (who < Who::kNoRole) {
          CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
        } else {
          CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
          if (who == Who::kNoRole && rule->scope == Scope::kRepository) {
            CHECK(status.error_message() ==
                  "no repository 'repo' that you can read (it does not exist, or you have no "
                  "role on it)");
          }
        }
      }
    }
  }
  CHECK(calls > 500);
}

TEST_CASE("a repository that does not exist reads, to all but admins, as one they cannot read",
          "[postgres][rpc][access]") {
  Env env;
  const auto* method =
      DescriptorPool::generated_pool()->FindMethodByName("mlvc.v1.HistoryService.Log");
  REQUIRE(method != nullptr);
  const Requirement* rule = core::FindRequirement(KeyOf(*method));
  REQUIRE(rule != nullptr);
  for (const std::string repository : {"repo", "nope"}) {
    auto request = RequestFor(*method, *rule, false, false, false);
    request->GetReflection()->SetString(
        request.get(), request->GetDescriptor()->FindFieldByName("repository"), repository);
    const grpc::Status stranger = env.Call(*method, *request, Who::kNoRole);
    CHECK(stranger.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(stranger.error_message() ==
          absl::StrCat("no repository '", repository,
                       "' that you can read (it does not exist, or you have no role on it)"));
  }
  auto request = RequestFor(*method, *rule, false, false, false);
  request->GetReflection()->SetString(
      request.get(), request->GetDescriptor()->FindFieldByName("repository"), "nope");
  CHECK(env.Call(*method, *request, Who::kAdmin).error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace mlvc::server::rpc
