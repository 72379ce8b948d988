#include "server/rpc/content_service_impl.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/rpc/rpc_helper.h"

namespace mlvc::server::rpc {

grpc::Status ContentServiceImpl::FindMissing(grpc::ServerContext* context,
                                             const v1::FindMissingRequest* request,
                                             v1::FindMissingResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ContentService>("FindMissing"), *request, [&](const core::Caller& caller) {
    std::vector<std::string> ids(request->content_ids().begin(), request->content_ids().end());
    ASSIGN_OR_RETURN(std::vector<std::string> missing, content_.FindMissing(caller, ids));
    for (std::string& id : missing) response->add_missing(std::move(id));
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::Upload(grpc::ServerContext* context,
                                        grpc::ServerReader<v1::UploadRequest>* reader,
                                        v1::UploadResponse* response) {
  return HandleClientStream<v1::UploadRequest>(
      context, edge_, MethodName<v1::ContentService>("Upload"), reader,
      [&](const core::Caller& caller, v1::UploadRequest& message) -> absl::Status {
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
    RETURN_IF_ERROR(content_.AuditUpload(
        caller, absl::StrCat("content ", result.content_id,
                             result.already_present ? " (already held)" : "")));
    response->set_content_id(result.content_id);
    response->set_already_present(result.already_present);
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::Download(grpc::ServerContext* context,
                                          const v1::DownloadRequest* request,
                                          grpc::ServerWriter<v1::DownloadResponse>* writer) {
  return HandleRpc(context, edge_, MethodName<v1::ContentService>("Download"), *request, [&](const core::Caller& caller) -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<core::Download> download,
                     content_.OpenDownload(caller, request->content_id(),
                                           request->offset()));
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

// ---- chunked transfer ----

grpc::Status ContentServiceImpl::FindMissingChunks(grpc::ServerContext* context,
                                                   const v1::FindMissingChunksRequest* request,
                                                   v1::FindMissingChunksResponse* response) {
  return HandleRpc(context, edge_, MethodName<v1::ContentService>("FindMissingChunks"), *request, [&](const core::Caller& caller) {
    std::vector<std::string> hashes(request->chunk_hashes().begin(),
                                    request->chunk_hashes().end());
    ASSIGN_OR_RETURN(std::vector<std::string> missing, content_.FindMissingChunks(caller, hashes));
    for (std::string& h : missing) response->add_missing(std::move(h));
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::UploadChunks(grpc::ServerContext* context,
                                              grpc::ServerReader<v1::UploadChunksRequest>* reader,
                                              v1::UploadChunksResponse* response) {
  return HandleClientStream<v1::UploadChunksRequest>(
      context, edge_, MethodName<v1::ContentService>("UploadChunks"), reader,
      [&](const core::Caller& caller, v1::UploadChunksRequest& message) -> absl::Status {
    std::unique_ptr<core::ChunkUpload> upload = content_.BeginChunkUpload(caller);
    std::vector<core::ReceivedChunk> chunks;
    absl::Status received;
    // The first message (read by the edge) may carry chunks too.
    bool have = true;
    while (received.ok() && (have || reader->Read(&message))) {
      have = false;
      chunks.clear();
      for (v1::ChunkData& c : *message.mutable_chunks()) {
        core::ReceivedChunk& chunk =
            chunks.emplace_back(std::move(*c.mutable_hash()), std::move(*c.mutable_data()));
        if (c.has_starts_content()) {
          chunk.starts_content_id = std::move(*c.mutable_starts_content()->mutable_content_id());
          chunk.starts_content_size = c.starts_content().size();
        }
      }
      received = upload->AddMessage(chunks);
      message.Clear();
    }
    // Also after a refused message or a broken stream: what was received whole is stored,
    // so a resumed push sends only the rest.
    absl::StatusOr<core::ChunkUploadResult> stored = upload->Finish();
    RETURN_IF_ERROR(received);
    if (context->IsCancelled()) return absl::CancelledError("upload cancelled");
    RETURN_IF_ERROR(stored.status());
    RETURN_IF_ERROR(content_.AuditUpload(
        caller, absl::StrCat(stored->chunks_stored, " chunks stored (", stored->bytes_stored,
                             " bytes), ", stored->chunks_skipped, " held already")));
    response->set_chunks_stored(stored->chunks_stored);
    response->set_chunks_skipped(stored->chunks_skipped);
    response->set_bytes_stored(stored->bytes_stored);
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::CommitContents(
    grpc::ServerContext* context, grpc::ServerReader<v1::CommitContentsRequest>* reader,
    v1::CommitContentsResponse* response) {
  return HandleClientStream<v1::CommitContentsRequest>(
      context, edge_, MethodName<v1::ContentService>("CommitContents"), reader,
      [&](const core::Caller& caller, v1::CommitContentsRequest& message) -> absl::Status {
    std::unique_ptr<core::ContentCommit> commit = content_.BeginCommit(caller);
    std::vector<core::ManifestPart> parts;
    bool have = true;  // the first message, read by the edge
    while (have || reader->Read(&message)) {
      have = false;
      parts.clear();
      for (v1::ContentManifestPart& p : *message.mutable_parts()) {
        core::ManifestPart& part = parts.emplace_back();
        part.content_id = std::move(*p.mutable_content_id());
        part.size = p.size();
        part.chunk_hashes.assign(std::make_move_iterator(p.mutable_chunk_hashes()->begin()),
                                 std::make_move_iterator(p.mutable_chunk_hashes()->end()));
        part.more = p.more();
      }
      RETURN_IF_ERROR(commit->Add(parts));
      message.Clear();
    }
    if (context->IsCancelled()) return absl::CancelledError("commit cancelled");
    ASSIGN_OR_RETURN(std::vector<std::string> ids, commit->Finish());
    RETURN_IF_ERROR(content_.AuditCommit(caller, ids.size()));
    for (std::string& id : ids) response->add_content_ids(std::move(id));
    return absl::OkStatus();
  });
}

grpc::Status ContentServiceImpl::GetManifests(grpc::ServerContext* context,
                                              const v1::GetManifestsRequest* request,
                                              grpc::ServerWriter<v1::GetManifestsResponse>* writer) {
  return HandleRpc(context, edge_, MethodName<v1::ContentService>("GetManifests"), *request, [&](const core::Caller& caller) {
    std::vector<std::string> ids(request->content_ids().begin(), request->content_ids().end());
    v1::GetManifestsResponse response;
    return content_.GetManifests(caller, ids, [&](core::ManifestPiece& piece) -> absl::Status {
      response.Clear();
      response.set_content_id(piece.content_id);
      response.set_size(piece.size);
      response.set_chunked(piece.chunked);
      response.set_more(piece.more);
      for (auto& [hash, length] : piece.chunks) {
        v1::ChunkRef* ref = response.add_chunks();
        ref->set_hash(std::move(hash));
        ref->set_length(length);
      }
      if (!writer->Write(response)) return absl::CancelledError("client went away");
      return absl::OkStatus();
    });
  });
}

grpc::Status ContentServiceImpl::ReadChunks(grpc::ServerContext* context,
                                            const v1::ReadChunksRequest* request,
                                            grpc::ServerWriter<v1::ReadChunksResponse>* writer) {
  return HandleRpc(context, edge_, MethodName<v1::ContentService>("ReadChunks"), *request, [&](const core::Caller& caller) -> absl::Status {
    std::vector<std::string> hashes(request->chunk_hashes().begin(),
                                    request->chunk_hashes().end());
    // Whole chunks per message, about kMaxPieceBytes together (one chunk may overshoot).
    v1::ReadChunksResponse response;
    size_t bytes = 0;
    RETURN_IF_ERROR(content_.ReadChunks(
        caller, hashes, [&](const std::string& hash, std::string& data) -> absl::Status {
          if (bytes > 0 && bytes + data.size() > core::kMaxPieceBytes) {
            if (!writer->Write(response)) return absl::CancelledError("client went away");
            response.Clear();
            bytes = 0;
          }
          v1::ChunkData* c = response.add_chunks();
          c->set_hash(hash);
          bytes += data.size();
          c->set_data(std::move(data));
          return absl::OkStatus();
        }));
    if (response.chunks_size() > 0 && !writer->Write(response)) {
      return absl::CancelledError("client went away");
    }
    return absl::OkStatus();
  });
}

}  // namespace mlvc::server::rpc
