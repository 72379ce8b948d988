// Transfer progress on a terminal: one line on stderr, redrawn in place, for commit,
// checkout, update and switch. The formatting is pure (tested); the renderer decides when to
// draw: not before the operation has run for a second, then at most ten times a second. The
// commands create it only when ShowProgress() says so (stderr a terminal, no --json).
// Requires: client/ops (TransferObserver). Used by: client/cli.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include "client/ops/ops_types.h"

namespace mlvc::client::cli {

// "0 B", "999 B", "1.0 KiB", "12.3 MiB", "1.5 GiB".
std::string FormatBytes(uint64_t bytes);
// "0:07", "12:34", "1:02:03".
std::string FormatDuration(double seconds);
// One progress line, e.g.
//   "Uploading 412.0 MiB / 1.0 GiB (40%)  205.3 MiB/s  ETA 0:03  files 3/10"
// `rate` in bytes per second of file content; no rate or ETA while it is 0.
std::string FormatProgress(const ops::TransferProgress& progress, double rate);

class ProgressRenderer : public ops::TransferObserver {
 public:
  // Seconds on a monotonic clock; tests pass their own.
  using Clock = std::function<double()>;
  static constexpr double kDelaySeconds = 1.0;    // quiet for operations shorter than this
  static constexpr double kRedrawSeconds = 0.1;   // at most ten redraws a second

  explicit ProgressRenderer(std::ostream& out, Clock clock = nullptr);
  ~ProgressRenderer() override;

  void OnProgress(const ops::TransferProgress& progress) override;
  // Erases the line, if one is shown (before printing other output, and at the end).
  void Clear();
  // Number of times the line was drawn (for tests).
  int draws() const { return draws_; }

 private:
  std::ostream& out_;
  Clock clock_;
  double start_ = 0;
  double last_draw_ = -1;
  bool shown_ = false;
  int draws_ = 0;
  std::mutex mu_;
};

}  // namespace mlvc::client::cli
