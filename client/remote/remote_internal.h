// Internals of Remote shared by its implementation files (remote.cc and one file per
// service group): the channel, the stubs, the token-carrying contexts and the mapping of gRPC
// statuses to absl ones. Only client/remote includes it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "client/remote/remote.h"
#include "common/hash/sha256.h"
#include "common/version/version.h"
#include "mlvc/v1/admin.grpc.pb.h"
#include "mlvc/v1/content.grpc.pb.h"
#include "mlvc/v1/history.grpc.pb.h"
#include "mlvc/v1/lock.grpc.pb.h"
#include "mlvc/v1/record.grpc.pb.h"
#include "mlvc/v1/release.grpc.pb.h"
#include "mlvc/v1/repository.grpc.pb.h"

namespace mlvc::client::remote {

namespace pb = ::mlvc::v1;

inline constexpr int kMaxMessageBytes = 16 << 20;

// The server's status as an absl::Status; UNAVAILABLE and DEADLINE_EXCEEDED name the server,
// and UNAVAILABLE says why when the TLS handshake failed (DescribeConnectFailure).
absl::Status FromGrpc(const grpc::Status& status, const std::string& server);

// Conversions shared with the service-group files (defined in remote.cc).
ChangesetInfo ChangesetFromPb(const pb::Changeset& changeset);
ChangeAction ChangeActionFromPb(pb::ChangeAction action);
void SubmitRequestToPb(const SubmitRequest& request, pb::SubmitRequest* out);

struct Remote::Impl {
  std::string server;
  std::string token;
  Options options;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::RepositoryService::Stub> repos;
  std::unique_ptr<pb::ContentService::Stub> content;
  std::unique_ptr<pb::HistoryService::Stub> history;
  std::unique_ptr<pb::LockService::Stub> locks;
  std::unique_ptr<pb::RecordService::Stub> record;  // record_remote.cc
  std::unique_ptr<pb::ReleaseService::Stub> releases;  // release_remote.cc
  std::unique_ptr<pb::AdminService::Stub> admin;  // admin_remote.cc
  // Chunk transfer counters (chunk_transfer.cc), updated by concurrent streams.
  std::atomic<uint64_t> chunk_bytes_sent{0};
  std::atomic<uint64_t> chunks_sent{0};
  std::atomic<uint64_t> chunk_bytes_received{0};
  std::atomic<uint64_t> chunks_received{0};

  // A context with the token, the client's protocol (the server refuses one it does not
  // speak, in a sentence) and, when `deadline_seconds` > 0, a deadline.
  std::unique_ptr<grpc::ClientContext> Context(int deadline_seconds) const {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->AddMetadata(kProtocolMetadataKey, std::to_string(kProtocolVersion));
    if (deadline_seconds > 0) {
      context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(deadline_seconds));
    }
    return context;
  }
  std::unique_ptr<grpc::ClientContext> Unary() const {
    return Context(options.unary_deadline_seconds);
  }
  absl::Status Convert(const grpc::Status& status) const { return FromGrpc(status, server); }

  // Reads a download stream into `sink`, verifying size and hash. `sink` returns false to stop
  // (its own error is then in *sink_error).
  template <typename Sink>
  absl::Status ReadContent(const std::string& repository, const std::string& content_id,
                           Sink&& sink) {
    auto context = Context(0);
    pb::DownloadRequest request;
    request.set_repository(repository);
    request.set_content_id(content_id);
    std::unique_ptr<grpc::ClientReader<pb::DownloadResponse>> reader =
        content->Download(context.get(), request);
    pb::DownloadResponse response;
    common::Sha256 hash;
    uint64_t received = 0;
    uint64_t total = 0;
    bool first = true;
    absl::Status sink_status;
    while (reader->Read(&response)) {
      if (first) {
        total = response.total_size();
        first = false;
      }
      hash.Update(response.data());
      received += response.data().size();
      sink_status = sink(response.data(), total);
      if (!sink_status.ok()) {
        context->TryCancel();
        break;
      }
    }
    grpc::Status finish = reader->Finish();
    if (!sink_status.ok()) return sink_status;
    absl::Status finish_status = Convert(finish);
    if (!finish_status.ok()) return finish_status;
    std::string got = hash.FinishHex();
    if (got != content_id || received != total) {
      return absl::DataLossError("downloaded content " + content_id + " does not match (got " +
                                 std::to_string(received) + " bytes hashing to " + got + ")");
    }
    return absl::OkStatus();
  }
};


}  // namespace mlvc::client::remote
