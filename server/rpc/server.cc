#include "server/rpc/server.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "server/rpc/admin_service_impl.h"
#include "server/rpc/content_service_impl.h"
#include "server/rpc/history_service_impl.h"
#include "server/rpc/lock_service_impl.h"
#include "server/rpc/parse_error_interceptor.h"
#include "server/rpc/record_service_impl.h"
#include "server/rpc/repository_service_impl.h"
#include "server/rpc/release_service_impl.h"
#include "server/rpc/tls.h"

namespace mlvc::server::rpc {

MlvcServer::MlvcServer(store::MetadataStore& metadata, store::BlobStore& blobs,
                       const ServerOptions& options)
    : access_(metadata),
      rate_(options.limits),
      uploads_(options.limits),
      edge_{access_, rate_, uploads_, metadata, options.protocols},
      admin_(metadata),
      admin_impl_(std::make_unique<AdminServiceImpl>(edge_, admin_)),
      repos_(metadata),
      history_(metadata),
      content_(metadata, blobs),
      merge_(metadata, blobs),
      repository_impl_(std::make_unique<RepositoryServiceImpl>(edge_, repos_)),
      history_impl_(std::make_unique<HistoryServiceImpl>(edge_, history_)),
      content_impl_(std::make_unique<ContentServiceImpl>(edge_, content_)),
      locks_(metadata),
      lock_impl_(std::make_unique<LockServiceImpl>(edge_, locks_)),
      record_(metadata, blobs, history_),
      record_impl_(std::make_unique<RecordServiceImpl>(edge_, record_)),
      releases_(metadata),
      events_(metadata),
      release_impl_(std::make_unique<ReleaseServiceImpl>(edge_, releases_, events_)) {
  history_.SetBlobStore(&blobs);  // Diff with_text reads contents; Submit merges texts
  history_impl_->SetMergeService(&merge_);
}

MlvcServer::~MlvcServer() {
  Shutdown();
  Wait();
}

absl::StatusOr<std::unique_ptr<MlvcServer>> MlvcServer::Start(const std::string& listen_address,
                                                              store::MetadataStore& metadata,
                                                              store::BlobStore& blobs,
                                                              ServerOptions options) {
  std::unique_ptr<MlvcServer> server(new MlvcServer(metadata, blobs, options));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen_address,
                           options.tls != nullptr ? options.tls->ServerCredentials()
                                                  : grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(server->admin_impl_.get());
  builder.RegisterService(server->repository_impl_.get());
  builder.RegisterService(server->history_impl_.get());
  builder.RegisterService(server->content_impl_.get());
  builder.RegisterService(server->lock_impl_.get());
  builder.RegisterService(server->record_impl_.get());
  builder.RegisterService(server->release_impl_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ParseErrorInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen_address));
  }
  return server;
}

void MlvcServer::Shutdown() {
  // Watch streams never end on their own: end them first, so gRPC's shutdown below does not
  // wait out its deadline for them.
  events_.Shutdown();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
}

void MlvcServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace mlvc::server::rpc
