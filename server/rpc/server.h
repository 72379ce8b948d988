// Building and running the mlvcd gRPC server: the mlvc.v1 services, the standard
// grpc.health.v1.Health service (which needs no token), 16 MiB message limits, the
// interceptor that reports unparsable requests as INVALID_ARGUMENT, and TLS when given an
// identity (tls.h).
// Requires: gRPC, server/core, the stores. Used by: the mlvcd main and the rpc tests.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/version/protocol.h"
#include "common/version/version.h"
#include "grpcpp/grpcpp.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/limits.h"
#include "server/core/content_service.h"
#include "server/core/history_service.h"
#include "server/core/merge_service.h"
#include "server/core/lock_service.h"
#include "server/core/record_service.h"
#include "server/core/repository_service.h"
#include "server/core/events.h"
#include "server/core/release_service.h"
#include "server/store/blob_store.h"
#include "server/rpc/rpc_helper.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::rpc {

inline constexpr int kMaxMessageBytes = 16 << 20;

class TlsIdentity;
class AdminServiceImpl;

// How MlvcServer::Start serves, beyond where.
struct ServerOptions {
  // What a server enforces besides the authorization table.
  core::LimitOptions limits;
  // The certificate and key of the port; null serves plaintext. Must outlive the server.
  TlsIdentity* tls = nullptr;
  // The release and the client protocols answered: this build's (tests name others).
  common::ServerProtocols protocols{
      .release = kVersion, .oldest = kOldestClientProtocol, .newest = kProtocolVersion};
};

class RepositoryServiceImpl;
class HistoryServiceImpl;
class ContentServiceImpl;
class LockServiceImpl;
class RecordServiceImpl;
class ReleaseServiceImpl;

// A running server. Thread-safe. Destroying it shuts it down.
class MlvcServer {
 public:
  // Starts serving on `listen_address` ("host:port"; port 0 picks a free one), in TLS when
  // `options.tls` is set. UNAVAILABLE when the address cannot be bound. The stores must
  // outlive the server.
  static absl::StatusOr<std::unique_ptr<MlvcServer>> Start(const std::string& listen_address,
                                                           store::MetadataStore& metadata,
                                                           store::BlobStore& blobs,
                                                           ServerOptions options = {});
  ~MlvcServer();
  MlvcServer(const MlvcServer&) = delete;
  MlvcServer& operator=(const MlvcServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  // Stops accepting calls and waits for running ones (cancelling them after a few seconds).
  void Shutdown();
  // Blocks until Shutdown() has completed.
  void Wait();

  // The event hub behind Watch (for tests: active_watchers()).
  core::EventHub& events() { return events_; }

 private:
  MlvcServer(store::MetadataStore& metadata, store::BlobStore& blobs,
             const ServerOptions& options);

  core::AccessControl access_;
  core::RateLimiter rate_;
  core::UploadSlots uploads_;
  Edge edge_;
  core::AdminService admin_;
  std::unique_ptr<AdminServiceImpl> admin_impl_;
  core::RepositoryService repos_;
  core::HistoryService history_;
  core::ContentService content_;
  core::MergeService merge_;
  std::unique_ptr<RepositoryServiceImpl> repository_impl_;
  std::unique_ptr<HistoryServiceImpl> history_impl_;
  std::unique_ptr<ContentServiceImpl> content_impl_;
  core::LockService locks_;
  std::unique_ptr<LockServiceImpl> lock_impl_;
  core::RecordService record_;  // the ML record (record_service_impl.h)
  std::unique_ptr<RecordServiceImpl> record_impl_;
  core::ReleaseService releases_;
  core::EventHub events_;
  std::unique_ptr<ReleaseServiceImpl> release_impl_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace mlvc::server::rpc
