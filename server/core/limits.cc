#include "server/core/limits.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mlvc::server::core {
namespace {

// The status payload that carries the wait, in milliseconds as decimal text.
constexpr char kRetryAfterUrl[] = "type.mlvc.dev/retry-after-ms";
// How long an upload refused for lack of a slot is asked to wait: uploads last seconds.
constexpr std::chrono::milliseconds kUploadRetry{500};

absl::Status Exhausted(const std::string& message, std::chrono::milliseconds wait) {
  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryAfterUrl, absl::Cord(std::to_string(wait.count())));
  return status;
}

}  // namespace

std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status) {
  if (!absl::IsResourceExhausted(status)) return std::nullopt;
  auto payload = status.GetPayload(kRetryAfterUrl);
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms) || ms < 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

absl::Status RateLimiter::Admit(int64_t token_id, Clock::time_point now) {
  if (options_.requests_per_second <= 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  Sweep(now);
  auto [it, fresh] = buckets_.try_emplace(token_id);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = options_.burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(options_.burst, b.tokens + std::max(0.0, elapsed) *
                                                       options_.requests_per_second);
  }
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::OkStatus();
  }
  const auto wait = std::chrono::milliseconds(static_cast<int64_t>(
      std::ceil((1 - b.tokens) / options_.requests_per_second * 1000)));
  return Exhausted(absl::StrCat("too many requests with this token (limit ",
                                options_.requests_per_second, "/s); retry in ", wait.count(),
                                " ms"),
                   wait);
}

void RateLimiter::Sweep(Clock::time_point now) {
  const auto refill = std::chrono::duration<double>(options_.burst / options_.requests_per_second);
  if (now - last_sweep_ < refill) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.at >= refill) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

UploadSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release(user_id_);
}

absl::StatusOr<UploadSlots::Slot> UploadSlots::Acquire(int64_t user_id) {
  if (limit_ <= 0) return Slot();
  absl::MutexLock lock(&mu_);
  int& open = open_[user_id];
  if (open >= limit_) {
    return Exhausted(absl::StrCat(open, " uploads of yours are in progress on this server (",
                                  "the limit); retry in ", kUploadRetry.count(), " ms"),
                     kUploadRetry);
  }
  ++open;
  return Slot(this, user_id);
}

int UploadSlots::InUse(int64_t user_id) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(user_id);
  return it == open_.end() ? 0 : it->second;
}

void UploadSlots::Release(int64_t user_id) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(user_id);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

}  // namespace mlvc::server::core
