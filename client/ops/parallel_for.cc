#include "client/ops/parallel_for.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace mlvc::client::ops {

absl::Status ParallelFor(size_t n, int workers, const std::function<absl::Status(size_t)>& fn) {
  const size_t threads = std::min(n, static_cast<size_t>(std::max(workers, 1)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) {
      absl::Status status = fn(i);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  // A shared cursor is the whole work queue: each worker takes the next index until the
  // items run out or some item failed.
  std::mutex mu;
  size_t next = 0;
  absl::Status first_error;
  auto work = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= n || !first_error.ok()) return;
        i = next++;
      }
      absl::Status status = fn(i);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = std::move(status);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& thread : pool) thread.join();
  return first_error;
}

}  // namespace mlvc::client::ops
