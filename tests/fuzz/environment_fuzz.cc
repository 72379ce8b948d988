// Fuzz target: environment files of the run record (common/record/environment_file and
// yaml_load): requirements.txt / `pip freeze` text and conda environment.yml, parsed by the
// client (`--env FILE`) and compared by `mlvc env diff`. Each input is parsed as both, and
// as a file without an extension, whose format is guessed from its content. Invariants checked besides "never
// crashes": the documented package limit holds, no package key is empty, name
// normalization is idempotent, and a map differs from itself in nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/record/environment_file.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace rec = mlvc::common;

void CheckParsed(const rec::PackageVersions& packages) {
  FUZZ_CHECK(packages.size() <= rec::kMaxEnvPackages);
  for (const auto& [name, version] : packages) FUZZ_CHECK(!name.empty());
  FUZZ_CHECK(rec::EnvDiff(packages, packages).empty());
  const rec::EnvDifference gone = rec::EnvDiff(packages, {});
  FUZZ_CHECK(gone.removed.size() == packages.size() && gone.added.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string normalized = rec::NormalizePackageName(input);
  FUZZ_CHECK(rec::NormalizePackageName(normalized) == normalized);

  absl::StatusOr<rec::PackageVersions> pip = rec::ParsePipRequirements(input);
  if (pip.ok()) CheckParsed(*pip);
  absl::StatusOr<rec::PackageVersions> conda = rec::ParseCondaEnvironment(input);
  if (conda.ok()) CheckParsed(*conda);
  absl::StatusOr<rec::PackageVersions> guessed = rec::ParseEnvironmentFile("deps/env", input);
  if (guessed.ok()) CheckParsed(*guessed);
  if (pip.ok() && conda.ok()) rec::EnvDiff(*pip, *conda);
  return 0;
}
