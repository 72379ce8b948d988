// Child processes for end-to-end tests: run a real binary with exact arguments (no shell, so
// no quoting issues), a working directory and an environment, and capture what it printed.
// Requires: POSIX (posix_spawn, waitpid). Used by: tests/e2e (the mlvcd/mlvc fixture).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlvc::testing {

struct ProcessOptions {
  // Working directory of the child; empty = the test's own.
  std::string cwd;
  // Variables set (or replaced) in the child's environment, which is otherwise the test's.
  std::map<std::string, std::string> env;
  // Variables removed from the child's environment.
  std::vector<std::string> unset_env;
  // A child still running after this long is killed (SIGKILL) and reported as timed out.
  std::chrono::seconds timeout{600};
};

struct ProcessResult {
  // The exit status, or 128 + signal number when the child was killed by a signal.
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;

  // One line for test failure messages: the command, exit code, stdout and stderr.
  std::string Describe() const;
  std::string command;
};

// Runs argv[0] (a path; PATH is not searched) with the arguments argv[1..] and waits for it.
// stdin is /dev/null; stdout and stderr are captured in full. Throws std::runtime_error only
// when the child cannot be started at all.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options);

// A long-running child (a server). Its stdout and stderr both go to `log_path`.
// The destructor kills it (SIGKILL) if Stop() was not called.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const ProcessOptions& options,
                    const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }

  // True while the child has not exited. Reaps it when it has (see exit_code()).
  bool Running();
  // The child's exit code (128 + signal when killed), once it has exited.
  std::optional<int> exit_code() const { return exit_code_; }

  // Sends SIGTERM and waits up to `grace` for the child to exit, then SIGKILL.
  // Returns the exit code (128 + SIGTERM = 143 when it died of the signal itself).
  int Stop(std::chrono::seconds grace = std::chrono::seconds(30));

  // A line of /proc/PID/status such as "VmHWM" in KiB; nullopt when the child is gone.
  std::optional<long> StatusKib(const std::string& field) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Reads a whole file; "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace mlvc::testing
