// `mlvc lock P... [-m COMMENT] [--update]`, `mlvc unlock P... [--force]`,
// `mlvc locks [P] [--json]` and `mlvc lockable [PATTERN...]`.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/local_ops.h"
#include "client/ops/lock_ops.h"

namespace mlvc::client::cli {
namespace {

struct LockArgs {
  std::vector<std::string> paths;
  std::string comment;
  bool update = false;
  bool force = false;
  bool json = false;
  std::vector<std::string> patterns;
};

// The working copy, its server's endpoint and the relpaths of `paths`; or an exit code.
struct Context {
  std::optional<wc::WorkingCopy> wc;
  ops::Endpoint endpoint;
  std::vector<std::string> relpaths;
  std::string server;
};

int Open(const std::vector<std::string>& paths, Context* out) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  out->server = wc->config().server;
  absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, paths);
  if (!relpaths.ok()) return ReportError(relpaths.status(), out->server);
  for (const std::string& p : *relpaths) {
    if (p.empty()) return ReportError("name files to lock, not the working copy root", kExitUsage);
  }
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(out->server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), out->server);
  out->wc = *std::move(wc);
  out->endpoint = *endpoint;
  out->relpaths = *std::move(relpaths);
  return kExitOk;
}

nlohmann::json LockJson(const remote::LockInfo& lock) {
  return {{"path", lock.path},       {"branch", lock.branch},
          {"user", lock.user},       {"comment", lock.comment},
          {"created_at", FormatIsoTime(lock.created_at_micros)}};
}

int RunLock(const LockArgs& args) {
  Context c;
  if (int code = Open(args.paths, &c); code != kExitOk) return code;
  auto locked = ops::Lock(*c.wc, c.endpoint, c.relpaths, args.comment, args.update);
  if (!locked.ok()) return ReportError(locked.status(), c.server);
  for (const remote::LockInfo& l : *locked) std::cout << "Locked " << l.path << '\n';
  return kExitOk;
}

int RunUnlock(const LockArgs& args) {
  Context c;
  if (int code = Open(args.paths, &c); code != kExitOk) return code;
  auto released = ops::Unlock(*c.wc, c.endpoint, c.relpaths, args.force);
  if (!released.ok()) {
    absl::Status status = released.status();
    if (absl::IsFailedPrecondition(status) &&
        std::string(status.message()).find("not locked by you") != std::string::npos) {
      // Same exit code as other preconditions, with its own sentence and the way out.
      return ReportError(UserMessage(status, c.server) +
                             "; a maintainer can break it with 'mlvc unlock --force'",
                         kExitPrecondition);
    }
    return ReportError(status, c.server);
  }
  for (const remote::LockInfo& l : *released) {
    std::cout << "Unlocked " << l.path;
    if (args.force) std::cout << " (was locked by " << l.user << ")";
    std::cout << '\n';
  }
  return kExitOk;
}

int RunLocks(const LockArgs& args) {
  Context c;
  if (int code = Open(args.paths, &c); code != kExitOk) return code;
  const std::string prefix = c.relpaths.empty() ? "" : c.relpaths[0];
  auto locks = ops::ListLocks(*c.wc, c.endpoint, prefix);
  if (!locks.ok()) return ReportError(locks.status(), c.server);
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const remote::LockInfo& l : *locks) list.push_back(LockJson(l));
    PrintJson({{"branch", c.wc->config().branch}, {"locks", list}});
    return kExitOk;
  }
  for (const remote::LockInfo& l : *locks) {
    std::cout << l.path << "  " << l.user << "  " << FormatHumanTime(l.created_at_micros);
    if (!l.comment.empty()) std::cout << "  " << l.comment;
    std::cout << '\n';
  }
  return kExitOk;
}

int RunLockable(const LockArgs& args) {
  Context c;
  if (int code = Open({}, &c); code != kExitOk) return code;
  std::optional<std::vector<std::string>> replace;
  if (!args.patterns.empty()) replace = args.patterns;
  auto patterns = ops::LockablePatterns(*c.wc, c.endpoint, replace);
  if (!patterns.ok()) return ReportError(patterns.status(), c.server);
  if (args.json) {
    PrintJson({{"patterns", *patterns}});
  } else {
    for (const std::string& p : *patterns) std::cout << p << '\n';
  }
  return kExitOk;
}

}  // namespace

void RegisterLockCommands(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<LockArgs>();

  CLI::App* lock = app.add_subcommand("lock", "Lock files on the working copy's branch");
  lock->add_option("PATH", args->paths, "Files to lock")->required();
  lock->add_option("-m,--message", args->comment, "A comment others see");
  lock->add_flag("--update", args->update, "Update the working copy first if out of date");
  SetHelpFooter(lock, "  mlvc lock models/resnet.pt -m 'retraining with mixup'\n",
                "Locks every PATH or none. Lockable files (see 'mlvc lockable') are read-only\n"
                "until you lock them. Refused (exit 6) when another user holds a lock (the\n"
                "message names them and since when) or when your copy of the file is older\n"
                "than the branch head ('mlvc update' first, or pass --update).\n"
                "Committing a locked file releases its lock.\n");
  lock->callback([&invocation, args]() { invocation.run = [args]() { return RunLock(*args); }; });

  CLI::App* unlock = app.add_subcommand("unlock", "Release locks");
  unlock->add_option("PATH", args->paths, "Files to unlock")->required();
  unlock->add_flag("--force", args->force,
                   "Break other users' locks (maintainers; recorded in the audit log)");
  SetHelpFooter(unlock, "  mlvc unlock models/resnet.pt\n",
                "Releases every PATH's lock or none. A lock held by someone else: exit 6\n"
                "unless --force (exit 8 without the maintainer role); not locked at all: exit 4.\n");
  unlock->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunUnlock(*args); }; });

  CLI::App* locks = app.add_subcommand("locks", "List the locks of the working copy's branch");
  locks->add_option("PATH", args->paths, "Only locks under this path")->expected(0, 1);
  locks->add_flag("--json", args->json, "Print {\"branch\": B, \"locks\": [...]}");
  SetHelpFooter(locks, "  mlvc locks\n  mlvc locks models/ --json\n",
                "One line per lock: PATH  USER  TIME  COMMENT.\n");
  locks->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunLocks(*args); }; });

  CLI::App* lockable = app.add_subcommand(
      "lockable", "Show the repository's lockable patterns, or set them (maintainers)");
  lockable->add_option("PATTERN", args->patterns, "New patterns (fnmatch globs)");
  lockable->add_flag("--json", args->json, "Print {\"patterns\": [...]}");
  SetHelpFooter(lockable, "  mlvc lockable\n  mlvc lockable '*.pt' '*.onnx' 'models/*'\n",
                "A file is lockable when a pattern matches its name or its whole path.\n");
  lockable->callback(
      [&invocation, args]() { invocation.run = [args]() { return RunLockable(*args); }; });
}

}  // namespace mlvc::client::cli
