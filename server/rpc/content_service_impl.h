// mlvc.v1.ContentService on server/core's ContentService: streamed, verified uploads and
// downloads in pieces of at most 1 MiB, and the chunked transfer (FindMissingChunks,
// UploadChunks, CommitContents, GetManifests, ReadChunks): messages in, core calls, status out.
// Requires: gRPC, server/core. Used by: server.cc.
#pragma once

#include "mlvc/v1/content.grpc.pb.h"
#include "server/rpc/rpc_helper.h"
#include "server/core/content_service.h"

namespace mlvc::server::rpc {

class ContentServiceImpl final : public v1::ContentService::Service {
 public:
  ContentServiceImpl(Edge& edge, core::ContentService& content)
      : edge_(edge), content_(content) {}

  grpc::Status FindMissing(grpc::ServerContext* context, const v1::FindMissingRequest* request,
                           v1::FindMissingResponse* response) override;
  grpc::Status Upload(grpc::ServerContext* context, grpc::ServerReader<v1::UploadRequest>* reader,
                      v1::UploadResponse* response) override;
  grpc::Status Download(grpc::ServerContext* context, const v1::DownloadRequest* request,
                        grpc::ServerWriter<v1::DownloadResponse>* writer) override;
  grpc::Status FindMissingChunks(grpc::ServerContext* context,
                                 const v1::FindMissingChunksRequest* request,
                                 v1::FindMissingChunksResponse* response) override;
  grpc::Status UploadChunks(grpc::ServerContext* context,
                            grpc::ServerReader<v1::UploadChunksRequest>* reader,
                            v1::UploadChunksResponse* response) override;
  grpc::Status CommitContents(grpc::ServerContext* context,
                              grpc::ServerReader<v1::CommitContentsRequest>* reader,
                              v1::CommitContentsResponse* response) override;
  grpc::Status GetManifests(grpc::ServerContext* context, const v1::GetManifestsRequest* request,
                            grpc::ServerWriter<v1::GetManifestsResponse>* writer) override;
  grpc::Status ReadChunks(grpc::ServerContext* context, const v1::ReadChunksRequest* request,
                          grpc::ServerWriter<v1::ReadChunksResponse>* writer) override;

 private:
  Edge& edge_;
  core::ContentService& content_;
};

}  // namespace mlvc::server::rpc
