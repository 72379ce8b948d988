// One user of the real `mlvc` binary in end-to-end tests: its own HOME (so its credentials
// never touch the real user's), optionally a token in MLVC_TOKEN, and helpers for files.
// Requires: MLVC_BIN (set by mlvc_add_test(... E2E)). Used by: tests/e2e.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/support/process.h"
#include "tests/support/temp_dir.h"

namespace mlvc::testing {

class MlvcClient {
 public:
  // `token` goes to MLVC_TOKEN; empty = no MLVC_TOKEN (then only `mlvc login` gives one).
  explicit MlvcClient(std::string token);

  // Runs `mlvc ARGS...` in `cwd` (absolute). MLVC_SERVER, MLVC_CA, XDG_CONFIG_HOME,
  // XDG_CACHE_HOME and MLVC_CACHE_SIZE are unset (credentials and chunk cache stay in
  // home()), unless SetEnv() gave them a value.
  ProcessResult Run(const std::string& cwd, const std::vector<std::string>& args) const;

  // Sets `name` in the environment of every later Run().
  void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }

  // A scratch folder of this user, e.g. the parent of its working copies.
  const std::string& home() const { return home_.path(); }
  std::string Sub(const std::string& rel) const { return home_.Sub(rel); }

 private:
  std::string mlvc_;
  std::string token_;
  std::map<std::string, std::string> env_;
  TempDir home_;
};

// Writes `content` to `path`, creating parent folders.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

// Writes `size` pseudo-random bytes (deterministic in `seed`) to `path`, 1 MiB at a time.
void WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed);

// SHA-256 of every regular file under `root`, keyed by its path relative to root, skipping
// the working copy's own `.mlvc` folder.
std::map<std::string, std::string> HashTree(const std::string& root);

// Non-empty lines of `text`.
std::vector<std::string> Lines(const std::string& text);

// True when one of `text`'s lines is exactly `line`.
bool HasLine(const std::string& text, const std::string& line);

// A ten-line text file ("key0: 0" ...), with `edits` (line index -> new line) applied: the
// shared starting point of the merge scenarios.
std::string TenLines(const std::map<int, std::string>& edits = {});

}  // namespace mlvc::testing
