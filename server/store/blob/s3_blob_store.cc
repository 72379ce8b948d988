#include "server/store/blob/s3_blob_store.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <future>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/hash/sha256.h"
#include "common/status/status_macros.h"
#include "server/store/blob/s3_http.h"
#include "server/store/blob/sigv4.h"

namespace mlvc::server::store {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// abseil's string_view is not std::string_view on this platform.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr int kMaxParts = 10000;  // S3's limit per multipart upload

absl::Status CheckKey(const std::string& key) {
  if (!common::IsContentId(key)) {
    return absl::InvalidArgumentError("blob key is not a content id: '" + key + "'");
  }
  return absl::OkStatus();
}

// The text of the first <tag>...</tag> in an S3 XML document ("" when absent). S3's answers
// are small and flat; a full XML parser would buy nothing here.
std::string XmlText(std::string_view xml, std::string_view tag) {
  const std::string open = absl::StrCat("<", A(tag), ">");
  const std::string close = absl::StrCat("</", A(tag), ">");
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return "";
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return "";
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

// "bytes 0-9/443" -> 443; -1 when unparseable.
int64_t TotalFromContentRange(std::string_view value) {
  const size_t slash = value.rfind('/');
  int64_t total = -1;
  if (slash == std::string_view::npos || !absl::SimpleAtoi(A(value.substr(slash + 1)), &total)) {
    return -1;
  }
  return total;
}

}  // namespace

// Signing, retries and error mapping over the HTTP client; shared by the store, its writers
// and its readers (which the store outlives).
class S3BlobStore::Client {
 public:
  Client(S3Config config, s3::Endpoint endpoint)
      : config_(std::move(config)),
        http_(std::move(endpoint),
              s3::HttpOptions{.timeout = config_.timeout,
                              .max_idle_connections = 8,
                              .body_limit = config_.read_piece + (1u << 20),
                              .ca_file = config_.ca_file}) {}

  const S3Config& config() const { return config_; }

  std::string BucketPath() const { return "/" + config_.bucket; }

  std::string ObjectPath(const std::string& key) const {
    return absl::StrCat("/", config_.bucket, "/", config_.prefix,
                        config_.prefix.empty() ? "" : "/", "objects/", key.substr(0, 2), "/",
                        key.substr(2, 2), "/", key);
  }

  // Sends one signed request, retrying on connection errors, timeouts and 5xx answers.
  // Returns the final response (any status; a 5xx only once the attempts are spent, so the
  // caller maps it with Error()), or the transport error of the last attempt.
  absl::StatusOr<s3::HttpResponse> Call(const std::string& method, const std::string& path,
                                        const Params& query, std::string_view body,
                                        const Params& extra_headers = {}) {
    const std::string payload_hash =
        body.empty() ? std::string(sigv4::kEmptyPayloadHash) : common::Sha256Hex(body);
    absl::Status last_error;
    for (int attempt = 1;; ++attempt) {
      sigv4::Request req{.method = method, .path = path, .query = query, .headers = {},
                         .payload_hash = payload_hash};
      const std::string amz_date = sigv4::AmzDate(absl::Now());
      req.headers = {{"host", http_.endpoint().host_header},
                     {"x-amz-date", amz_date},
                     {"x-amz-content-sha256", payload_hash}};
      if (!config_.session_token.empty()) {
        req.headers.emplace_back("x-amz-security-token", config_.session_token);
      }
      for (const auto& h : extra_headers) req.headers.push_back(h);
      const sigv4::Signature sig = sigv4::Sign(
          req, {config_.access_key, config_.secret_key, config_.session_token}, config_.region,
          "s3", amz_date);

      s3::HttpRequest http_req{.method = method, .target = sigv4::RequestTarget(req),
                               .headers = req.headers, .body = body};
      http_req.headers.emplace_back("authorization", sig.authorization);
      absl::StatusOr<s3::HttpResponse> response = http_.RoundTrip(http_req);
      bool retry = false;
      if (!response.ok()) {
        last_error = response.status();
        retry = !absl::IsResourceExhausted(last_error) &&
                !absl::IsFailedPrecondition(last_error);
      } else if (response->status >= 500 ||
                 // CompleteMultipartUpload can fail after its 200 header was sent: the error
                 // is then in the body.
                 (method == "POST" && response->status == 200 &&
                  absl::StrContains(response->body, "<Error>"))) {
        retry = true;
        if (response->status < 500) response->status = 500;
      }
      if (!retry || attempt >= config_.max_attempts) {
        if (!response.ok()) {
          return absl::Status(
              last_error.code(),
              absl::StrCat(last_error.message(), " (after ", attempt, " attempts)"));
        }
        return response;
      }
      absl::SleepFor(Backoff(attempt));
    }
  }

  // The status for an unexpected answer `r` to the request described by `what`.
  absl::Status Error(const s3::HttpResponse& r, std::string_view what) const {
    const std::string code = XmlText(r.body, "Code");
    const std::string message = XmlText(r.body, "Message");
    std::string detail = absl::StrCat("HTTP ", r.status);
    if (!code.empty()) absl::StrAppend(&detail, " ", code);
    if (!message.empty()) absl::StrAppend(&detail, ": ", message);
    if (r.status == 403) {
      return absl::PermissionDeniedError(absl::StrCat("S3 denied access to bucket ",
                                                      config_.bucket,
                                                      " (check the credentials / clock): ",
                                                      detail));
    }
    if (r.status == 404 && code == "NoSuchBucket") {
      return absl::FailedPreconditionError(
          absl::StrCat("bucket ", config_.bucket, " does not exist"));
    }
    if (r.status == 301 && !r.Header("x-amz-bucket-region").empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "bucket ", config_.bucket, " is in region ", r.Header("x-amz-bucket-region"),
          ", not ", config_.region));
    }
    if (r.status >= 500) {
      return absl::UnavailableError(absl::StrCat("S3 ", A(what), " failed: ", detail, " (after ",
                                                 config_.max_attempts, " attempts)"));
    }
    return absl::InternalError(absl::StrCat("S3 ", A(what), " failed: ", detail));
  }

 private:
  absl::Duration Backoff(int attempt) const {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    absl::Duration d = config_.first_backoff * std::pow(2.0, attempt - 1);
    d = std::min(d, config_.max_backoff);
    return d * jitter(rng);
  }

  const S3Config config_;
  s3::HttpClient http_;
};

namespace {

bool Ok(const s3::HttpResponse& r) { return r.status >= 200 && r.status < 300; }

// Parts a writer sends at once. S3 (and s3rver, a single-threaded server) answer a part
// in about the time it takes to send it, so one part at a time left mlvcd's writer idle for
// each round trip; aws s3 cp sends 10 at once. Memory: this many parts plus the one being
// filled (4 x 8 MiB by default).
constexpr size_t kPartsInFlight = 3;

class S3BlobWriter : public BlobWriter {
 public:
  S3BlobWriter(S3BlobStore::Client& client, std::string key, std::string path)
      : client_(client), key_(std::move(key)), path_(std::move(path)) {}

  ~S3BlobWriter() override {
    for (auto& part : in_flight_) part.wait();
    if (!upload_id_.empty() && !committed_) Abort();
  }

  absl::Status Append(std::string_view bytes) override {
    if (committed_ || !failure_.ok()) {
      return absl::FailedPreconditionError("blob writer is closed");
    }
    const size_t part_size = client_.config().part_size;
    while (!bytes.empty()) {
      // One allocation of a whole part once the object outgrows small, instead of the
      // doublings that would briefly hold two copies.
      if (buffer_.size() + bytes.size() > (1u << 20) && buffer_.capacity() < part_size) {
        buffer_.reserve(part_size);
      }
      const size_t take = std::min(part_size - buffer_.size(), bytes.size());
      buffer_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      if (buffer_.size() == part_size) {
        if (auto s = StartPart(); !s.ok()) return Fail(s);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (committed_ || !failure_.ok()) {
      return absl::FailedPreconditionError("blob writer is closed");
    }
    if (upload_id_.empty()) {
      // Small object: one PUT. PUT is atomic in S3, and a second PUT of the same key writes
      // the same bytes, so an existing object is kept as it was.
      auto r = client_.Call("PUT", path_, {}, buffer_);
      if (!r.ok()) return Fail(r.status());
      if (!Ok(*r)) return Fail(client_.Error(*r, "PUT " + key_));
    } else {
      if (!buffer_.empty()) {
        if (auto s = StartPart(); !s.ok()) return Fail(s);
      }
      while (!in_flight_.empty()) {
        if (auto s = FinishOldestPart(); !s.ok()) return Fail(s);
      }
      std::string xml = "<CompleteMultipartUpload>";
      for (size_t i = 0; i < etags_.size(); ++i) {
        absl::StrAppend(&xml, "<Part><PartNumber>", i + 1, "</PartNumber><ETag>", etags_[i],
                        "</ETag></Part>");
      }
      xml += "</CompleteMultipartUpload>";
      auto r = client_.Call("POST", path_, {{"uploadId", upload_id_}}, xml);
      if (!r.ok()) return Fail(r.status());
      if (!Ok(*r)) return Fail(client_.Error(*r, "CompleteMultipartUpload " + key_));
    }
    committed_ = true;
    std::string().swap(buffer_);
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(absl::Status s) {
    failure_ = s;
    std::string().swap(buffer_);
    return s;
  }

  // Sends the buffer as the next part on another thread, after waiting for the oldest part
  // when kPartsInFlight are out already.
  absl::Status StartPart() {
    if (upload_id_.empty()) {
      auto r = client_.Call("POST", path_, {{"uploads", ""}}, "");
      if (!r.ok()) return r.status();
      if (!Ok(*r)) return client_.Error(*r, "CreateMultipartUpload " + key_);
      upload_id_ = XmlText(r->body, "UploadId");
      if (upload_id_.empty()) {
        return absl::InternalError("S3 CreateMultipartUpload " + key_ + " returned no UploadId");
      }
    }
    if (parts_started_ >= static_cast<size_t>(kMaxParts)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "blob ", key_, " is too large for S3: over ", kMaxParts, " parts of ",
          client_.config().part_size, " bytes"));
    }
    while (in_flight_.size() >= kPartsInFlight) RETURN_IF_ERROR(FinishOldestPart());
    const std::string part_number = std::to_string(++parts_started_);
    in_flight_.push_back(std::async(
        std::launch::async,
        [this, part_number, data = std::move(buffer_)]() -> absl::StatusOr<std::string> {
          auto r = client_.Call("PUT", path_,
                                {{"partNumber", part_number}, {"uploadId", upload_id_}}, data);
          if (!r.ok()) return r.status();
          if (!Ok(*r)) {
            return client_.Error(*r, absl::StrCat("UploadPart ", part_number, " of ", key_));
          }
          std::string etag = r->Header("etag");
          if (etag.empty()) {
            return absl::InternalError(absl::StrCat("S3 UploadPart ", part_number, " of ", key_,
                                                    " returned no ETag"));
          }
          return etag;
        }));
    buffer_ = std::string();
    return absl::OkStatus();
  }

  absl::Status FinishOldestPart() {
    absl::StatusOr<std::string> etag = in_flight_.front().get();
    in_flight_.pop_front();
    if (!etag.ok()) return etag.status();
    etags_.push_back(*std::move(etag));
    return absl::OkStatus();
  }

  // Best effort: the parts would otherwise be kept (and billed) until a bucket lifecycle
  // rule removes incomplete uploads.
  void Abort() {
    auto r = client_.Call("DELETE", path_, {{"uploadId", upload_id_}}, "");
    if (!r.ok() || !Ok(*r)) {
      const absl::Status s = r.ok() ? client_.Error(*r, "AbortMultipartUpload " + key_)
                                    : r.status();
      std::cerr << "mlvcd: warning: could not abort the S3 multipart upload " << upload_id_
                << " of " << key_ << ": " << s.message() << std::endl;
    }
  }

  S3BlobStore::Client& client_;
  const std::string key_;
  const std::string path_;
  std::string buffer_;
  std::string upload_id_;
  size_t parts_started_ = 0;
  std::deque<std::future<absl::StatusOr<std::string>>> in_flight_;  // oldest first
  std::vector<std::string> etags_;  // of parts 1..n, as they finished in order
  bool committed_ = false;
  absl::Status failure_;
};

class S3BlobReader : public BlobReader {
 public:
  S3BlobReader(S3BlobStore::Client& client, std::string key, std::string path, uint64_t size,
               uint64_t offset, std::string first_piece)
      : client_(client),
        key_(std::move(key)),
        path_(std::move(path)),
        size_(size),
        pos_(offset),
        piece_(std::move(first_piece)) {}

  absl::Status Read(size_t max_bytes, std::string* out) override {
    out->clear();
    if (piece_used_ == piece_.size()) {
      if (pos_ >= size_ || max_bytes == 0) return absl::OkStatus();
      if (auto s = Fetch(); !s.ok()) return s;
    }
    const size_t n = std::min(max_bytes, piece_.size() - piece_used_);
    out->assign(piece_, piece_used_, n);
    piece_used_ += n;
    pos_ += n;
    return absl::OkStatus();
  }

  uint64_t size() const override { return size_; }

 private:
  absl::Status Fetch() {
    const uint64_t last = std::min<uint64_t>(pos_ + client_.config().read_piece, size_) - 1;
    auto r = client_.Call("GET", path_, {}, "",
                          {{"range", absl::StrCat("bytes=", pos_, "-", last)}});
    if (!r.ok()) return r.status();
    if (r->status == 404 && XmlText(r->body, "Code") != "NoSuchBucket") {
      return absl::NotFoundError("blob " + key_ + " was deleted while being read");
    }
    if (r->status != 206 && !(r->status == 200 && pos_ == 0)) {
      return client_.Error(*r, "GET " + key_);
    }
    if (r->body.size() != last - pos_ + 1) {
      return absl::InternalError(absl::StrCat("S3 GET ", key_, " returned ", r->body.size(),
                                              " bytes for a range of ", last - pos_ + 1));
    }
    piece_ = std::move(r->body);
    piece_used_ = 0;
    return absl::OkStatus();
  }

  S3BlobStore::Client& client_;
  const std::string key_;
  const std::string path_;
  const uint64_t size_;
  uint64_t pos_;       // offset in the object of the next byte Read returns
  std::string piece_;  // bytes from pos_ - piece_used_ on
  size_t piece_used_ = 0;
};

}  // namespace

S3BlobStore::S3BlobStore(std::unique_ptr<Client> client) : client_(std::move(client)) {}
S3BlobStore::~S3BlobStore() = default;

absl::StatusOr<std::unique_ptr<S3BlobStore>> S3BlobStore::Open(const S3Config& config) {
  absl::StatusOr<s3::Endpoint> endpoint = s3::ParseEndpoint(config.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  if (config.bucket.empty() || config.bucket.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("bad S3 bucket name '" + config.bucket + "'");
  }
  if (config.access_key.empty() || config.secret_key.empty()) {
    return absl::InvalidArgumentError("S3 credentials are missing (access key and secret key)");
  }
  if (config.region.empty()) return absl::InvalidArgumentError("S3 region is missing");
  if (config.part_size < 1 || config.read_piece < 1 || config.max_attempts < 1) {
    return absl::InvalidArgumentError("S3 part size, read piece and attempts must be positive");
  }
  S3Config c = config;
  while (!c.prefix.empty() && c.prefix.front() == '/') c.prefix.erase(0, 1);
  while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();

  auto client = std::make_unique<Client>(std::move(c), *std::move(endpoint));
  // Fail at startup, with a clear reason, rather than on the first upload.
  auto r = client->Call("HEAD", client->BucketPath(), {}, "");
  if (!r.ok()) return r.status();
  if (r->status == 404) {
    return absl::FailedPreconditionError(
        absl::StrCat("bucket ", client->config().bucket, " does not exist"));
  }
  if (!Ok(*r)) return client->Error(*r, "HEAD bucket " + client->config().bucket);
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(client)));
}

std::string S3BlobStore::ObjectPath(const std::string& key) const {
  return client_->ObjectPath(key);
}

absl::StatusOr<std::unique_ptr<BlobWriter>> S3BlobStore::NewWriter(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  return std::unique_ptr<BlobWriter>(new S3BlobWriter(*client_, key, client_->ObjectPath(key)));
}

absl::StatusOr<std::unique_ptr<BlobReader>> S3BlobStore::Open(const std::string& key,
                                                               uint64_t offset) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  const std::string path = client_->ObjectPath(key);
  // The first piece comes with the answer that tells the size: one round trip, not two.
  const uint64_t last = offset + client_->config().read_piece - 1;
  auto r = client_->Call("GET", path, {}, "",
                         {{"range", absl::StrCat("bytes=", offset, "-", last)}});
  if (!r.ok()) return r.status();
  if (r->status == 206) {
    const int64_t total = TotalFromContentRange(r->Header("content-range"));
    if (total < 0 || static_cast<uint64_t>(total) < offset + r->body.size()) {
      return absl::InternalError(absl::StrCat("S3 GET ", key, ": bad Content-Range '",
                                              r->Header("content-range"), "'"));
    }
    return std::unique_ptr<BlobReader>(new S3BlobReader(
        *client_, key, path, static_cast<uint64_t>(total), offset, std::move(r->body)));
  }
  if (r->status == 200) {  // the whole object: the server ignored the range
    const uint64_t size = r->body.size();
    if (offset > size) {
      return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of blob ",
                                                key, " (", size, " bytes)"));
    }
    r->body.erase(0, offset);
    return std::unique_ptr<BlobReader>(
        new S3BlobReader(*client_, key, path, size, offset, std::move(r->body)));
  }
  if (r->status == 404) {
    if (XmlText(r->body, "Code") == "NoSuchBucket") return client_->Error(*r, "GET " + key);
    return absl::NotFoundError("no blob " + key);
  }
  if (r->status != 416) return client_->Error(*r, "GET " + key);

  // The range starts at or past the end (or the object is empty): the size decides.
  auto head = client_->Call("HEAD", path, {}, "");
  if (!head.ok()) return head.status();
  if (head->status == 404) return absl::NotFoundError("no blob " + key);
  if (!Ok(*head)) return client_->Error(*head, "HEAD " + key);
  uint64_t size = 0;
  if (!absl::SimpleAtoi(head->Header("content-length"), &size)) {
    return absl::InternalError("S3 HEAD " + key + " returned no Content-Length");
  }
  if (offset > size) {
    return absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the end of blob ",
                                              key, " (", size, " bytes)"));
  }
  return std::unique_ptr<BlobReader>(new S3BlobReader(*client_, key, path, size, offset, ""));
}

absl::StatusOr<bool> S3BlobStore::Exists(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  auto r = client_->Call("HEAD", client_->ObjectPath(key), {}, "");
  if (!r.ok()) return r.status();
  if (Ok(*r)) return true;
  if (r->status == 404) return false;
  return client_->Error(*r, "HEAD " + key);
}

absl::Status S3BlobStore::Delete(const std::string& key) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  auto r = client_->Call("DELETE", client_->ObjectPath(key), {}, "");
  if (!r.ok()) return r.status();
  if (Ok(*r)) return absl::OkStatus();
  if (r->status == 404 && XmlText(r->body, "Code") == "NoSuchKey") return absl::OkStatus();
  return client_->Error(*r, "DELETE " + key);
}

}  // namespace mlvc::server::store
