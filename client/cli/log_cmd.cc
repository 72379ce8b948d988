// `mlvc log [PATH] [-n N] [-v] [--graph]`: the history of the working copy's branch, newest
// first; merges show both parents, --graph draws the lanes of every parent.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/cli/log_graph.h"
#include "client/ops/local_ops.h"
#include "client/ops/server_ops.h"

namespace mlvc::client::cli {
namespace {

struct LogArgs {
  std::string path;
  int limit = 0;
  bool verbose = false;
  bool json = false;
  bool graph = false;
};

const char* ActionWord(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd:
      return "add";
    case remote::ChangeAction::kModify:
      return "modify";
    case remote::ChangeAction::kDelete:
      return "delete";
  }
  return "modify";
}

char ActionLetter(remote::ChangeAction action) {
  switch (action) {
    case remote::ChangeAction::kAdd:
      return 'A';
    case remote::ChangeAction::kModify:
      return 'M';
    case remote::ChangeAction::kDelete:
      return 'D';
  }
  return 'M';
}

nlohmann::json OptionalNumber(const std::optional<int64_t>& number) {
  return number.has_value() ? nlohmann::json(*number) : nlohmann::json(nullptr);
}

int RunLog(const LogArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;

  remote::LogQuery query;
  query.repository = wc->config().repository;
  query.ref = wc->config().branch;
  query.limit = args.limit;
  query.with_paths = args.verbose || args.json;
  query.all_parents = args.graph;
  if (!args.path.empty() && args.graph) {
    return ReportError("--graph shows the whole history and takes no PATH", kExitUsage);
  }
  if (!args.path.empty()) {
    absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, {args.path});
    if (!relpaths.ok()) return ReportError(relpaths.status(), server);
    query.path = relpaths->front();
  }
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  absl::StatusOr<std::vector<remote::ChangesetInfo>> log = ops::Log(*endpoint, query);
  if (!log.ok()) return ReportError(log.status(), server);

  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::ChangesetInfo& cs : *log) {
      nlohmann::json paths = nlohmann::json::array();
      for (const remote::ChangedPathInfo& changed : cs.changed_paths) {
        paths.push_back({{"path", changed.path}, {"action", ActionWord(changed.action)}});
      }
      doc.push_back({{"number", cs.number},
                     {"author", cs.author},
                     {"time", FormatIsoTime(cs.created_at_micros)},
                     {"message", cs.message},
                     {"parent", OptionalNumber(cs.parent)},
                     {"merge_parent", OptionalNumber(cs.merge_parent)},
                     {"paths", paths}});
    }
    PrintJson(doc);
    return kExitOk;
  }
  bool first = true;
  GraphLayout layout;
  for (const remote::ChangesetInfo& cs : *log) {
    GraphRows rows;
    if (args.graph) rows = layout.Next(cs);
    if (!first && !args.graph) std::cout << '\n';
    first = false;
    if (!rows.join.empty()) std::cout << rows.join << '\n';
    std::cout << rows.commit << '@' << cs.number << " | " << cs.author << " | "
              << FormatHumanTime(cs.created_at_micros) << '\n';
    if (!rows.fork.empty()) std::cout << rows.fork << '\n';
    if (cs.merge_parent.has_value()) {
      std::cout << rows.detail << "Merge: @" << cs.parent.value_or(0) << " @"
                << *cs.merge_parent << '\n';
    }
    size_t start = 0;
    while (start <= cs.message.size()) {
      size_t end = cs.message.find('\n', start);
      if (end == std::string::npos) end = cs.message.size();
      std::string line = cs.message.substr(start, end - start);
      if (!(end == cs.message.size() && line.empty() && start != 0)) {
        std::cout << rows.detail << "    " << line << '\n';
      }
      start = end + 1;
    }
    if (args.verbose && !cs.changed_paths.empty()) {
      std::cout << rows.detail << "  Changed paths:\n";
      for (const remote::ChangedPathInfo& changed : cs.changed_paths) {
        std::cout << rows.detail << "    " << ActionLetter(changed.action) << ' ' << changed.path << '\n';
      }
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterLogCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand(
      "log", "Show the history of the working copy's branch, newest first");
  cmd->add_option("PATH", args->path, "Only changesets that changed this file or folder");
  cmd->add_option("-n,--limit", args->limit, "At most N changesets (default 100)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("-v,--verbose", args->verbose, "Also list the paths each changeset changed");
  cmd->add_flag("--graph", args->graph,
                "Every changeset reachable through merges too, with lanes drawn on the left");
  cmd->add_flag("--json", args->json,
                "Print [{\"number\", \"author\", \"time\", \"message\", \"parent\", "
                "\"merge_parent\", \"paths\": [{\"path\", \"action\"}]}]");
  SetHelpFooter(cmd, "  mlvc log -n 5\n  mlvc log -v configs/train.yaml\n  mlvc log --json\n",
                "Each changeset prints '@N | author | YYYY-MM-DD HH:MM:SS UTC', then its message\n"
                "indented, then with -v the paths it changed (A added, M modified, D deleted).\n"
                "With PATH, only the changesets that changed that file or folder.\n"
                "A merge also prints 'Merge: @FIRST @MERGED' (its two parents).\n"
                "--graph walks both parents of every merge, newest first: '*' marks the\n"
                "changeset of the row, '|' a line of history passing by, '\\' the merged\n"
                "parent's line opening, '/' lines joining where they meet.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunLog(*args); }; });
}

}  // namespace mlvc::client::cli
