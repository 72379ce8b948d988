// Fuzz target: repository paths and names (common/path), the checks every request path and
// every repository, branch and label name passes through on client and server.
// Invariants checked besides "never crashes":
//   - a path that normalizes is a fixed point: it normalizes to itself, and it is made of
//     valid components (non-empty, not "." or "..", no control character, none ".mlvc");
//   - the dirname/basename split of a normalized path joins back to it;
//   - SplitOn's parts join back to the text;
//   - a valid label is a valid branch name (a label is one branch segment), and a valid
//     branch or label name is a normalized path (its segments obey stricter rules).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/path/names.h"
#include "common/path/repo_path.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using mlvc::common::NormalizeRepoRelpath;

void CheckNormalized(std::string_view input, const std::string& norm) {
  FUZZ_CHECK(!norm.empty());
  FUZZ_CHECK(norm.size() <= input.size());
  FUZZ_CHECK(norm.front() != '/' && norm.back() != '/');
  absl::StatusOr<std::string> again = NormalizeRepoRelpath(norm);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == norm);
  for (std::string_view c : mlvc::common::SplitOn(norm, '/')) {
    FUZZ_CHECK(!c.empty() && c != "." && c != "..");
    FUZZ_CHECK(c.size() <= mlvc::common::kMaxComponentBytes);
    for (char ch : c) {
      const auto byte = static_cast<unsigned char>(ch);
      FUZZ_CHECK(byte >= 0x20 && byte != 0x7f);
    }
  }
  const std::string_view dir = mlvc::common::RelpathDirname(norm);
  const std::string_view base = mlvc::common::RelpathBasename(norm);
  FUZZ_CHECK(!base.empty());
  FUZZ_CHECK((dir.empty() ? std::string(base) : std::string(dir) + "/" + std::string(base)) ==
             norm);
  FUZZ_CHECK(mlvc::common::RelpathIsWithin(norm, dir));
  FUZZ_CHECK(mlvc::common::RelpathIsWithin(norm, norm));
}

void CheckNames(std::string_view name) {
  const bool repository = mlvc::common::ValidateRepositoryName(name).ok();
  const bool branch = mlvc::common::ValidateBranchName(name).ok();
  const bool label = mlvc::common::ValidateLabelName(name).ok();
  if (label) FUZZ_CHECK(branch);
  if (repository || branch || label) {
    absl::StatusOr<std::string> norm = NormalizeRepoRelpath(name);
    FUZZ_CHECK(norm.ok());
    FUZZ_CHECK(*norm == name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string joined;
  const std::vector<std::string_view> parts = mlvc::common::SplitOn(input, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined.push_back('/');
    joined.append(parts[i]);
  }
  FUZZ_CHECK(joined == input);

  absl::StatusOr<std::string> norm = NormalizeRepoRelpath(input);
  if (norm.ok()) CheckNormalized(input, *norm);
  CheckNames(input);
  return 0;
}
