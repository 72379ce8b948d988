// HistoryService.Merge on server/core's MergeService (kept apart from the other history
// handlers: its own conversions live here).
#include "common/status/status_macros.h"
#include "server/rpc/convert.h"
#include "server/rpc/history_service_impl.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {
namespace {

absl::StatusOr<core::MergeStrategy> StrategyFromProto(v1::MergeStrategy s) {
  switch (s) {
    case v1::MERGE_STRATEGY_CONFLICT: return core::MergeStrategy::kConflict;
    case v1::MERGE_STRATEGY_OURS: return core::MergeStrategy::kOurs;
    case v1::MERGE_STRATEGY_THEIRS: return core::MergeStrategy::kTheirs;
    default: break;
  }
  return absl::InvalidArgumentError("unknown binary_strategy");
}

}  // namespace

grpc::Status HistoryServiceImpl::Merge(grpc::ServerContext* context,
                                       const v1::MergeRequest* request,
                                       v1::MergeResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::HistoryService>("Merge"), *request, [&](const core::Caller& caller) -> absl::Status {
    if (merge_ == nullptr) return absl::UnimplementedError("merge is not available");
    core::MergeRequest r;
    r.repository = request->repository();
    r.source = request->source();
    r.target_branch = request->target_branch();
    r.message = request->message();
    r.preview = request->preview();
    ASSIGN_OR_RETURN(r.strategy, StrategyFromProto(request->binary_strategy()));
    r.submit_id = request->submit_id();
    ASSIGN_OR_RETURN(core::MergeResult result, merge_->Merge(caller, r));
    if (result.changeset.has_value()) ToProto(*result.changeset, response->mutable_changeset());
    for (const core::MergedFile& f : result.files) {
      v1::MergedFile* out = response->add_files();
      out->set_path(f.path);
      out->set_action(ToProto(f.action));
      out->set_line_merged(f.line_merged);
      if (f.result.has_value()) ToProto(*f.result, out->mutable_result());
      if (f.base.has_value()) ToProto(*f.base, out->mutable_base());
      if (f.target.has_value()) ToProto(*f.target, out->mutable_target());
      if (f.source.has_value()) ToProto(*f.source, out->mutable_source());
    }
    for (const core::MergeConflict& c : result.conflicts) {
      v1::MergeConflict* out = response->add_conflicts();
      out->set_path(c.path);
      out->set_reason(c.reason);
      if (c.base.has_value()) ToProto(*c.base, out->mutable_base());
      if (c.target.has_value()) ToProto(*c.target, out->mutable_target());
      if (c.source.has_value()) ToProto(*c.source, out->mutable_source());
    }
    response->set_base_number(result.base_number);
    response->set_source_number(result.source_number);
    response->set_target_number(result.target_number);
    response->set_up_to_date(result.up_to_date);
    response->set_replayed(result.replayed);
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
