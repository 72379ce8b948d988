// Dependency files of a run's environment (`--env FILE`): requirements.txt or `pip freeze`
// output, and conda environment.yml, parsed into package -> version; and the difference of
// two such maps (`mlvc env diff`, `mlvc since-training`). Pure: callers pass the bytes.
// Requires: abseil, yaml-cpp. Used by: client cli (run record, env diff), server core.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mlvc::common {

inline constexpr size_t kMaxEnvFileBytes = 1 << 20;
inline constexpr size_t kMaxEnvPackages = 10000;

// Normalized package name -> version. The version is what the file pins ("1.26.0"), the
// specifier when it does not pin one (">=1.2,<2"), "" when it names no version, or the
// reference for direct references ("file:///wheels/x.whl", "git+https://...@v1#egg=x").
using PackageVersions = std::map<std::string, std::string>;

// PEP 503: lowercase, and every run of '-', '_' and '.' becomes one '-'
// ("Foo_Bar..baz" -> "foo-bar-baz").
std::string NormalizePackageName(std::string_view name);

// requirements.txt / `pip freeze` lines: "name==1.2.3", "name[extra]>=1", "name @ URL",
// "-e REF" / "--editable REF", bare URLs and paths ("#egg=name" names them, else the file
// or directory name, else the reference itself is the key). Comments ('#' at the start or
// after a blank), blank lines, environment markers (";..."), per-line "--hash" options,
// '\' continuations and the other pip options (-r, -c, -i, --index-url, ...) are skipped:
// an included file is not followed. A later line for the same package wins.
// Returns INVALID_ARGUMENT naming the 1-based line of a requirement that has no valid name,
// and for more than kMaxEnvFileBytes or kMaxEnvPackages.
absl::StatusOr<PackageVersions> ParsePipRequirements(std::string_view text);

// conda environment.yml: its `dependencies` list of match specs ("numpy=1.26.0=py311h...",
// "conda-forge::python=3.11", "numpy 1.26.0 py311h", "scipy>=1.10"), with the version of an
// exact "=V" / "==V" / "name V build" pin, else the specifier; a nested `pip:` list is parsed
// as requirement lines and wins over a conda entry of the same name. No `dependencies` is
// an empty map.
// Returns INVALID_ARGUMENT for malformed YAML (line, column), a top level that is not a
// mapping, `dependencies` or `pip` that is not a list, an entry that is not a string, more
// than kMaxEnvPackages pip entries in all (an alias counted each time it is used), and the
// limits of ParsePipRequirements.
absl::StatusOr<PackageVersions> ParseCondaEnvironment(std::string_view text);

// ParseCondaEnvironment for ".yml"/".yaml" names, ParsePipRequirements for other names;
// for a name without an extension, conda when a line starts with "dependencies:".
// Errors are prefixed with `file_name`. Same errors as those two.
absl::StatusOr<PackageVersions> ParseEnvironmentFile(std::string_view file_name,
                                                     std::string_view content);

struct PackageChange {
  std::string name;
  std::string old_version;  // empty for an added package
  std::string new_version;  // empty for a removed package
};

// What changed from `a` to `b`, each list sorted by name.
struct EnvDifference {
  std::vector<PackageChange> added;    // in b only
  std::vector<PackageChange> removed;  // in a only
  std::vector<PackageChange> changed;  // in both, versions differ
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

EnvDifference EnvDiff(const PackageVersions& a, const PackageVersions& b);

}  // namespace mlvc::common
