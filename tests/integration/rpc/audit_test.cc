// The audit log through the real gRPC edge: every mutating RPC leaves
// exactly one audit row per call, done or refused, naming the action, user, token and
// repository; reads leave none, refused or not. The rows are read straight from the
// database, so the count does not depend on the server's own listing.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "common/hash/sha256.h"
#include "grpcpp/grpcpp.h"
#include "mlvc/v1/admin.grpc.pb.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "mlvc/v1/history.grpc.pb.h"
#include "mlvc/v1/lock.grpc.pb.h"
#include "mlvc/v1/record.grpc.pb.h"
#include "mlvc/v1/release.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "server/core/authorization_table.h"
#include "server/core/repository_service.h"
#include "tests/support/rpc_test_server.h"

namespace mlvc::server::rpc {
namespace {

// One row of the audit table, with names instead of ids ("" and 0 for NULL).
struct AuditRow {
  int64_t id = 0;
  std::string action;
  std::string user;
  int64_t token_id = 0;
  std::string repository;
  std::string target;
  std::string client_addr;
  std::string result;
};

// Whose token a call carries. `secret` empty: no authorization metadata at all.
struct Who {
  std::string name;  // "" when the server cannot know (no or invalid token)
  std::string secret;
  int64_t token_id = 0;
};

// The server with admin "root", its stubs, and what the audit table holds.
struct Env : testing::RpcTestServer {
  pqxx::connection db;
  Who root;
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(channel);
  std::unique_ptr<v1::RepositoryService::Stub> repos = v1::RepositoryService::NewStub(channel);
  std::unique_ptr<v1::HistoryService::Stub> history = v1::HistoryService::NewStub(channel);
  std::unique_ptr<v1::ContentService::Stub> content = v1::ContentService::NewStub(channel);
  std::unique_ptr<v1::LockService::Stub> locks = v1::LockService::NewStub(channel);
  std::unique_ptr<v1::RecordService::Stub> record = v1::RecordService::NewStub(channel);
  std::unique_ptr<v1::ReleaseService::Stub> releases = v1::ReleaseService::NewStub(channel);
  // Methods done (and, for rules with escalate_if, done escalated) through Mutate.
  std::set<std::string> exercised;
  std::set<std::string> exercised_escalated;

  Env() : RpcTestServer("root"), db(db_uri) { root = Signed("root", admin_token); }

  std::unique_ptr<grpc::ClientContext> As(const Who& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!who.secret.empty()) ctx->AddMetadata("authorization", "Bearer " + who.secret);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  // `name`'s token `secret`, with its id as the server knows it (WhoAmI: a read).
  Who Signed(const std::string& name, const std::string& secret) {
    Who who{name, secret, 0};
    v1::WhoAmIResponse me;
    grpc::Status s = admin->WhoAmI(As(who).get(), {}, &me);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(me.user().name() == name);
    REQUIRE(me.token_id() > 0);
    who.token_id = me.token_id();
    return who;
  }

  std::vector<AuditRow> Rows() {
    pqxx::read_transaction tx(db);
    pqxx::result r = tx.exec(
        "SELECT a.id, a.action, COALESCE(u.name, ''), COALESCE(a.token_id, 0),"
        " COALESCE(r.name, ''), a.target, a.client_addr, a.result"
        " FROM audit a LEFT JOIN users u ON u.id = a.user_id"
        " LEFT JOIN repositories r ON r.id = a.repo_id ORDER BY a.id");
    std::vector<AuditRow> rows;
    for (const auto& row : r) {
      rows.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                      row[3].as<int64_t>(), row[4].as<std::string>(), row[5].as<std::string>(),
                      row[6].as<std::string>(), row[7].as<std::string>()});
    }
    return rows;
  }

  // Runs `call` (a call of `method` as `who`) and returns its status and the rows it added.
  using Call = std::function<grpc::Status(grpc::ClientContext*)>;
  std::pair<grpc::Status, std::vector<AuditRow>> Audited(const Who& who, const Call& call) {
    const size_t before = Rows().size();
    auto ctx = As(who);
    grpc::Status status = call(ctx.get());
    std::vector<AuditRow> rows = Rows();
    REQUIRE(rows.size() >= before);
    return {status, std::vector<AuditRow>(rows.begin() + static_cast<std::ptrdiff_t>(before),
                                          rows.end())};
  }

  // A successful call of mutation `method` as `who` on `repository` ("" for none): exactly
  // one new row, of the rule's action (or `action` when the service names a finer one),
  // by `who` with that token, result "ok".
  void Mutate(const std::string& method, const Who& who, const std::string& repository,
              const Call& call, const std::string& action = "", bool escalated = false) {
    const core::Requirement* rule = core::FindRequirement(method);
    REQUIRE(rule != nullptr);
    REQUIRE(rule->mutation);
    const std::string want = action.empty() ? std::string(rule->action) : action;
    auto [status, rows] = Audited(who, call);
    INFO(method << " as " << who.name << ": " << status.error_code() << " "
                << status.error_message());
    REQUIRE(status.ok());
    REQUIRE(rows.size() == 1);
    const AuditRow& row = rows[0];
    CHECK(row.action == want);
    CHECK(row.user == who.name);
    CHECK(row.token_id == who.token_id);
    CHECK(row.repository == repository);
    CHECK(row.result == "ok");
    CHECK(row.client_addr.find("127.0.0.1") != std::string::npos);
    exercised.insert(method);
    if (escalated) exercised_escalated.insert(method);
  }

  // A call that must add no row (a read, refused or not).
  void ExpectNoRow(const std::string& what, const Who& who, const Call& call,
                   grpc::StatusCode code) {
    auto [status, rows] = Audited(who, call);
    INFO(what << ": " << status.error_code() << " " << status.error_message());
    CHECK(status.error_code() == code);
    CHECK(rows.empty());
  }

  // A refused call of mutation `method`: exactly one row, of the rule's action, saying
  // "refused: CODE: ..." with the refusal's message.
  AuditRow Refused(const std::string& method, const Who& who, const Call& call,
                   grpc::StatusCode code, const std::string& code_name) {
    const core::Requirement* rule = core::FindRequirement(method);
    REQUIRE(rule != nullptr);
    auto [status, rows] = Audited(who, call);
    INFO(method << ": " << status.error_code() << " " << status.error_message());
    REQUIRE(status.error_code() == code);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].action == rule->action);
    CHECK(rows[0].result ==
          "refused: " + code_name + ": " + std::string(status.error_message()));
    CHECK(rows[0].client_addr.find("127.0.0.1") != std::string::npos);
    return rows[0];
  }

  // --- calls, as `Call`s ---

  Call UploadCall(const std::string& repository, const std::string& bytes) {
    return [this, repository, bytes](grpc::ClientContext* ctx) {
      v1::UploadResponse response;
      auto writer = content->Upload(ctx, &response);
      v1::UploadRequest message;
      message.set_repository(repository);
      message.mutable_header()->set_content_id(common::Sha256Hex(bytes));
      message.mutable_header()->set_size(bytes.size());
      writer->Write(message);
      v1::UploadRequest data;
      data.set_data(bytes);
      writer->Write(data);
      writer->WritesDone();
      return writer->Finish();
    };
  }

  Call SubmitCall(const std::string& repository, const std::string& branch,
                  const std::string& submit_id, const std::string& path,
                  const std::string& content_id, v1::SubmitResponse* out,
                  const std::string& base_content_id = "") {
    return [=, this](grpc::ClientContext* ctx) {
      v1::SubmitRequest request;
      request.set_repository(repository);
      request.set_branch(branch);
      request.set_submit_id(submit_id);
      request.set_message("change " + path);
      v1::Change* change = request.add_changes();
      change->set_path(path);
      change->set_action(base_content_id.empty() ? v1::CHANGE_ACTION_ADD
                                                 : v1::CHANGE_ACTION_MODIFY);
      change->set_content_id(content_id);
      change->set_base_content_id(base_content_id);
      change->set_kind(v1::ENTRY_KIND_TEXT);
      return history->Submit(ctx, request, out);
    };
  }

  Call RecordRunCall(const std::string& repository, const std::string& record_id,
                     v1::RecordRunResponse* out) {
    return [=, this](grpc::ClientContext* ctx) {
      v1::RecordRunRequest request;
      request.set_repository(repository);
      request.set_ref("main");
      request.set_record_id(record_id);
      request.mutable_run()->set_kind(v1::RUN_KIND_EVAL);
      v1::Metric* metric = request.mutable_run()->add_metrics();
      metric->set_key("accuracy");
      metric->set_value(0.9);
      return record->RecordRun(ctx, request, out);
    };
  }

  Call CreateBranchCall(const std::string& repository, const std::string& name) {
    return [=, this](grpc::ClientContext* ctx) {
      v1::CreateBranchRequest request;
      request.set_repository(repository);
      request.set_name(name);
      v1::CreateBranchResponse response;
      return repos->CreateBranch(ctx, request, &response);
    };
  }
};

TEST_CASE("every mutating rpc leaves exactly one audit row naming who did what where",
          "[postgres][rpc][audit]") {
  Env env;
  using grpc::ClientContext;
  using grpc::Status;

  // --- users, repository, roles ---
  env.Mutate("mlvc.v1.RepositoryService/CreateRepository", env.root, "audited",
             [&](ClientContext* ctx) {
               v1::CreateRepositoryRequest request;
               request.set_name("audited");
               v1::CreateRepositoryResponse response;
               return env.repos->CreateRepository(ctx, request, &response);
             });
  std::map<std::string, std::string> secrets;
  for (const std::string name : {"mia", "wendy", "rita"}) {
    env.Mutate("mlvc.v1.AdminService/CreateUser", env.root, "", [&](ClientContext* ctx) {
      v1::CreateUserRequest request;
      request.set_name(name);
      v1::CreateUserResponse response;
      Status s = env.admin->CreateUser(ctx, request, &response);
      secrets[name] = response.secret();
      return s;
    });
  }
  const Who mia = env.Signed("mia", secrets["mia"]);      // maintainer of "audited"
  const Who wendy = env.Signed("wendy", secrets["wendy"]);  // writer on it
  env.Mutate("mlvc.v1.AdminService/GrantRole", env.root, "audited", [&](ClientContext* ctx) {
    v1::GrantRoleRequest request;
    request.set_repository("audited");
    request.set_grantee("mia");
    request.set_role("maintainer");
    v1::GrantRoleResponse response;
    return env.admin->GrantRole(ctx, request, &response);
  });
  // A maintainer grants roles on their own repository.
  env.Mutate("mlvc.v1.AdminService/GrantRole", mia, "audited", [&](ClientContext* ctx) {
    v1::GrantRoleRequest request;
    request.set_repository("audited");
    request.set_grantee("wendy");
    request.set_role("writer");
    v1::GrantRoleResponse response;
    return env.admin->GrantRole(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.RepositoryService/SetDefaultRole", mia, "audited",
             [&](ClientContext* ctx) {
               v1::SetDefaultRoleRequest request;
               request.set_repository("audited");
               request.set_default_role("reader");
               v1::SetDefaultRoleResponse response;
               return env.repos->SetDefaultRole(ctx, request, &response);
             });

  // --- tokens and users ---
  int64_t laptop_token = 0;
  env.Mutate("mlvc.v1.AdminService/CreateToken", mia, "", [&](ClientContext* ctx) {
    v1::CreateTokenRequest request;
    request.set_name("laptop");
    v1::CreateTokenResponse response;
    Status s = env.admin->CreateToken(ctx, request, &response);
    laptop_token = response.token().id();
    return s;
  });
  REQUIRE(laptop_token > 0);
  env.Mutate("mlvc.v1.AdminService/RevokeToken", mia, "", [&](ClientContext* ctx) {
    v1::RevokeTokenRequest request;
    request.set_token_id(laptop_token);
    v1::RevokeTokenResponse response;
    return env.admin->RevokeToken(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.AdminService/DisableUser", env.root, "", [&](ClientContext* ctx) {
    v1::DisableUserRequest request;
    request.set_user("rita");
    v1::DisableUserResponse response;
    return env.admin->DisableUser(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.AdminService/EnableUser", env.root, "", [&](ClientContext* ctx) {
    v1::EnableUserRequest request;
    request.set_user("rita");
    v1::EnableUserResponse response;
    return env.admin->EnableUser(ctx, request, &response);
  });

  // --- content: whole upload, chunked upload and commit ---
  const std::string text = "hello audit\n";
  const std::string text2 = "hello audit, again\n";
  const std::string binary = std::string("\x00\x01\x02 chunked\n", 12);
  const std::string model = std::string("\x7f" "ELF model weights", 18);
  env.Mutate("mlvc.v1.ContentService/Upload", wendy, "audited",
             env.UploadCall("audited", text));
  env.Mutate("mlvc.v1.ContentService/Upload", wendy, "audited",
             env.UploadCall("audited", text2));
  env.Mutate("mlvc.v1.ContentService/Upload", wendy, "audited",
             env.UploadCall("audited", model));
  const std::string binary_id = common::Sha256Hex(binary);  // one chunk: its hash is the id
  env.Mutate("mlvc.v1.ContentService/UploadChunks", wendy, "audited", [&](ClientContext* ctx) {
    v1::UploadChunksResponse response;
    auto writer = env.content->UploadChunks(ctx, &response);
    v1::UploadChunksRequest message;
    message.set_repository("audited");
    v1::ChunkData* chunk = message.add_chunks();
    chunk->set_hash(binary_id);
    chunk->set_data(binary);
    writer->Write(message);
    writer->WritesDone();
    return writer->Finish();
  });
  env.Mutate("mlvc.v1.ContentService/CommitContents", wendy, "audited", [&](ClientContext* ctx) {
    v1::CommitContentsResponse response;
    auto writer = env.content->CommitContents(ctx, &response);
    v1::CommitContentsRequest message;
    message.set_repository("audited");
    v1::ContentManifestPart* part = message.add_parts();
    part->set_content_id(binary_id);
    part->set_size(binary.size());
    part->add_chunk_hashes(binary_id);
    writer->Write(message);
    writer->WritesDone();
    return writer->Finish();
  });

  // --- history: submit, branch, merge ---
  v1::SubmitResponse submitted;
  env.Mutate("mlvc.v1.HistoryService/Submit", wendy, "audited",
             env.SubmitCall("audited", "main", "s-1", "a.txt", common::Sha256Hex(text),
                            &submitted));
  env.Mutate("mlvc.v1.HistoryService/Submit", wendy, "audited",
             env.SubmitCall("audited", "main", "s-2", "b.bin", binary_id, &submitted));
  env.Mutate("mlvc.v1.RepositoryService/CreateBranch", wendy, "audited",
             env.CreateBranchCall("audited", "exp"));
  env.Mutate("mlvc.v1.HistoryService/Submit", wendy, "audited",
             env.SubmitCall("audited", "exp", "s-3", "a.txt", common::Sha256Hex(text2),
                            &submitted, common::Sha256Hex(text)));
  v1::MergeRequest merge;
  merge.set_repository("audited");
  merge.set_source("exp");
  merge.set_target_branch("main");
  merge.set_preview(true);
  // A preview changes nothing: a read, no row.
  env.ExpectNoRow("merge preview", wendy, [&](ClientContext* ctx) {
    v1::MergeResponse response;
    return env.history->Merge(ctx, merge, &response);
  }, grpc::StatusCode::OK);
  merge.set_preview(false);
  env.Mutate("mlvc.v1.HistoryService/Merge", wendy, "audited", [&](ClientContext* ctx) {
    v1::MergeResponse response;
    Status s = env.history->Merge(ctx, merge, &response);
    CHECK(response.has_changeset());
    return s;
  });

  // --- locks ---
  const auto lock = [&](ClientContext* ctx) {
    v1::LockRequest request;
    request.set_repository("audited");
    request.set_branch("main");
    v1::LockTarget* target = request.add_targets();
    target->set_path("b.bin");
    target->set_base_content_id(binary_id);
    v1::LockResponse response;
    return env.locks->Lock(ctx, request, &response);
  };
  const auto unlock = [&](bool force) {
    return [&env, force](ClientContext* ctx) {
      v1::UnlockRequest request;
      request.set_repository("audited");
      request.set_branch("main");
      request.add_paths("b.bin");
      request.set_force(force);
      v1::UnlockResponse response;
      return env.locks->Unlock(ctx, request, &response);
    };
  };
  env.Mutate("mlvc.v1.LockService/Lock", wendy, "audited", lock);
  env.Mutate("mlvc.v1.LockService/Unlock", wendy, "audited", unlock(false));
  env.Mutate("mlvc.v1.LockService/Lock", wendy, "audited", lock);
  // A maintainer breaking wendy's lock: the row says so.
  env.Mutate("mlvc.v1.LockService/Unlock", mia, "audited", unlock(true), "lock.break",
             /*escalated=*/true);
  env.Mutate("mlvc.v1.LockService/SetLockablePatterns", mia, "audited",
             [&](ClientContext* ctx) {
               v1::SetLockablePatternsRequest request;
               request.set_repository("audited");
               request.add_patterns("*.bin");
               v1::SetLockablePatternsResponse response;
               return env.locks->SetLockablePatterns(ctx, request, &response);
             });

  // --- labels ---
  env.Mutate("mlvc.v1.RepositoryService/CreateLabel", wendy, "audited", [&](ClientContext* ctx) {
    v1::CreateLabelRequest request;
    request.set_repository("audited");
    request.set_name("checked");
    v1::CreateLabelResponse response;
    return env.repos->CreateLabel(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.RepositoryService/DeleteLabel", mia, "audited", [&](ClientContext* ctx) {
    v1::DeleteLabelRequest request;
    request.set_repository("audited");
    request.set_name("checked");
    v1::DeleteLabelResponse response;
    return env.repos->DeleteLabel(ctx, request, &response);
  });

  // --- the ML record ---
  v1::RecordRunResponse run;
  env.Mutate("mlvc.v1.RecordService/RecordRun", wendy, "audited",
             env.RecordRunCall("audited", "r-1", &run));
  env.Mutate("mlvc.v1.RecordService/PushModel", wendy, "audited", [&](ClientContext* ctx) {
    v1::PushModelRequest request;
    v1::SubmitRequest* submit = request.mutable_submit();
    submit->set_repository("audited");
    submit->set_branch("main");
    submit->set_submit_id("p-1");
    submit->set_message("model");
    v1::Change* change = submit->add_changes();
    change->set_path("model.pt");
    change->set_action(v1::CHANGE_ACTION_ADD);
    change->set_content_id(common::Sha256Hex(model));
    change->set_kind(v1::ENTRY_KIND_BINARY);
    request.mutable_run()->set_kind(v1::RUN_KIND_TRAIN);
    v1::PushModelResponse response;
    return env.record->PushModel(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.RecordService/ApproveChangeset", mia, "audited", [&](ClientContext* ctx) {
    v1::ApproveChangesetRequest request;
    request.set_repository("audited");
    request.set_ref("main");
    v1::ApproveChangesetResponse response;
    return env.record->ApproveChangeset(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.RecordService/SetPolicy", mia, "audited", [&](ClientContext* ctx) {
    v1::SetPolicyRequest request;
    request.set_repository("audited");
    request.set_branch("exp");
    request.mutable_policy()->set_require_reviews(1);
    v1::SetPolicyResponse response;
    return env.record->SetPolicy(ctx, request, &response);
  });

  // --- releases and deployments ---
  for (const std::string version : {"v1", "v2"}) {
    env.Mutate("mlvc.v1.ReleaseService/CreateRelease", wendy, "audited",
               [&](ClientContext* ctx) {
                 v1::CreateReleaseRequest request;
                 request.set_repository("audited");
                 request.set_version(version);
                 request.set_ref("main");
                 v1::CreateReleaseResponse response;
                 return env.releases->CreateRelease(ctx, request, &response);
               });
    env.Mutate("mlvc.v1.ReleaseService/Deploy", mia, "audited", [&](ClientContext* ctx) {
      v1::DeployRequest request;
      request.set_repository("audited");
      request.set_version(version);
      request.set_environment("staging");
      v1::DeployResponse response;
      return env.releases->Deploy(ctx, request, &response);
    });
  }
  env.Mutate("mlvc.v1.ReleaseService/Rollback", mia, "audited", [&](ClientContext* ctx) {
    v1::RollbackRequest request;
    request.set_repository("audited");
    request.set_environment("staging");
    v1::RollbackResponse response;
    Status s = env.releases->Rollback(ctx, request, &response);
    CHECK(response.deployment().version() == "v1");
    return s;
  });

  // --- deleting a branch, revoking a role ---
  env.Mutate("mlvc.v1.RepositoryService/CreateBranch", wendy, "audited",
             env.CreateBranchCall("audited", "tmp"));
  env.Mutate("mlvc.v1.RepositoryService/DeleteBranch", mia, "audited", [&](ClientContext* ctx) {
    v1::DeleteBranchRequest request;
    request.set_repository("audited");
    request.set_name("tmp");
    v1::DeleteBranchResponse response;
    return env.repos->DeleteBranch(ctx, request, &response);
  });
  env.Mutate("mlvc.v1.AdminService/RevokeRole", mia, "audited", [&](ClientContext* ctx) {
    v1::RevokeRoleRequest request;
    request.set_repository("audited");
    request.set_grantee("wendy");
    v1::RevokeRoleResponse response;
    return env.admin->RevokeRole(ctx, request, &response);
  });

  // Every mutation of the authorization table was exercised above (escalated too, where the
  // rule escalates): a new mutating RPC fails here until this test covers its audit row.
  size_t mutations = 0;
  for (const core::Requirement& rule : core::AllRequirements()) {
    if (!rule.mutation) continue;
    ++mutations;
    INFO("mutation rule without an audited call in this test: " << rule.method);
    CHECK(env.exercised.count(std::string(rule.method)) == 1);
    if (!rule.escalate_if.empty()) {
      INFO("escalated by '" << rule.escalate_if << "'");
      CHECK(env.exercised_escalated.count(std::string(rule.method)) == 1);
    }
  }
  CHECK(mutations == env.exercised.size());
}

TEST_CASE("a refused mutation leaves exactly one row with its refusal and reads leave none",
          "[postgres][rpc][audit]") {
  Env env;
  using grpc::ClientContext;
  using grpc::StatusCode;
  // In process: "r" and "closed" (root's); wendy writes on "r", rita reads it, and neither
  // has any role on "closed".
  core::Authenticator auth(*env.store);
  const std::string wendy_secret = *auth.CreateUser("wendy", false);
  const std::string rita_secret = *auth.CreateUser("rita", false);
  core::Caller root_caller;
  root_caller.user = *auth.Authenticate(env.admin_token);
  core::RepositoryService repositories(*env.store);
  REQUIRE(repositories.CreateRepository(root_caller, "r").ok());
  REQUIRE(repositories.CreateRepository(root_caller, "closed").ok());
  REQUIRE(core::GrantRoleAsServer(*env.store, "wendy", "r", store::Role::kWriter).ok());
  REQUIRE(core::GrantRoleAsServer(*env.store, "rita", "r", store::Role::kReader).ok());
  const Who wendy = env.Signed("wendy", wendy_secret);
  const Who rita = env.Signed("rita", rita_secret);
  const Who nobody{"", "", 0};
  const Who stranger{"", "mlvc_" + std::string(43, 'A'), 0};

  SECTION("PERMISSION_DENIED: the row names the caller, the token and the repository") {
    AuditRow row = env.Refused("mlvc.v1.RepositoryService/CreateBranch", rita,
                               env.CreateBranchCall("r", "exp"), StatusCode::PERMISSION_DENIED,
                               "PERMISSION_DENIED");
    CHECK(row.user == "rita");
    CHECK(row.token_id == rita.token_id);
    CHECK(row.repository == "r");
    CHECK(row.result.find("you need the writer role") != std::string::npos);
    CHECK(row.target.find("exp") != std::string::npos);

    // On a repository she has no role on: refused like a missing one, and audited there.
    row = env.Refused("mlvc.v1.LockService/Lock", rita,
                      [&](ClientContext* ctx) {
                        v1::LockRequest request;
                        request.set_repository("closed");
                        request.add_targets()->set_path("x");
                        v1::LockResponse response;
                        return env.locks->Lock(ctx, request, &response);
                      },
                      StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED");
    CHECK(row.user == "rita");
    CHECK(row.repository == "closed");
    // A client stream is decided, and audited, on its first message.
    row = env.Refused("mlvc.v1.ContentService/UploadChunks", rita,
                      [&](ClientContext* ctx) {
                        v1::UploadChunksResponse response;
                        auto writer = env.content->UploadChunks(ctx, &response);
                        v1::UploadChunksRequest first;
                        first.set_repository("r");
                        writer->Write(first);
                        writer->WritesDone();
                        return writer->Finish();
                      },
                      StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED");
    CHECK(row.user == "rita");
    CHECK(row.repository == "r");
  }

  SECTION("UNAUTHENTICATED: one row, with what is known of the caller") {
    v1::SubmitResponse submitted;
    for (const Who& who : {nobody, stranger}) {
      AuditRow row = env.Refused(
          "mlvc.v1.HistoryService/Submit", who,
          env.SubmitCall("r", "main", "s-1", "a.txt", common::Sha256Hex("a"), &submitted),
          StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED");
      CHECK(row.user.empty());
      CHECK(row.token_id == 0);
      CHECK(row.repository.empty());  // not looked up for a caller nobody knows
    }
    // A revoked token is known: its row names it, though not as a user's act.
    auto issued = auth.CreateToken("wendy", "old", std::nullopt);
    REQUIRE(issued.ok());
    const Who old{"wendy", issued->secret, issued->record.id};
    core::AdminService admin(*env.store);
    REQUIRE(admin.RevokeToken(root_caller, old.token_id).ok());
    AuditRow row = env.Refused("mlvc.v1.RepositoryService/DeleteLabel", old,
                               [&](ClientContext* ctx) {
                                 v1::DeleteLabelRequest request;
                                 request.set_repository("r");
                                 request.set_name("v1");
                                 v1::DeleteLabelResponse response;
                                 return env.repos->DeleteLabel(ctx, request, &response);
                               },
                               StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED");
    CHECK(row.user.empty());
    CHECK(row.token_id == old.token_id);
    // A client stream without a token.
    row = env.Refused("mlvc.v1.ContentService/Upload", nobody, env.UploadCall("r", "bytes"),
                      StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED");
    CHECK(row.user.empty());
  }

  SECTION("a mutation the service refuses leaves the edge's row, and its own is rolled back") {
    AuditRow row = env.Refused("mlvc.v1.RepositoryService/CreateBranch", wendy,
                               env.CreateBranchCall("r", "main"), StatusCode::ALREADY_EXISTS,
                               "ALREADY_EXISTS");
    CHECK(row.user == "wendy");
    CHECK(row.token_id == wendy.token_id);
    CHECK(row.repository == "r");
  }

  SECTION("refused reads leave no row") {
    env.ExpectNoRow("list branches of a repository without a role", rita,
                    [&](ClientContext* ctx) {
                      v1::ListBranchesRequest request;
                      request.set_repository("closed");
                      v1::ListBranchesResponse response;
                      return env.repos->ListBranches(ctx, request, &response);
                    },
                    StatusCode::PERMISSION_DENIED);
    env.ExpectNoRow("log without a token", nobody,
                    [&](ClientContext* ctx) {
                      v1::LogRequest request;
                      request.set_repository("r");
                      v1::LogResponse response;
                      return env.history->Log(ctx, request, &response);
                    },
                    StatusCode::UNAUTHENTICATED);
    env.ExpectNoRow("list users without being an admin", rita,
                    [&](ClientContext* ctx) {
                      v1::ListUsersResponse response;
                      return env.admin->ListUsers(ctx, {}, &response);
                    },
                    StatusCode::PERMISSION_DENIED);
    env.ExpectNoRow("download of unknown content", rita,
                    [&](ClientContext* ctx) {
                      v1::DownloadRequest request;
                      request.set_repository("r");
                      request.set_content_id(common::Sha256Hex("never stored"));
                      auto reader = env.content->Download(ctx, request);
                      v1::DownloadResponse piece;
                      while (reader->Read(&piece)) {
                      }
                      return reader->Finish();
                    },
                    StatusCode::NOT_FOUND);
    env.ExpectNoRow("merge preview without a token", nobody,
                    [&](ClientContext* ctx) {
                      v1::MergeRequest request;
                      request.set_repository("r");
                      request.set_source("main");
                      request.set_target_branch("main");
                      request.set_preview(true);
                      v1::MergeResponse response;
                      return env.history->Merge(ctx, request, &response);
                    },
                    StatusCode::UNAUTHENTICATED);
  }
}

TEST_CASE("a replayed submit or run leaves one more row marked as replayed",
          "[postgres][rpc][audit]") {
  Env env;
  core::Authenticator auth(*env.store);
  const std::string wendy_secret = *auth.CreateUser("wendy", false);
  core::Caller root_caller;
  root_caller.user = *auth.Authenticate(env.admin_token);
  core::RepositoryService repositories(*env.store);
  REQUIRE(repositories.CreateRepository(root_caller, "r").ok());
  REQUIRE(core::GrantRoleAsServer(*env.store, "wendy", "r", store::Role::kWriter).ok());
  const Who wendy = env.Signed("wendy", wendy_secret);
  env.Mutate("mlvc.v1.ContentService/Upload", wendy, "r", env.UploadCall("r", "a\n"));

  v1::SubmitResponse first;
  env.Mutate("mlvc.v1.HistoryService/Submit", wendy, "r",
             env.SubmitCall("r", "main", "s-1", "a.txt", common::Sha256Hex("a\n"), &first));
  CHECK_FALSE(first.replayed());
  v1::SubmitResponse again;
  auto [status, rows] = env.Audited(
      wendy, env.SubmitCall("r", "main", "s-1", "a.txt", common::Sha256Hex("a\n"), &again));
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(again.replayed());
  CHECK(again.changeset().number() == first.changeset().number());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].action == "submit");
  CHECK(rows[0].user == "wendy");
  CHECK(rows[0].token_id == wendy.token_id);
  CHECK(rows[0].repository == "r");
  CHECK(rows[0].result == "ok (replayed)");
  // No second changeset: main still points at the first.
  v1::ResolveRefRequest resolve;
  resolve.set_repository("r");
  resolve.set_ref("main");
  v1::ResolveRefResponse head;
  REQUIRE(env.repos->ResolveRef(env.As(wendy).get(), resolve, &head).ok());
  CHECK(head.number() == first.changeset().number());

  v1::RecordRunResponse run;
  env.Mutate("mlvc.v1.RecordService/RecordRun", wendy, "r", env.RecordRunCall("r", "r-1", &run));
  v1::RecordRunResponse run_again;
  auto [run_status, run_rows] = env.Audited(wendy, env.RecordRunCall("r", "r-1", &run_again));
  REQUIRE(run_status.ok());
  CHECK(run_again.run().id() == run.run().id());
  REQUIRE(run_rows.size() == 1);
  CHECK(run_rows[0].action == "run.record");
  CHECK(run_rows[0].result == "ok (replayed)");
}

}  // namespace
}  // namespace mlvc::server::rpc
