#include "client/remote/remote.h"
#include "client/remote/remote_internal.h"
#include "client/remote/channel_setup_internal.h"
#include "client/remote/server_address.h"

#include <grpcpp/grpcpp.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "common/hash/sha256.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "mlvc/v1/history.grpc.pb.h"
#include "mlvc/v1/lock.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"

namespace mlvc::client::remote {

absl::Status FromGrpc(const grpc::Status& status, const std::string& server) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (auto sentence = DescribeConnectFailure(server, status.error_message())) {
        return absl::UnavailableError(*sentence);
      }
      return absl::UnavailableError("server " + server + " is unreachable");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError("server " + server + " did not answer in time");
    default:
      break;
  }
  std::string message = status.error_message();
  if (message.empty()) message = "server " + server + " answered " + absl::StatusCodeToString(code);
  return absl::Status(code, message);
}

namespace {

// gRPC's own retry policy, for one case only: the server refused a call before doing
// anything (its request rate or upload limit, RESOURCE_EXHAUSTED) and said how long to wait
// ("grpc-retry-pushback-ms"), which gRPC honours. Every method of every service; at most 5
// attempts. Other failures are not retried here (Submit has its own retry, by submit id).
constexpr char kRetryServiceConfig[] = R"json({
  "methodConfig": [{
    "name": [
      {"service": "mlvc.v1.RepositoryService"}, {"service": "mlvc.v1.HistoryService"},
      {"service": "mlvc.v1.ContentService"}, {"service": "mlvc.v1.LockService"},
      {"service": "mlvc.v1.RecordService"}, {"service": "mlvc.v1.ReleaseService"},
      {"service": "mlvc.v1.AdminService"}
    ],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.2s",
      "maxBackoff": "5s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["RESOURCE_EXHAUSTED"]
    }
  }]
})json";

// Streams carry no deadline (a big file may take long); GetTree's is generous instead.
constexpr int kTreeDeadlineSeconds = 600;
constexpr int kSubmitDeadlineSeconds = 600;

EntryKind FromPb(pb::EntryKind kind) {
  return kind == pb::ENTRY_KIND_TEXT ? EntryKind::kText : EntryKind::kBinary;
}
pb::EntryKind ToPb(EntryKind kind) {
  return kind == EntryKind::kText ? pb::ENTRY_KIND_TEXT : pb::ENTRY_KIND_BINARY;
}
ChangeAction FromPb(pb::ChangeAction action) {
  switch (action) {
    case pb::CHANGE_ACTION_ADD: return ChangeAction::kAdd;
    case pb::CHANGE_ACTION_DELETE: return ChangeAction::kDelete;
    default: return ChangeAction::kModify;
  }
}
pb::ChangeAction ToPb(ChangeAction action) {
  switch (action) {
    case ChangeAction::kAdd: return pb::CHANGE_ACTION_ADD;
    case ChangeAction::kDelete: return pb::CHANGE_ACTION_DELETE;
    case ChangeAction::kModify: break;
  }
  return pb::CHANGE_ACTION_MODIFY;
}

TreeFile FromPb(const pb::FileEntry& e) {
  TreeFile f;
  f.path = e.path();
  f.kind = FromPb(e.kind());
  f.executable = e.executable();
  f.size = e.size();
  f.content_id = e.content_id();
  return f;
}

RepositoryInfo FromPb(const pb::Repository& r) {
  return RepositoryInfo{r.name(), r.created_at_micros(), r.created_by(), r.default_role(),
                        r.role()};
}

ChangesetInfo FromPb(const pb::Changeset& c) {
  ChangesetInfo info;
  info.number = c.number();
  if (c.has_parent()) info.parent = c.parent();
  if (c.has_merge_parent()) info.merge_parent = c.merge_parent();
  info.author = c.author();
  info.created_at_micros = c.created_at_micros();
  info.message = c.message();
  info.root_tree = c.root_tree();
  for (const auto& p : c.changed_paths()) {
    info.changed_paths.push_back(ChangedPathInfo{p.path(), FromPb(p.action()), p.content_id()});
  }
  return info;
}

// Removes a partly written file; the error that made us give up matters more than this one.
void RemoveQuietly(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace

absl::StatusOr<std::unique_ptr<Remote>> Remote::Connect(const std::string& server,
                                                        const std::string& token) {
  return Connect(server, token, Options());
}

absl::StatusOr<std::unique_ptr<Remote>> Remote::Connect(const std::string& server,
                                                        const std::string& token,
                                                        Options options) {
  if (server.empty()) return absl::InvalidArgumentError("no server address given");
  absl::StatusOr<ServerAddress> address = ParseServerAddress(server);
  if (!address.ok()) return address.status();
  auto credentials = MakeChannelCredentials(*address, options.ca_file);
  if (!credentials.ok()) return credentials.status();
  QuietGrpcLogging();
  auto impl = std::make_unique<Impl>();
  impl->server = server;
  impl->token = token;
  impl->options = options;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetServiceConfigJSON(kRetryServiceConfig);
  impl->channel = grpc::CreateCustomChannel(address->target, *credentials, args);
  impl->repos = pb::RepositoryService::NewStub(impl->channel);
  impl->content = pb::ContentService::NewStub(impl->channel);
  impl->history = pb::HistoryService::NewStub(impl->channel);
  impl->locks = pb::LockService::NewStub(impl->channel);
  impl->record = pb::RecordService::NewStub(impl->channel);
  impl->releases = pb::ReleaseService::NewStub(impl->channel);
  impl->admin = pb::AdminService::NewStub(impl->channel);
  return std::unique_ptr<Remote>(new Remote(std::move(impl)));
}

Remote::Remote(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Remote::~Remote() = default;

const std::string& Remote::server() const { return impl_->server; }

absl::StatusOr<RepositoryInfo> Remote::CreateRepository(const std::string& name) {
  pb::CreateRepositoryRequest request;
  request.set_name(name);
  pb::CreateRepositoryResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->CreateRepository(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.repository());
}

absl::StatusOr<std::vector<RepositoryInfo>> Remote::ListRepositories() {
  pb::ListRepositoriesRequest request;
  pb::ListRepositoriesResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->ListRepositories(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<RepositoryInfo> out;
  for (const auto& r : response.repositories()) out.push_back(FromPb(r));
  return out;
}

absl::StatusOr<RepositoryInfo> Remote::SetDefaultRole(const std::string& repository,
                                                      const std::string& default_role) {
  pb::SetDefaultRoleRequest request;
  request.set_repository(repository);
  request.set_default_role(default_role);
  pb::SetDefaultRoleResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->SetDefaultRole(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.repository());
}

absl::StatusOr<std::vector<BranchInfo>> Remote::ListBranches(const std::string& repository) {
  pb::ListBranchesRequest request;
  request.set_repository(repository);
  pb::ListBranchesResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->ListBranches(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<BranchInfo> out;
  for (const auto& b : response.branches()) out.push_back(BranchInfo{b.name(), b.head()});
  return out;
}

absl::StatusOr<ResolvedRef> Remote::ResolveRef(const std::string& repository,
                                               const std::string& ref) {
  pb::ResolveRefRequest request;
  request.set_repository(repository);
  request.set_ref(ref);
  pb::ResolveRefResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->ResolveRef(context.get(), request, &response));
  if (!status.ok()) return status;
  return ResolvedRef{response.number(), response.branch(), response.label()};
}

absl::StatusOr<std::vector<TreeFile>> Remote::GetTree(const std::string& repository,
                                                      int64_t number,
                                                      const std::vector<std::string>& paths) {
  pb::GetTreeRequest request;
  request.set_repository(repository);
  request.set_number(number);
  for (const auto& p : paths) request.add_paths(p);
  auto context = impl_->Context(kTreeDeadlineSeconds);
  auto reader = impl_->history->GetTree(context.get(), request);
  pb::GetTreeResponse response;
  std::vector<TreeFile> out;
  while (reader->Read(&response)) {
    for (const auto& e : response.entries()) out.push_back(FromPb(e));
  }
  absl::Status status = impl_->Convert(reader->Finish());
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<std::string>> Remote::FindMissing(
    const std::string& repository, const std::vector<std::string>& content_ids) {
  std::vector<std::string> missing;
  for (size_t start = 0; start < content_ids.size(); start += kFindMissingBatch) {
    size_t end = std::min(content_ids.size(), start + kFindMissingBatch);
    pb::FindMissingRequest request;
    request.set_repository(repository);
    for (size_t i = start; i < end; ++i) request.add_content_ids(content_ids[i]);
    pb::FindMissingResponse response;
    auto context = impl_->Unary();
    absl::Status status =
        impl_->Convert(impl_->content->FindMissing(context.get(), request, &response));
    if (!status.ok()) return status;
    for (const auto& id : response.missing()) missing.push_back(id);
  }
  return missing;
}

absl::Status Remote::UploadFile(const std::string& repository,
                                const std::string& local_abspath, const std::string& content_id,
                                uint64_t size) {
  std::FILE* file = std::fopen(local_abspath.c_str(), "rb");
  if (file == nullptr) {
    return absl::InternalError("cannot read " + local_abspath + ": " + std::strerror(errno));
  }
  auto context = impl_->Context(0);
  pb::UploadResponse response;
  auto writer = impl_->content->Upload(context.get(), &response);
  pb::UploadRequest header;
  header.set_repository(repository);
  header.mutable_header()->set_content_id(content_id);
  header.mutable_header()->set_size(size);
  bool stream_ok = writer->Write(header);
  std::string buffer(kPieceBytes, '\0');
  absl::Status local_error;
  pb::UploadRequest piece;
  while (stream_ok) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
    if (n == 0) {
      if (std::ferror(file)) {
        local_error = absl::InternalError("cannot read " + local_abspath);
        context->TryCancel();
      }
      break;
    }
    piece.set_data(buffer.data(), n);
    stream_ok = writer->Write(piece);
  }
  std::fclose(file);
  if (stream_ok) writer->WritesDone();
  grpc::Status finish = writer->Finish();
  if (!local_error.ok()) return local_error;
  return impl_->Convert(finish);
}

absl::Status Remote::DownloadToFile(const std::string& repository,
                                    const std::string& content_id,
                                    const std::string& dest_abspath) {
  std::FILE* file = std::fopen(dest_abspath.c_str(), "wb");
  if (file == nullptr) {
    return absl::InternalError("cannot write " + dest_abspath + ": " + std::strerror(errno));
  }
  absl::Status status = impl_->ReadContent(
      repository, content_id, [&](const std::string& data, uint64_t) -> absl::Status {
        if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file) != data.size()) {
          return absl::InternalError("cannot write " + dest_abspath + ": " +
                                     std::strerror(errno));
        }
        return absl::OkStatus();
      });
  if (std::fclose(file) != 0 && status.ok()) {
    status = absl::InternalError("cannot write " + dest_abspath + ": " + std::strerror(errno));
  }
  if (!status.ok()) RemoveQuietly(dest_abspath);
  return status;
}

absl::StatusOr<std::string> Remote::DownloadToMemory(const std::string& repository,
                                                     const std::string& content_id,
                                                     uint64_t max_bytes) {
  std::string out;
  absl::Status status = impl_->ReadContent(
      repository, content_id, [&](const std::string& data, uint64_t total) -> absl::Status {
        if (total > max_bytes || out.size() + data.size() > max_bytes) {
          return absl::OutOfRangeError("content " + content_id + " is larger than " +
                                       std::to_string(max_bytes) + " bytes");
        }
        out.append(data);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return out;
}

ChangesetInfo ChangesetFromPb(const pb::Changeset& changeset) { return FromPb(changeset); }
ChangeAction ChangeActionFromPb(pb::ChangeAction action) { return FromPb(action); }

void SubmitRequestToPb(const SubmitRequest& request, pb::SubmitRequest* out) {
  out->set_repository(request.repository);
  out->set_branch(request.branch);
  out->set_base_number(request.base_number);
  out->set_submit_id(request.submit_id);
  out->set_message(request.message);
  out->set_keep_locks(request.keep_locks);
  for (const auto& c : request.changes) {
    pb::Change* change = out->add_changes();
    change->set_path(c.path);
    change->set_action(ToPb(c.action));
    if (c.action != ChangeAction::kDelete) {
      change->set_content_id(c.content_id);
      change->set_kind(ToPb(c.kind));
      change->set_executable(c.executable);
    }
    change->set_base_content_id(c.base_content_id);
  }
  if (request.merge_parent.has_value()) out->set_merge_parent(*request.merge_parent);
}

absl::StatusOr<SubmitResult> Remote::Submit(const SubmitRequest& request) {
  pb::SubmitRequest pb_request;
  SubmitRequestToPb(request, &pb_request);
  absl::Status status;
  for (int attempt = 0; attempt <= impl_->options.submit_retries; ++attempt) {
    pb::SubmitResponse response;
    auto context = impl_->Context(kSubmitDeadlineSeconds);
    status = impl_->Convert(impl_->history->Submit(context.get(), pb_request, &response));
    if (status.ok()) {
      SubmitResult result{FromPb(response.changeset()), response.replayed(), {}};
      for (const std::string& p : response.merged_paths()) result.merged_paths.push_back(p);
      return result;
    }
    if (status.code() != absl::StatusCode::kUnavailable) break;
  }
  return status;
}

absl::StatusOr<MergeOutcome> Remote::Merge(const MergeRequest& request) {
  pb::MergeRequest pb_request;
  pb_request.set_repository(request.repository);
  pb_request.set_source(request.source);
  pb_request.set_target_branch(request.target_branch);
  pb_request.set_message(request.message);
  pb_request.set_preview(request.preview);
  pb_request.set_binary_strategy(request.strategy == MergeStrategy::kOurs
                                     ? pb::MERGE_STRATEGY_OURS
                                 : request.strategy == MergeStrategy::kTheirs
                                     ? pb::MERGE_STRATEGY_THEIRS
                                     : pb::MERGE_STRATEGY_CONFLICT);
  pb_request.set_submit_id(request.submit_id);
  auto entry = [](bool has, const pb::FileEntry& e) -> std::optional<TreeFile> {
    if (!has) return std::nullopt;
    return FromPb(e);
  };
  pb::MergeResponse response;
  absl::Status status;
  for (int attempt = 0; attempt <= impl_->options.submit_retries; ++attempt) {
    response.Clear();
    auto context = impl_->Context(kSubmitDeadlineSeconds);
    status = impl_->Convert(impl_->history->Merge(context.get(), pb_request, &response));
    // Only a merge with a submit_id may be repeated safely after a lost reply.
    if (status.code() != absl::StatusCode::kUnavailable ||
        (request.submit_id.empty() && !request.preview)) {
      break;
    }
  }
  if (!status.ok()) return status;
  MergeOutcome out;
  if (response.has_changeset()) out.changeset = FromPb(response.changeset());
  for (const auto& f : response.files()) {
    MergedFileInfo info;
    info.path = f.path();
    info.action = FromPb(f.action());
    info.result = entry(f.has_result(), f.result());
    info.line_merged = f.line_merged();
    info.base = entry(f.has_base(), f.base());
    info.target = entry(f.has_target(), f.target());
    info.source = entry(f.has_source(), f.source());
    out.files.push_back(std::move(info));
  }
  for (const auto& c : response.conflicts()) {
    MergeConflictInfo info;
    info.path = c.path();
    info.reason = c.reason();
    info.base = entry(c.has_base(), c.base());
    info.target = entry(c.has_target(), c.target());
    info.source = entry(c.has_source(), c.source());
    out.conflicts.push_back(std::move(info));
  }
  out.base_number = response.base_number();
  out.source_number = response.source_number();
  out.target_number = response.target_number();
  out.up_to_date = response.up_to_date();
  out.replayed = response.replayed();
  return out;
}

absl::StatusOr<std::vector<ChangesetInfo>> Remote::Log(const LogQuery& query) {
  pb::LogRequest request;
  request.set_repository(query.repository);
  request.set_ref(query.ref);
  request.set_path(query.path);
  request.set_limit(query.limit);
  request.set_with_paths(query.with_paths);
  request.set_all_parents(query.all_parents);
  pb::LogResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->history->Log(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<ChangesetInfo> out;
  for (const auto& c : response.changesets()) out.push_back(FromPb(c));
  return out;
}

absl::StatusOr<ChangesetInfo> Remote::GetChangeset(const std::string& repository,
                                                   int64_t number) {
  pb::GetChangesetRequest request;
  request.set_repository(repository);
  request.set_number(number);
  pb::GetChangesetResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->history->GetChangeset(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.changeset());
}

absl::StatusOr<std::vector<FileChange>> Remote::Diff(const std::string& repository,
                                                     int64_t from_number, int64_t to_number,
                                                     const std::vector<std::string>& paths,
                                                     bool with_text) {
  pb::DiffRequest request;
  request.set_repository(repository);
  request.set_from_number(from_number);
  request.set_to_number(to_number);
  for (const auto& p : paths) request.add_paths(p);
  request.set_with_text(with_text);
  pb::DiffResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->history->Diff(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<FileChange> out;
  for (const auto& f : response.files()) {
    FileChange change;
    change.path = f.path();
    change.action = FromPb(f.action());
    if (f.has_from()) change.from = FromPb(f.from());
    if (f.has_to()) change.to = FromPb(f.to());
    change.unified_diff = f.unified_diff();
    out.push_back(std::move(change));
  }
  return out;
}

// --- branches and labels ---

namespace {

LabelInfo FromPb(const pb::Label& l) {
  return LabelInfo{l.name(), l.number(), l.notes(), l.created_by(), l.created_at_micros()};
}

}  // namespace

absl::StatusOr<BranchInfo> Remote::CreateBranch(const std::string& repository,
                                                const std::string& name,
                                                const std::string& from) {
  pb::CreateBranchRequest request;
  request.set_repository(repository);
  request.set_name(name);
  request.set_from(from);
  pb::CreateBranchResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->CreateBranch(context.get(), request, &response));
  if (!status.ok()) return status;
  return BranchInfo{response.branch().name(), response.branch().head()};
}

absl::Status Remote::DeleteBranch(const std::string& repository, const std::string& name) {
  pb::DeleteBranchRequest request;
  request.set_repository(repository);
  request.set_name(name);
  pb::DeleteBranchResponse response;
  auto context = impl_->Unary();
  return impl_->Convert(impl_->repos->DeleteBranch(context.get(), request, &response));
}

absl::StatusOr<LabelInfo> Remote::CreateLabel(const std::string& repository,
                                              const std::string& name, const std::string& ref,
                                              const std::string& notes) {
  pb::CreateLabelRequest request;
  request.set_repository(repository);
  request.set_name(name);
  request.set_ref(ref);
  request.set_notes(notes);
  pb::CreateLabelResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->repos->CreateLabel(context.get(), request, &response));
  if (!status.ok()) return status;
  return FromPb(response.label());
}

absl::StatusOr<std::vector<LabelInfo>> Remote::ListLabels(const std::string& repository) {
  constexpr int kPage = 1000;
  std::vector<LabelInfo> out;
  std::string after;
  while (true) {
    pb::ListLabelsRequest request;
    request.set_repository(repository);
    request.set_limit(kPage);
    request.set_after(after);
    pb::ListLabelsResponse response;
    auto context = impl_->Unary();
    absl::Status status =
        impl_->Convert(impl_->repos->ListLabels(context.get(), request, &response));
    if (!status.ok()) return status;
    for (const auto& l : response.labels()) out.push_back(FromPb(l));
    if (response.labels_size() < kPage) break;
    after = out.back().name;
  }
  return out;
}

absl::Status Remote::DeleteLabel(const std::string& repository, const std::string& name) {
  pb::DeleteLabelRequest request;
  request.set_repository(repository);
  request.set_name(name);
  pb::DeleteLabelResponse response;
  auto context = impl_->Unary();
  return impl_->Convert(impl_->repos->DeleteLabel(context.get(), request, &response));
}

// --- locks ---

namespace {

LockInfo FromPb(const pb::Lock& l) {
  return LockInfo{l.path(), l.branch(), l.user(), l.comment(), l.created_at_micros()};
}

}  // namespace

absl::StatusOr<std::vector<LockInfo>> Remote::Lock(const std::string& repository,
                                                   const std::string& branch,
                                                   const std::vector<LockTargetInfo>& targets,
                                                   const std::string& comment) {
  pb::LockRequest request;
  request.set_repository(repository);
  request.set_branch(branch);
  request.set_comment(comment);
  for (const LockTargetInfo& t : targets) {
    pb::LockTarget* out = request.add_targets();
    out->set_path(t.path);
    out->set_base_content_id(t.base_content_id);
  }
  pb::LockResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->locks->Lock(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<LockInfo> out;
  for (const auto& l : response.locks()) out.push_back(FromPb(l));
  return out;
}

absl::StatusOr<std::vector<LockInfo>> Remote::Unlock(const std::string& repository,
                                                     const std::string& branch,
                                                     const std::vector<std::string>& paths,
                                                     bool force) {
  pb::UnlockRequest request;
  request.set_repository(repository);
  request.set_branch(branch);
  for (const std::string& p : paths) request.add_paths(p);
  request.set_force(force);
  pb::UnlockResponse response;
  auto context = impl_->Unary();
  absl::Status status = impl_->Convert(impl_->locks->Unlock(context.get(), request, &response));
  if (!status.ok()) return status;
  std::vector<LockInfo> out;
  for (const auto& l : response.released()) out.push_back(FromPb(l));
  return out;
}

absl::StatusOr<std::vector<LockInfo>> Remote::ListLocks(const std::string& repository,
                                                        const std::string& branch,
                                                        const std::string& prefix,
                                                        int page_size) {
  std::vector<LockInfo> out;
  std::string after;
  while (true) {
    pb::ListLocksRequest request;
    request.set_repository(repository);
    request.set_branch(branch);
    request.set_path_prefix(prefix);
    request.set_limit(page_size);
    request.set_after(after);
    pb::ListLocksResponse response;
    auto context = impl_->Unary();
    absl::Status status =
        impl_->Convert(impl_->locks->ListLocks(context.get(), request, &response));
    if (!status.ok()) return status;
    for (const auto& l : response.locks()) out.push_back(FromPb(l));
    if (response.next_after().empty()) break;
    after = response.next_after();
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Remote::GetLockablePatterns(
    const std::string& repository) {
  pb::GetLockablePatternsRequest request;
  request.set_repository(repository);
  pb::GetLockablePatternsResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->locks->GetLockablePatterns(context.get(), request, &response));
  if (!status.ok()) return status;
  return std::vector<std::string>(response.patterns().begin(), response.patterns().end());
}

absl::StatusOr<std::vector<std::string>> Remote::SetLockablePatterns(
    const std::string& repository, const std::vector<std::string>& patterns) {
  pb::SetLockablePatternsRequest request;
  request.set_repository(repository);
  for (const std::string& p : patterns) request.add_patterns(p);
  pb::SetLockablePatternsResponse response;
  auto context = impl_->Unary();
  absl::Status status =
      impl_->Convert(impl_->locks->SetLockablePatterns(context.get(), request, &response));
  if (!status.ok()) return status;
  return std::vector<std::string>(response.patterns().begin(), response.patterns().end());
}

}  // namespace mlvc::client::remote
