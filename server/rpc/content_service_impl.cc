#include "server/rpc/content_service_impl.h"

#include "common/status/status_macros.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {

grpc::Status ContentServiceImpl::FindMissing(grpc::ServerContext* context,
                                             const v1::FindMissingRequest* request,
                                             v1::FindMissingResponse* response) {
  return HandleRpc(context, auth_, "FindMissing", [&](const core::Caller&) {
    std::vector<std::string> ids(request->content_ids().begin(), request->content_ids().end());
    ASSIGN_OR_RETURN(std::vector<std::string> missing, content_.FindMissing(ids));
    for (std::string& id : missing) response->add_missing(std::move(id));
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::Upload(grpc::ServerContext* context,
                                        grpc::ServerReader<v1::UploadRequest>* reader,
                                        v1::UploadResponse* response) {
  return HandleRpc(context, auth_, "Upload", [&](const core::Caller& caller) -> absl::Status {
    v1::UploadRequest message;
    if (!reader->Read(&message)) return absl::InvalidArgumentError("upload without a header");
    if (message.part_case() != v1::UploadRequest::kHeader) {
      return absl::InvalidArgumentError("the first upload message must carry the header");
    }
    ASSIGN_OR_RETURN(
        std::unique_ptr<core::Upload> upload,
        content_.BeginUpload(caller, {message.header().content_id(), message.header().size()}));
    while (reader->Read(&message)) {
      if (message.part_case() != v1::UploadRequest::kData) {
        return absl::InvalidArgumentError("only data may follow the upload header");
      }
      RETURN_IF_ERROR(upload->Append(message.data()));
      message.Clear();
    }
    if (context->IsCancelled()) return absl::CancelledError("upload cancelled");
    ASSIGN_OR_RETURN(core::UploadResult result, upload->Finish());
    response->set_content_id(result.content_id);
    response->set_already_present(result.already_present);
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::Download(grpc::ServerContext* context,
                                          const v1::DownloadRequest* request,
                                          grpc::ServerWriter<v1::DownloadResponse>* writer) {
  return HandleRpc(context, auth_, "Download", [&](const core::Caller&) -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<core::Download> download,
                     content_.OpenDownload(request->content_id(), request->offset()));
    v1::DownloadResponse response;
    response.set_total_size(download->total_size());
    bool first = true;
    while (true) {
      RETURN_IF_ERROR(download->Next(response.mutable_data()));
      if (response.data().empty() && !first) break;
      if (!writer->Write(response)) return absl::CancelledError("client went away");
      if (response.data().empty()) break;  // empty content or offset at the end
      first = false;
      response.clear_total_size();
    }
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
