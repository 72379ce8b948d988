// push-model (record_ops.h): the model files and their training run in one PushModel call.
// The files go through Commit (its scan, chunked upload and working-copy bookkeeping) with
// the run handed to Commit's push-model hook, so the changeset and the run land together.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "client/ops/checkout.h"
#include "client/ops/commit.h"
#include "client/ops/local_ops.h"
#include "client/ops/ops_internal.h"
#include "client/ops/record_ops.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace {

namespace fs = std::filesystem;

std::string BaseName(const std::string& path) {
  return fs::path(path).lexically_normal().filename().string();
}

// A file given on the command line, checked before anything is changed.
absl::StatusOr<std::string> CheckedAbsPath(const std::string& cwd_abspath,
                                           const std::string& file) {
  fs::path p(file);
  if (p.is_relative()) p = fs::path(cwd_abspath) / p;
  p = p.lexically_normal();
  std::error_code ec;
  fs::file_status st = fs::status(p, ec);
  if (!fs::exists(st)) return absl::NotFoundError("'" + file + "' does not exist");
  if (!fs::is_regular_file(st)) {
    return absl::InvalidArgumentError("'" + file + "' is not a regular file");
  }
  return p.string();
}

// The repository path of TO_DIR/BASENAME. INVALID_ARGUMENT for a bad folder.
absl::StatusOr<std::string> TargetPath(const std::string& to_dir, const std::string& file) {
  std::string joined = to_dir.empty() ? BaseName(file) : to_dir + "/" + BaseName(file);
  absl::StatusOr<std::string> path = common::NormalizeRepoRelpath(joined);
  if (!path.ok() || path->empty()) {
    return absl::InvalidArgumentError("'" + joined + "' is not a valid repository path");
  }
  return path;
}

// Copies `from` to `to` (creating folders) unless they are the same file.
absl::Status PlaceFile(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (fs::exists(to, ec) && fs::equivalent(from, to, ec)) return absl::OkStatus();
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) return absl::InternalError("cannot create the folder of '" + to + "': " + ec.message());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return absl::InternalError("cannot copy '" + from + "' to '" + to + "': " + ec.message());
  return absl::OkStatus();
}

// The commit of `relpaths` with the run, once the files are in place in `wc`.
absl::StatusOr<PushModelOutcome> CommitWithRun(wc::WorkingCopy& wc, const Endpoint& endpoint,
                                               std::vector<std::string> relpaths,
                                               const std::string& message,
                                               const PreparedRun& run) {
  std::sort(relpaths.begin(), relpaths.end());
  relpaths.erase(std::unique(relpaths.begin(), relpaths.end()), relpaths.end());
  // New files are scheduled for addition; versioned ones are left as they are (Add ignores
  // them), so only these paths are in the commit's scope.
  ASSIGN_OR_RETURN(std::vector<std::string> added, Add(wc, relpaths));
  (void)added;
  RETURN_IF_ERROR(UploadRunEnvironment(endpoint, wc.config().repository, run));
  ASSIGN_OR_RETURN(CommitResult committed,
                   Commit(wc, endpoint, message, relpaths, /*keep_locks=*/false,
                          /*observer=*/nullptr, &run.spec));
  if (committed.nothing_to_commit) {
    return absl::FailedPreconditionError(
        "nothing to push: " + (relpaths.size() == 1 ? "'" + relpaths.front() + "' is"
                                                    : std::string("the files are")) +
        " unchanged since @" + std::to_string(wc.config().base_number) +
        "; record the run with 'mlvc run record' instead");
  }
  PushModelOutcome outcome;
  outcome.repository = wc.config().repository;
  outcome.branch = wc.config().branch;
  outcome.number = committed.number;
  outcome.replayed = committed.replayed;
  for (const CommittedFile& f : committed.files) outcome.paths.push_back(f.path);
  if (committed.run.has_value()) outcome.run = *committed.run;
  return outcome;
}

absl::Status CheckCommon(const std::vector<std::string>& files, const std::string& message) {
  if (files.empty()) return absl::InvalidArgumentError("give at least one model file to push");
  if (message.empty()) return absl::InvalidArgumentError("the commit message is empty");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PushModelOutcome> PushModelInWorkingCopy(wc::WorkingCopy& wc,
                                                        const Endpoint& endpoint,
                                                        const std::string& cwd_abspath,
                                                        const std::vector<std::string>& files,
                                                        const std::string& to_dir,
                                                        const std::string& message,
                                                        const PreparedRun& run) {
  RETURN_IF_ERROR(CheckCommon(files, message));
  std::vector<std::string> sources;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string abspath, CheckedAbsPath(cwd_abspath, file));
    sources.push_back(abspath);
  }
  std::vector<std::string> relpaths;
  if (to_dir.empty()) {
    // In place: each file must already be inside the working copy.
    ASSIGN_OR_RETURN(relpaths, ToRelpaths(wc, cwd_abspath, sources));
    for (const std::string& relpath : relpaths) {
      if (relpath.empty()) return absl::InvalidArgumentError("the working copy's root is not a file");
    }
  } else {
    for (const std::string& source : sources) {
      ASSIGN_OR_RETURN(std::string relpath, TargetPath(to_dir, source));
      relpaths.push_back(relpath);
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      RETURN_IF_ERROR(PlaceFile(sources[i], wc.AbsPath(relpaths[i])));
    }
  }
  return CommitWithRun(wc, endpoint, relpaths, message, run);
}

absl::StatusOr<PushModelOutcome> PushModelToRepository(const Endpoint& endpoint,
                                                       const std::string& repository,
                                                       const std::string& branch,
                                                       const std::vector<std::string>& files,
                                                       const std::string& to_dir,
                                                       const std::string& message,
                                                       const PreparedRun& run) {
  RETURN_IF_ERROR(CheckCommon(files, message));
  std::error_code ec;
  std::string cwd = fs::current_path(ec).string();
  std::vector<std::string> sources;
  std::vector<std::string> relpaths;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string abspath, CheckedAbsPath(cwd, file));
    ASSIGN_OR_RETURN(std::string relpath, TargetPath(to_dir, abspath));
    sources.push_back(abspath);
    relpaths.push_back(relpath);
  }
  // A sparse checkout of just the target paths: the commit then knows their base versions
  // (an existing model is modified, not added twice) without fetching anything else.
  fs::path temp_root = fs::temp_directory_path(ec);
  std::string pattern = (temp_root / "mlvc-push-model-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("cannot create a temporary folder in " + temp_root.string());
  }
  std::string dir = pattern;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  CheckoutOptions options;
  options.endpoint = endpoint;
  options.repository = repository;
  options.ref = branch;
  options.dir_abspath = dir + "/wc";
  options.sparse_paths = relpaths;
  ASSIGN_OR_RETURN(CheckoutResult checked_out, Checkout(options));
  if (!branch.empty() && checked_out.branch != branch) {
    return absl::InvalidArgumentError("'" + branch + "' is not a branch; push-model needs one");
  }
  ASSIGN_OR_RETURN(wc::WorkingCopy wc, wc::WorkingCopy::Open(options.dir_abspath));
  for (size_t i = 0; i < sources.size(); ++i) {
    RETURN_IF_ERROR(PlaceFile(sources[i], wc.AbsPath(relpaths[i])));
  }
  return CommitWithRun(wc, endpoint, relpaths, message, run);
}

}  // namespace mlvc::client::ops
