#include "client/ops/checkout.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "client/cache/chunk_cache.h"
#include "client/ops/ops_internal.h"
#include "client/ops/transfer.h"
#include "common/path/names.h"
#include "common/path/repo_path.h"
#include "common/status/status_macros.h"

namespace mlvc::client::ops {
namespace fs = std::filesystem;

namespace {

// DIR must not exist, or be an empty directory; it is created (with parents) when absent.
absl::Status PrepareDir(const std::string& dir) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InternalError("cannot stat '" + dir + "': " + ec.message());
  }
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      return absl::AlreadyExistsError("'" + dir + "' already exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec) || ec) {
      return absl::AlreadyExistsError("directory '" + dir + "' already exists and is not empty");
    }
    return absl::OkStatus();
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create '" + dir + "': " + ec.message());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckoutResult> Checkout(const CheckoutOptions& options,
                                        const ProgressCallback& progress,
                                        TransferObserver* observer) {
  RETURN_IF_ERROR(common::ValidateRepositoryName(options.repository));
  std::vector<std::string> sparse;
  for (const std::string& p : options.sparse_paths) {
    ASSIGN_OR_RETURN(std::string norm, common::NormalizeRepoRelpath(p));
    sparse.push_back(std::move(norm));
  }
  // A malformed MLVC_CACHE_SIZE is refused before anything is created.
  RETURN_IF_ERROR(cache::DefaultCacheOptions().status());
  ASSIGN_OR_RETURN(auto remote, internal::Connect(options.endpoint));
  // Ask the server before touching the disk: an unknown repository or ref leaves no folder.
  ASSIGN_OR_RETURN(remote::ResolvedRef resolved,
                   remote->ResolveRef(options.repository, options.ref));
  ASSIGN_OR_RETURN(std::vector<remote::TreeFile> tree,
                   remote->GetTree(options.repository, resolved.number, sparse));

  const std::string root = fs::absolute(options.dir_abspath).lexically_normal().string();
  RETURN_IF_ERROR(PrepareDir(root));
  wc::WcConfig config;
  config.server = options.endpoint.server;
  config.repository = options.repository;
  config.branch = resolved.branch.empty() ? "main" : resolved.branch;
  config.base_number = resolved.number;
  config.sparse_paths = sparse;
  ASSIGN_OR_RETURN(config.lockable_patterns, remote->GetLockablePatterns(options.repository));
  ASSIGN_OR_RETURN(wc::WorkingCopy wc, wc::WorkingCopy::Create(root, config));

  CheckoutResult result;
  result.repository = options.repository;
  result.number = resolved.number;
  result.branch = config.branch;
  result.root = wc.root();
  internal::PeriodicSaver saver(wc);
  internal::Transfer transfer(*remote, wc.config().repository,
                              TransferProgress::Direction::kDownload, observer);
  {
    uint64_t bytes = 0;
    for (const remote::TreeFile& file : tree) bytes += file.size;
    transfer.AddPlanned(bytes, tree.size());
  }
  // Download a batch together, then install it in tree order on this thread (the working
  // copy and the progress callback are not thread-safe).
  std::vector<std::vector<const remote::TreeFile*>> batches;
  for (size_t begin = 0; begin < tree.size();) {
    std::vector<const remote::TreeFile*> batch;
    uint64_t batch_bytes = 0;
    for (size_t i = begin; i < tree.size() && batch.size() < internal::kFetchBatch &&
                           (batch.empty() || batch_bytes < internal::kFetchBatchBytes);
         ++i) {
      batch.push_back(&tree[i]);
      batch_bytes += tree[i].size;
    }
    begin += batch.size();
    batches.push_back(std::move(batch));
  }
  for (size_t b = 0; b < batches.size(); ++b) {
    const std::vector<const remote::TreeFile*>& batch = batches[b];
    // The server describes the next batch while this one is written and installed
    // (DownloadAll takes the oldest prefetch: this batch's).
    if (b == 0) transfer.PrefetchManifests(batch);
    if (b + 1 < batches.size()) transfer.PrefetchManifests(batches[b + 1]);
    absl::StatusOr<std::vector<std::string>> temps = internal::DownloadAll(wc, transfer, batch);
    result.transfer = transfer.Stats();
    RETURN_IF_ERROR(internal::SaveOnError(wc, temps.status()));
    for (size_t i = 0; i < batch.size(); ++i) {
      const remote::TreeFile& file = *batch[i];
      absl::Status installed = internal::InstallFetched(wc, (*temps)[i], file);
      if (!installed.ok()) internal::RemoveTemps(*temps, i + 1);
      RETURN_IF_ERROR(internal::SaveOnError(wc, installed));
      ++result.file_count;
      result.total_bytes += file.size;
      if (progress) progress(FileEvent{FileAction::kAdded, file.path, resolved.number});
      RETURN_IF_ERROR(saver.MaybeSave());
    }
  }
  result.transfer = transfer.Stats();
  RETURN_IF_ERROR(wc.Save());
  return result;
}

}  // namespace mlvc::client::ops
