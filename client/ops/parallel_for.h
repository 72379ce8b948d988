// Bounded concurrency for the client's transfers: runs independent pieces of work (one
// upload, one download) on a few threads so that many small files do not each wait for a
// round trip plus the server's durable write one after another.
#pragma once

#include <cstddef>
#include <functional>

#include "absl/status/status.h"

namespace mlvc::client::ops {

// How many transfers run at once. A handful hides the per-file latency (round trip + the
// server's fsync) without flooding the server or the disk; more gives little on one channel.
inline constexpr int kTransferConcurrency = 4;

// Calls fn(0) ... fn(n - 1), each exactly once unless an error stops the run, on at most
// `workers` threads at a time (`workers` < 1 counts as 1; with one worker or one item
// everything runs on the calling thread). The first error stops launching new items; items
// already running finish, then that error is returned. Items may run in any order and
// concurrently: `fn` must only touch state that is safe to share (e.g. write its own slot of
// a results vector), never the working copy.
absl::Status ParallelFor(size_t n, int workers, const std::function<absl::Status(size_t)>& fn);

}  // namespace mlvc::client::ops
