// Limits on what one caller may ask of one replica: a request rate per token (a token
// bucket) and a number of concurrent uploads per user. Both are per replica, in memory:
// behind a balancer of N replicas a token may reach N times the rate, which is what bounds
// each replica's own load. A refusal is RESOURCE_EXHAUSTED carrying how long to wait
// (RetryAfter), which the gRPC edge sends as the standard retry pushback so that clients
// retry by themselves.
// Requires: abseil. Used by: server/rpc (every call), tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace mlvc::server::core {

struct LimitOptions {
  // Sustained requests per second per token, and how many may come at once beyond it.
  // 0 turns the rate limit off.
  double requests_per_second = 1000;
  double burst = 2000;
  // Upload streams one user may have open at once on this replica. 0 turns it off.
  int uploads_per_user = 16;
};

// How long a RESOURCE_EXHAUSTED refusal asks to wait, if it says.
std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status);

// A per-token token bucket. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(const LimitOptions& options) : options_(options) {}

  // Takes one request of `token_id` at `now`: OK, or RESOURCE_EXHAUSTED "too many requests
  // ..., retry in N ms" with RetryAfter set.
  absl::Status Admit(int64_t token_id, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at;
  };
  // Buckets idle long enough to be full again are dropped, so memory follows active tokens.
  void Sweep(Clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LimitOptions options_;
  absl::Mutex mu_;
  std::map<int64_t, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  Clock::time_point last_sweep_ ABSL_GUARDED_BY(mu_);
};

// Counts each user's open upload streams. Thread-safe.
class UploadSlots {
 public:
  explicit UploadSlots(const LimitOptions& options) : limit_(options.uploads_per_user) {}

  // An open upload; destroying it frees the slot.
  class Slot {
   public:
    Slot() = default;
    Slot(UploadSlots* owner, int64_t user_id) : owner_(owner), user_id_(user_id) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), user_id_(other.user_id_) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    UploadSlots* owner_ = nullptr;
    int64_t user_id_ = 0;
  };

  // A slot for `user_id`, or RESOURCE_EXHAUSTED "N uploads of yours are in progress ..."
  // with RetryAfter set.
  absl::StatusOr<Slot> Acquire(int64_t user_id);
  // Uploads open now (for tests and metrics).
  int InUse(int64_t user_id);

 private:
  void Release(int64_t user_id);

  const int limit_;
  absl::Mutex mu_;
  std::map<int64_t, int> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mlvc::server::core
