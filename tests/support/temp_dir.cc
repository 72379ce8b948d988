#include "tests/support/temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mlvc::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mlvc-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    // The reason (a full disk, say) is what whoever reads a failed run needs first.
    throw std::runtime_error("cannot create a temporary folder " + tmpl + ": " +
                             std::generic_category().message(errno));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace mlvc::testing
