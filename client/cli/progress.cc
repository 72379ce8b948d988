#include "client/cli/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace mlvc::client::cli {

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const uint64_t total = static_cast<uint64_t>(std::llround(seconds));
  const uint64_t h = total / 3600;
  const uint64_t m = (total / 60) % 60;
  const uint64_t s = total % 60;
  char buffer[32];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
  } else {
    std::snprintf(buffer, sizeof buffer, "%llu:%02llu", static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  }
  return buffer;
}

std::string FormatProgress(const ops::TransferProgress& progress, double rate) {
  std::string line =
      progress.direction == ops::TransferProgress::Direction::kUpload ? "Uploading " : "Downloading ";
  line += FormatBytes(progress.bytes_done);
  if (progress.bytes_total > 0) {
    const uint64_t done = std::min(progress.bytes_done, progress.bytes_total);
    line += " / " + FormatBytes(progress.bytes_total) + " (" +
            std::to_string(done * 100 / progress.bytes_total) + "%)";
  }
  if (rate > 0) {
    line += "  " + FormatBytes(static_cast<uint64_t>(rate)) + "/s";
    if (progress.bytes_total > progress.bytes_done) {
      line += "  ETA " +
              FormatDuration(static_cast<double>(progress.bytes_total - progress.bytes_done) / rate);
    }
  }
  if (progress.files_total > 0) {
    line += "  files " + std::to_string(progress.files_done) + "/" +
            std::to_string(progress.files_total);
  }
  return line;
}

ProgressRenderer::ProgressRenderer(std::ostream& out, Clock clock)
    : out_(out), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  start_ = clock_();
}

ProgressRenderer::~ProgressRenderer() { Clear(); }

void ProgressRenderer::OnProgress(const ops::TransferProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  const double now = clock_();
  const double elapsed = now - start_;
  if (elapsed < kDelaySeconds) return;
  if (last_draw_ >= 0 && now - last_draw_ < kRedrawSeconds) return;
  last_draw_ = now;
  const double rate = elapsed > 0 ? static_cast<double>(progress.bytes_done) / elapsed : 0;
  // \r back to the start of the line, \033[K erase what a longer previous line left.
  out_ << '\r' << FormatProgress(progress, rate) << "\033[K" << std::flush;
  shown_ = true;
  ++draws_;
}

void ProgressRenderer::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!shown_) return;
  out_ << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace mlvc::client::cli
