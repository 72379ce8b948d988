// Unit tests of the terminal progress line (client/cli/progress.h): formatting, and when
// the renderer draws (quiet for the first second, then at most ten times a second).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "client/cli/progress.h"

namespace mlvc::client::cli {
namespace {

using Direction = ops::TransferProgress::Direction;

TEST_CASE("FormatBytes and FormatDuration read like a person would write them", "[progress]") {
  CHECK(FormatBytes(0) == "0 B");
  CHECK(FormatBytes(1023) == "1023 B");
  CHECK(FormatBytes(1024) == "1.0 KiB");
  CHECK(FormatBytes(1536) == "1.5 KiB");
  CHECK(FormatBytes(412ull << 20) == "412.0 MiB");
  CHECK(FormatBytes(3ull << 29) == "1.5 GiB");
  CHECK(FormatDuration(0) == "0:00");
  CHECK(FormatDuration(7.4) == "0:07");
  CHECK(FormatDuration(754) == "12:34");
  CHECK(FormatDuration(3723) == "1:02:03");
  CHECK(FormatDuration(-5) == "0:00");
}

TEST_CASE("FormatProgress shows bytes, share, rate, ETA and files", "[progress]") {
  ops::TransferProgress p;
  p.direction = Direction::kUpload;
  p.bytes_done = 256ull << 20;
  p.bytes_total = 1ull << 30;
  p.files_done = 3;
  p.files_total = 10;
  CHECK(FormatProgress(p, 128.0 * (1 << 20)) ==
        "Uploading 256.0 MiB / 1.0 GiB (25%)  128.0 MiB/s  ETA 0:06  files 3/10");
  p.direction = Direction::kDownload;
  CHECK(FormatProgress(p, 0) == "Downloading 256.0 MiB / 1.0 GiB (25%)  files 3/10");
  p.bytes_done = p.bytes_total;
  p.files_done = 10;
  CHECK(FormatProgress(p, 1 << 20) ==
        "Downloading 1.0 GiB / 1.0 GiB (100%)  1.0 MiB/s  files 10/10");
  ops::TransferProgress unknown;
  unknown.bytes_done = 10;
  CHECK(FormatProgress(unknown, 0) == "Downloading 10 B");
}

TEST_CASE("ProgressRenderer stays quiet for a second then redraws at most ten times a second", "[progress]") {
  double now = 100.0;
  std::ostringstream out;
  ProgressRenderer bar(out, [&now] { return now; });
  ops::TransferProgress p;
  p.bytes_total = 100 << 20;
  for (int i = 0; i < 50; ++i) {  // 0.98 s of updates every 20 ms
    p.bytes_done += 1 << 20;
    bar.OnProgress(p);
    now += 0.02;
  }
  CHECK(bar.draws() == 0);
  CHECK(out.str().empty());
  // The next second: 100 updates, 10 ms apart -> about 10 draws.
  for (int i = 0; i < 100; ++i) {
    now += 0.01;
    bar.OnProgress(p);
  }
  CHECK(bar.draws() >= 9);
  CHECK(bar.draws() <= 11);
  CHECK(out.str().rfind('\r', 0) == 0);
  CHECK(out.str().find("Downloading") != std::string::npos);
  bar.Clear();
  CHECK(out.str().substr(out.str().size() - 4) == "\r\033[K");
  // Clearing twice prints nothing more.
  const size_t size = out.str().size();
  bar.Clear();
  CHECK(out.str().size() == size);
}

TEST_CASE("ProgressRenderer prints nothing for an operation shorter than a second", "[progress]") {
  double now = 0;
  std::ostringstream out;
  {
    ProgressRenderer bar(out, [&now] { return now; });
    ops::TransferProgress p;
    for (int i = 0; i < 10; ++i) {
      now += 0.05;
      bar.OnProgress(p);
    }
  }
  CHECK(out.str().empty());
}

}  // namespace
}  // namespace mlvc::client::cli
