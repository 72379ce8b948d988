// Remote's chunked-transfer calls (ContentService: FindMissingChunks, UploadChunks,
// CommitContents, GetManifests, ReadChunks). Batches every request for the server's limits
// and counts the chunk bytes that cross the wire. Unlike the rest of Remote these calls keep
// no per-call state in the instance, so several may run at once (parallel streams).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/remote/remote.h"
#include "client/remote/remote_internal.h"
#include "common/hash/sha256.h"

namespace mlvc::client::remote {
namespace {

class GrpcChunkUploadStream : public ChunkUploadStream {
 public:
  // What the stream needs of Remote's internals (which only Remote's members may name).
  struct Link {
    pb::ContentService::Stub* stub = nullptr;
    std::string server;
    std::atomic<uint64_t>* bytes_sent = nullptr;
    std::atomic<uint64_t>* chunks_sent = nullptr;
  };
  GrpcChunkUploadStream(Link link, std::unique_ptr<grpc::ClientContext> context,
                        const std::string& repository)
      : link_(std::move(link)), context_(std::move(context)) {
    writer_ = link_.stub->UploadChunks(context_.get(), &response_);
    // The first message names the repository and carries no chunk; the server sends its
    // headers once it admitted the upload (the per-user upload limit). Until then nothing
    // is committed, so gRPC's retry policy (remote.cc) may retry a refusal by itself, after
    // the wait the server asked for; waiting here keeps chunk data out of that retry buffer.
    pb::UploadChunksRequest first;
    first.set_repository(repository);
    if (!writer_->Write(first)) {
      broken_ = true;
      return;
    }
    writer_->WaitForInitialMetadata();
  }
  ~GrpcChunkUploadStream() override {
    if (!finished_) {
      context_->TryCancel();
      writer_->Finish().ok();
    }
  }

  absl::Status Write(std::vector<ChunkPayload>& chunks) override {
    pb::UploadChunksRequest message;
    size_t bytes = 0;
    size_t count = 0;
    auto flush = [&]() -> bool {
      if (message.chunks_size() == 0) return true;
      if (!broken_ && writer_->Write(message)) {
        link_.bytes_sent->fetch_add(bytes);
        link_.chunks_sent->fetch_add(count);
      } else {
        broken_ = true;
      }
      message.Clear();
      bytes = 0;
      count = 0;
      return !broken_;
    };
    for (ChunkPayload& chunk : chunks) {
      if (bytes > 0 && bytes + chunk.data.size() > kChunkMessageBytes && !flush()) break;
      pb::ChunkData* data = message.add_chunks();
      data->set_hash(chunk.hash);
      const size_t size = chunk.data.size();
      data->set_data(std::move(chunk.data));
      if (!chunk.starts_content_id.empty()) {
        data->mutable_starts_content()->set_content_id(chunk.starts_content_id);
        data->mutable_starts_content()->set_size(chunk.starts_content_size);
      }
      bytes += size;
      ++count;
    }
    flush();
    if (broken_) return absl::UnavailableError("the chunk upload stream to " + link_.server +
                                               " broke");
    return absl::OkStatus();
  }

  absl::StatusOr<UploadChunksStats> Finish() override {
    if (finished_) return absl::FailedPreconditionError("chunk upload stream already finished");
    finished_ = true;
    if (!broken_) writer_->WritesDone();
    absl::Status status = FromGrpc(writer_->Finish(), link_.server);
    if (!status.ok()) return status;
    UploadChunksStats stats;
    stats.chunks_stored = response_.chunks_stored();
    stats.chunks_skipped = response_.chunks_skipped();
    stats.bytes_stored = response_.bytes_stored();
    return stats;
  }

  void Cancel() override {
    broken_ = true;
    context_->TryCancel();
  }

 private:
  Link link_;
  std::unique_ptr<grpc::ClientContext> context_;
  pb::UploadChunksResponse response_;
  std::unique_ptr<grpc::ClientWriter<pb::UploadChunksRequest>> writer_;
  bool broken_ = false;
  bool finished_ = false;
};

// Streams are unbounded in time (a large transfer takes long); unary chunk calls carry
// thousands of hashes, so they get a generous deadline.
constexpr int kChunkCallDeadlineSeconds = 600;

}  // namespace

absl::StatusOr<std::vector<std::string>> Remote::FindMissingChunks(
    const std::string& repository, const std::vector<std::string>& chunk_hashes) {
  std::vector<std::string> missing;
  for (size_t start = 0; start < chunk_hashes.size(); start += kChunkBatch) {
    const size_t end = std::min(chunk_hashes.size(), start + kChunkBatch);
    pb::FindMissingChunksRequest request;
    request.set_repository(repository);
    for (size_t i = start; i < end; ++i) request.add_chunk_hashes(chunk_hashes[i]);
    pb::FindMissingChunksResponse response;
    auto context = impl_->Context(kChunkCallDeadlineSeconds);
    absl::Status status = impl_->Convert(
        impl_->content->FindMissingChunks(context.get(), request, &response));
    if (!status.ok()) return status;
    for (std::string& hash : *response.mutable_missing()) missing.push_back(std::move(hash));
  }
  return missing;
}

absl::StatusOr<std::unique_ptr<ChunkUploadStream>> Remote::OpenChunkUpload(
    const std::string& repository) {
  GrpcChunkUploadStream::Link link;
  link.stub = impl_->content.get();
  link.server = impl_->server;
  link.bytes_sent = &impl_->chunk_bytes_sent;
  link.chunks_sent = &impl_->chunks_sent;
  return std::unique_ptr<ChunkUploadStream>(
      new GrpcChunkUploadStream(std::move(link), impl_->Context(0), repository));
}

absl::StatusOr<std::vector<std::string>> Remote::CommitContents(
    const std::string& repository, const std::vector<ContentManifest>& manifests) {
  if (manifests.empty()) return std::vector<std::string>{};
  auto context = impl_->Context(0);
  pb::CommitContentsResponse response;
  auto writer = impl_->content->CommitContents(context.get(), &response);
  // Messages of at most kChunkBatch hashes (and as many parts as fit): a few messages for
  // thousands of small files, a content of many chunks split into consecutive parts.
  constexpr size_t kPartsPerMessage = 4000;
  pb::CommitContentsRequest message;
  message.set_repository(repository);  // the first message names it
  size_t hashes_in_message = 0;
  bool stream_ok = true;
  auto flush = [&]() {
    if (message.parts_size() > 0 && stream_ok) stream_ok = writer->Write(message);
    message.Clear();
    hashes_in_message = 0;
  };
  for (const ContentManifest& manifest : manifests) {
    size_t next = 0;
    do {
      if (hashes_in_message >= kChunkBatch ||
          static_cast<size_t>(message.parts_size()) >= kPartsPerMessage) {
        flush();
      }
      if (!stream_ok) break;
      const size_t room = kChunkBatch - hashes_in_message;
      const size_t take = std::min(room, manifest.chunk_hashes.size() - next);
      pb::ContentManifestPart* part = message.add_parts();
      part->set_content_id(manifest.content_id);
      part->set_size(manifest.size);
      for (size_t i = next; i < next + take; ++i) part->add_chunk_hashes(manifest.chunk_hashes[i]);
      next += take;
      hashes_in_message += take;
      part->set_more(next < manifest.chunk_hashes.size());
    } while (next < manifest.chunk_hashes.size());
    if (!stream_ok) break;
  }
  flush();
  if (stream_ok) writer->WritesDone();
  absl::Status status = impl_->Convert(writer->Finish());
  if (!status.ok()) return status;
  return std::vector<std::string>(response.content_ids().begin(), response.content_ids().end());
}

absl::StatusOr<std::vector<RemoteManifest>> Remote::GetManifests(
    const std::string& repository, const std::vector<std::string>& content_ids) {
  std::vector<RemoteManifest> manifests;
  manifests.reserve(content_ids.size());
  for (size_t start = 0; start < content_ids.size(); start += kChunkBatch) {
    const size_t end = std::min(content_ids.size(), start + kChunkBatch);
    pb::GetManifestsRequest request;
    request.set_repository(repository);
    for (size_t i = start; i < end; ++i) request.add_content_ids(content_ids[i]);
    auto context = impl_->Context(0);
    auto reader = impl_->content->GetManifests(context.get(), request);
    pb::GetManifestsResponse response;
    bool continuing = false;  // the last message had `more` set
    absl::Status protocol;
    while (reader->Read(&response)) {
      if (!continuing) {
        RemoteManifest manifest;
        manifest.content_id = response.content_id();
        manifest.size = response.size();
        manifest.chunked = response.chunked();
        manifests.push_back(std::move(manifest));
      } else if (manifests.back().content_id != response.content_id()) {
        protocol = absl::DataLossError("the server interleaved the manifests of " +
                                       manifests.back().content_id + " and " +
                                       response.content_id());
        context->TryCancel();
        break;
      }
      for (pb::ChunkRef& ref : *response.mutable_chunks()) {
        manifests.back().chunks.push_back(ManifestChunk{std::move(*ref.mutable_hash()),
                                                        ref.length()});
      }
      continuing = response.more();
    }
    absl::Status status = impl_->Convert(reader->Finish());
    if (!protocol.ok()) return protocol;
    if (!status.ok()) return status;
    if (manifests.size() != end || continuing) {
      return absl::DataLossError("the server described " +
                                 std::to_string(manifests.size() - start) + " of " +
                                 std::to_string(end - start) + " contents");
    }
    for (size_t i = start; i < end; ++i) {
      if (manifests[i].content_id != content_ids[i]) {
        return absl::DataLossError("the server described " + manifests[i].content_id +
                                   " where " + content_ids[i] + " was asked for");
      }
    }
  }
  return manifests;
}

absl::Status Remote::ReadChunks(const std::string& repository,
                                const std::vector<std::string>& chunk_hashes,
                                const std::function<absl::Status(ChunkPayload&&)>& sink,
                                bool verify_each) {
  for (size_t start = 0; start < chunk_hashes.size(); start += kChunkBatch) {
    const size_t end = std::min(chunk_hashes.size(), start + kChunkBatch);
    pb::ReadChunksRequest request;
    request.set_repository(repository);
    for (size_t i = start; i < end; ++i) request.add_chunk_hashes(chunk_hashes[i]);
    auto context = impl_->Context(0);
    auto reader = impl_->content->ReadChunks(context.get(), request);
    pb::ReadChunksResponse response;
    size_t next = start;
    absl::Status stopped;
    while (stopped.ok() && reader->Read(&response)) {
      for (pb::ChunkData& chunk : *response.mutable_chunks()) {
        if (next >= end || chunk.hash() != chunk_hashes[next]) {
          stopped = absl::DataLossError("the server sent chunk " + chunk.hash() + " where " +
                                        (next < end ? chunk_hashes[next] : "nothing") +
                                        " was expected");
          break;
        }
        impl_->chunk_bytes_received.fetch_add(chunk.data().size());
        impl_->chunks_received.fetch_add(1);
        if (verify_each && common::Sha256Hex(chunk.data()) != chunk.hash()) {
          stopped = absl::DataLossError("chunk " + chunk.hash() +
                                        " from the server does not match its hash");
          break;
        }
        ++next;
        stopped = sink(ChunkPayload{std::move(*chunk.mutable_hash()),
                                    std::move(*chunk.mutable_data())});
        if (!stopped.ok()) break;
      }
      if (!stopped.ok()) context->TryCancel();
    }
    absl::Status status = impl_->Convert(reader->Finish());
    if (!stopped.ok()) return stopped;
    if (!status.ok()) return status;
    if (next != end) {
      return absl::DataLossError("the server sent " + std::to_string(next - start) + " of " +
                                 std::to_string(end - start) + " chunks");
    }
  }
  return absl::OkStatus();
}

TransferCounters Remote::counters() const {
  TransferCounters counters;
  counters.chunk_bytes_sent = impl_->chunk_bytes_sent.load();
  counters.chunks_sent = impl_->chunks_sent.load();
  counters.chunk_bytes_received = impl_->chunk_bytes_received.load();
  counters.chunks_received = impl_->chunks_received.load();
  return counters;
}

}  // namespace mlvc::client::remote
