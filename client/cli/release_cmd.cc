// `mlvc release create|list|show`, `mlvc deploy`, `mlvc deployments`, `mlvc rollback` and
// `mlvc watch`: releases (labels with notes), the record of what is live in each environment,
// and the event stream deployers and CI follow. Inside a working copy or with --repo.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/credentials.h"
#include "client/cli/exit_codes.h"
#include "client/cli/repo_target.h"
#include "client/ops/release_ops.h"

namespace mlvc::client::cli {
namespace {

struct ReleaseArgs {
  std::string server;
  std::string repo;
  std::string version;
  std::string ref;
  std::string branch;
  std::string notes;
  std::string environment;
  int limit = 0;
  bool live_only = false;
  int64_t after = 0;          // watch: resume after this event; deployments: older than this id
  std::string after_version;  // release list: older than this release
  bool from_start = false;
  bool all = false;
  bool json = false;
};

void AddTargetFlags(CLI::App* cmd, ReleaseArgs* args) {
  cmd->add_option("--repo", args->repo, kRepoFlagHelp);
  cmd->add_option("--server", args->server, kServerFlagHelp);
}

nlohmann::json ReleaseJson(const remote::ReleaseInfo& r, bool with_validations) {
  nlohmann::json doc = {{"version", r.version},       {"number", r.number},
                        {"notes", r.notes},           {"created_by", r.created_by},
                        {"created_at", FormatIsoTime(r.created_at_micros)},
                        {"live_in", r.live_in}};
  if (with_validations) {
    nlohmann::json runs = nlohmann::json::array();
    for (const remote::ValidationSummary& v : r.validations) {
      nlohmann::json metrics = nlohmann::json::object();
      for (const auto& [key, value] : v.metrics) metrics[key] = value;
      runs.push_back({{"run_id", v.run_id},
                      {"name", v.name},
                      {"user", v.user},
                      {"succeeded", v.succeeded},
                      {"metrics", metrics}});
    }
    doc["validations"] = runs;
  }
  return doc;
}

const char* KindWord(remote::DeploymentKind kind) {
  return kind == remote::DeploymentKind::kRollback ? "rollback" : "deploy";
}

nlohmann::json DeploymentJson(const remote::DeploymentInfo& d) {
  return {{"id", d.id},
          {"environment", d.environment},
          {"version", d.version},
          {"number", d.number},
          {"kind", KindWord(d.kind)},
          {"note", d.note},
          {"previous_version", d.previous_version},
          {"created_by", d.created_by},
          {"created_at", FormatIsoTime(d.created_at_micros)}};
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

int RunCreate(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  std::string ref = args.ref;
  std::string branch = args.branch;
  // Default: the version the working copy holds (what was built and validated), judged by
  // the policy of the branch it follows; outside one, the head of --branch or main.
  if (ref.empty() && target->wc_branch.has_value()) {
    ref = absl::StrCat("@", target->wc_base);
    if (branch.empty()) branch = *target->wc_branch;
  }
  absl::StatusOr<remote::ReleaseInfo> release = ops::CreateRelease(
      target->endpoint, target->repository, args.version, ref, branch, args.notes);
  if (!release.ok()) return ReportError(release.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(ReleaseJson(*release, true));
  } else {
    std::cout << "Created release " << release->version << " on @" << release->number << ".\n";
  }
  return kExitOk;
}

int RunList(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<std::vector<remote::ReleaseInfo>> releases =
      ops::ListReleases(target->endpoint, target->repository, args.limit, args.after_version);
  if (!releases.ok()) return ReportError(releases.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::ReleaseInfo& r : *releases) doc.push_back(ReleaseJson(r, false));
    PrintJson(doc);
    return kExitOk;
  }
  for (const remote::ReleaseInfo& r : *releases) {
    std::cout << r.version << "  @" << r.number << "  " << r.created_by << "  "
              << FormatHumanTime(r.created_at_micros);
    if (!r.live_in.empty()) std::cout << "  live in " << absl::StrJoin(r.live_in, ", ");
    if (!r.notes.empty()) std::cout << "  " << FirstLine(r.notes);
    std::cout << '\n';
  }
  return kExitOk;
}

int RunShow(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<remote::ReleaseInfo> r =
      ops::GetRelease(target->endpoint, target->repository, args.version);
  if (!r.ok()) return ReportError(r.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(ReleaseJson(*r, true));
    return kExitOk;
  }
  std::cout << "release    " << r->version << "\n"
            << "changeset  @" << r->number << "\n"
            << "created    " << FormatHumanTime(r->created_at_micros) << " by " << r->created_by
            << "\n"
            << "live in    " << (r->live_in.empty() ? "-" : absl::StrJoin(r->live_in, ", "))
            << "\n";
  for (const remote::ValidationSummary& v : r->validations) {
    std::cout << "validated  run " << v.run_id << " " << v.name << " by " << v.user
              << (v.succeeded ? "" : " (failed)");
    for (const auto& [key, value] : v.metrics) std::cout << "  " << key << "=" << value;
    std::cout << "\n";
  }
  if (!r->notes.empty()) std::cout << "\n" << r->notes << (r->notes.back() == '\n' ? "" : "\n");
  return kExitOk;
}

int RunDeploy(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<remote::DeploymentInfo> d = ops::Deploy(
      target->endpoint, target->repository, args.version, args.environment, args.notes);
  if (!d.ok()) return ReportError(d.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(DeploymentJson(*d));
  } else {
    std::cout << "Deployed " << d->version << " (@" << d->number << ") to " << d->environment;
    if (!d->previous_version.empty()) std::cout << " (was " << d->previous_version << ")";
    std::cout << ".\n";
  }
  return kExitOk;
}

int RunDeployments(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<std::vector<remote::DeploymentInfo>> list = ops::ListDeployments(
      target->endpoint, target->repository, args.environment, args.limit, args.live_only,
      args.after);
  if (!list.ok()) return ReportError(list.status(), target->endpoint.server);
  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const remote::DeploymentInfo& d : *list) doc.push_back(DeploymentJson(d));
    PrintJson(doc);
    return kExitOk;
  }
  for (const remote::DeploymentInfo& d : *list) {
    std::cout << d.id << "  " << d.environment << "  " << d.version << "  @" << d.number << "  "
              << KindWord(d.kind) << "  " << d.created_by << "  "
              << FormatHumanTime(d.created_at_micros);
    if (!d.previous_version.empty()) std::cout << "  (was " << d.previous_version << ")";
    if (!d.note.empty()) std::cout << "  " << FirstLine(d.note);
    std::cout << '\n';
  }
  return kExitOk;
}

int RunRollback(const ReleaseArgs& args) {
  absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
  if (!target.ok()) return ReportError(target.status(), args.server);
  absl::StatusOr<remote::DeploymentInfo> d =
      ops::Rollback(target->endpoint, target->repository, args.environment, args.notes);
  if (!d.ok()) return ReportError(d.status(), target->endpoint.server);
  if (args.json) {
    PrintJson(DeploymentJson(*d));
  } else {
    std::cout << "Rolled back " << d->environment << " to " << d->version << " (@" << d->number
              << ") from " << d->previous_version << ".\n";
  }
  return kExitOk;
}

// The one-line human form of an event: "ID TIME REPO KIND USER SUMMARY".
std::string DescribeEvent(const remote::EventInfo& e, const nlohmann::json& payload) {
  auto text = [&](const char* key) -> std::string {
    auto it = payload.find(key);
    if (it == payload.end()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  std::string summary;
  if (e.kind == "release.created") {
    summary = absl::StrCat(text("version"), " on @", text("number"));
  } else if (e.kind == "deployment" || e.kind == "rollback") {
    summary = absl::StrCat(text("environment"), " = ", text("version"), " (@", text("number"),
                           ")");
    if (!text("previous_version").empty()) {
      absl::StrAppend(&summary, ", was ", text("previous_version"));
    }
  } else {
    summary = e.payload_json;
  }
  return absl::StrCat(e.id, "  ", FormatIsoTime(e.created_at_micros), "  ", e.repository, "  ",
                      e.kind, "  ", e.user.empty() ? "-" : e.user, "  ", summary);
}

int RunWatch(const ReleaseArgs& args) {
  // SIGINT / SIGTERM cancel the stream (so the server learns at once) and end with 0.
  // Blocked before any gRPC thread starts, so only the waiter below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string repository;
  ops::Endpoint endpoint;
  if (args.all) {
    absl::StatusOr<std::string> server = ResolveServer(args.server, "");
    if (!server.ok()) return ReportError(server.status(), args.server);
    absl::StatusOr<ops::Endpoint> e = EndpointFor(*server);
    if (!e.ok()) return ReportError(e.status(), *server);
    endpoint = *e;
  } else {
    absl::StatusOr<RepoTarget> target = ResolveRepoTarget(args.server, args.repo);
    if (!target.ok()) return ReportError(target.status(), args.server);
    endpoint = target->endpoint;
    repository = target->repository;
  }
  absl::StatusOr<std::unique_ptr<ops::EventWatch>> watch =
      ops::EventWatch::Open(endpoint, repository, args.after, args.from_start);
  if (!watch.ok()) return ReportError(watch.status(), endpoint.server);
  ops::EventWatch* stream = watch->get();
  // Detached: it may still be waiting when the stream ends for another reason, and the
  // process exits right after anyway.
  std::thread([signals, stream]() mutable {
    int received = 0;
    if (sigwait(&signals, &received) == 0) stream->Cancel();
  }).detach();

  bool cancelled_by_signal = false;
  remote::EventInfo e;
  while ((*watch)->Next(&e)) {
    nlohmann::json payload = nlohmann::json::parse(e.payload_json, nullptr, false);
    if (payload.is_discarded()) payload = e.payload_json;
    if (args.json) {
      nlohmann::json line = {{"id", e.id},
                             {"repository", e.repository},
                             {"kind", e.kind},
                             {"user", e.user},
                             {"created_at", FormatIsoTime(e.created_at_micros)},
                             {"payload", payload}};
      std::cout << line.dump() << std::endl;  // one line per event, flushed
    } else {
      std::cout << DescribeEvent(e, payload) << std::endl;
    }
    if (!std::cout) {  // the reader went away (closed pipe)
      (*watch)->Cancel();
      cancelled_by_signal = true;
    }
  }
  absl::Status status = (*watch)->Finish();
  if (absl::IsCancelled(status) || cancelled_by_signal) return kExitOk;
  if (status.ok()) return kExitOk;
  return ReportError(status, endpoint.server);
}

}  // namespace

void RegisterReleaseCommands(CLI::App& app, Invocation& invocation) {
  CLI::App* release =
      app.add_subcommand("release", "Create, list and show releases (labels with notes)");
  release->require_subcommand(1);
  SetHelpFooter(release,
                "  mlvc release create v1.0 main --notes 'first release'\n"
                "  mlvc release list\n  mlvc release show v1.0\n");
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = release->add_subcommand(
        "create", "Release a changeset: an immutable label with notes");
    cmd->add_option("VERSION", args->version, "The release's name, e.g. v1.2.0")->required();
    cmd->add_option("REF", args->ref,
                    "@N, branch (its head now) or label (default: the working copy's "
                    "version, else the head of --branch or main)");
    cmd->add_option("--notes,-m", args->notes, "Release notes");
    cmd->add_option("--branch", args->branch,
                    "Branch whose policy the changeset must meet (default: REF when it is a "
                    "branch, the working copy's branch, else main)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print {\"version\", \"number\", \"notes\", \"created_by\", \"created_at\", "
                  "\"live_in\", \"validations\": [{\"run_id\", \"name\", \"user\", "
                  "\"succeeded\", \"metrics\"}]}");
    SetHelpFooter(cmd,
                  "  mlvc release create v1.0 --notes 'first release'\n"
                  "  mlvc release create v1.1 main --repo resnet50\n"
                  "  mlvc release create v0.9 @12 --branch main\n",
                  "VERSION follows the label rules (see 'mlvc label create --help'); releases,\n"
                  "labels, branches and environments share names. Refused (exit 6) naming\n"
                  "every unmet rule when the changeset does not meet the branch's policy.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunCreate(*args); }; });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = release->add_subcommand("list", "List releases, newest first");
    cmd->alias("ls");
    cmd->add_option("--limit,-n", args->limit, "At most this many (default: all)");
    cmd->add_option("--after", args->after_version,
                    "Only releases older than this one (the last of the previous page)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print a JSON array of releases (see release create; no validations)");
    SetHelpFooter(cmd,
                  "  mlvc release list\n  mlvc release list -n 1 --json --repo resnet50\n"
                  "  mlvc release list -n 20 --after v1.3.0\n",
                  "Prints 'VERSION  @N  AUTHOR  TIME  live in ENV...  NOTES' (first line).\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunList(*args); }; });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = release->add_subcommand("show", "Show one release and where it is live");
    cmd->add_option("VERSION", args->version, "The release")->required();
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print the release as JSON (see release create)");
    SetHelpFooter(cmd, "  mlvc release show v1.0\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunShow(*args); }; });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = app.add_subcommand(
        "deploy", "Record that a release is live in an environment (maintainers)");
    cmd->add_option("VERSION", args->version, "The release to deploy")->required();
    cmd->add_option("--env,-e", args->environment, "Environment, e.g. staging or prod")
        ->required();
    cmd->add_option("-m,--note", args->notes, "Why (kept with the deployment)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "Print {\"id\", \"environment\", \"version\", \"number\", \"kind\", \"note\", "
                  "\"previous_version\", \"created_by\", \"created_at\"}");
    SetHelpFooter(cmd, "  mlvc deploy v1.0 --env prod -m 'canary passed'\n",
                  "mlvc does not run models: it records what is live where, for deployers to\n"
                  "read (mlvc deployments, mlvc watch). An environment exists from its first\n"
                  "deployment and then names the release live in it as a ref:\n"
                  "'mlvc checkout SERVER/REPO@prod', 'mlvc diff @prod main'.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunDeploy(*args); }; });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = app.add_subcommand("deployments", "List deployments, newest first");
    cmd->add_option("--env,-e", args->environment, "Only this environment");
    cmd->add_flag("--live", args->live_only, "Only what is live now in each environment");
    cmd->add_option("--limit,-n", args->limit, "At most this many (default: all)");
    cmd->add_option("--after", args->after,
                    "Only deployments older than this id (the last of the previous page)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print a JSON array of deployments (see deploy)");
    SetHelpFooter(cmd, "  mlvc deployments --env prod\n  mlvc deployments --live --json\n",
                  "Prints 'ID  ENV  VERSION  @N  deploy|rollback  USER  TIME  (was V)  NOTE'.\n");
    cmd->callback([&invocation, args]() {
      invocation.run = [args]() { return RunDeployments(*args); };
    });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = app.add_subcommand(
        "rollback", "Put back the release live before the current one (maintainers)");
    cmd->add_option("--env,-e", args->environment, "The environment")->required();
    cmd->add_option("-m,--note", args->notes, "Why (kept with the deployment)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json, "Print the recorded deployment as JSON (see deploy)");
    SetHelpFooter(cmd, "  mlvc rollback --env prod -m 'accuracy regression'\n",
                  "An environment's deployments form a stack: deploy pushes a release,\n"
                  "rollback pops back to the one below. After deploying v1, v2, v3, rollbacks\n"
                  "go to v2, then v1, then fail (exit 6: nothing earlier). Redeploying the\n"
                  "live release pushes nothing. Exit 4 for an environment never deployed to.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunRollback(*args); }; });
  }
  {
    auto args = std::make_shared<ReleaseArgs>();
    CLI::App* cmd = app.add_subcommand(
        "watch", "Follow a repository's events (releases, deployments, runs) as they happen");
    cmd->add_option("--after", args->after,
                    "Resume after this event id (the last one you saw): nothing is missed");
    cmd->add_flag("--from-start", args->from_start, "Replay every stored event first");
    cmd->add_flag("--all", args->all, "Every repository's events (server admins)");
    AddTargetFlags(cmd, args.get());
    cmd->add_flag("--json", args->json,
                  "One JSON object per line: {\"id\", \"repository\", \"kind\", \"user\", "
                  "\"created_at\", \"payload\"}");
    SetHelpFooter(cmd,
                  "  mlvc watch --repo resnet50\n"
                  "  mlvc watch --repo resnet50 --after 41 --json\n",
                  "Prints one line per event as it is committed, on whichever server replica,\n"
                  "and flushes each. Runs until interrupted (Ctrl-C: exit 0). Without --after\n"
                  "or --from-start only new events are shown. If the server goes away it\n"
                  "exits 7; run it again with --after LAST_ID to continue.\n");
    cmd->callback(
        [&invocation, args]() { invocation.run = [args]() { return RunWatch(*args); }; });
  }
}

}  // namespace mlvc::client::cli
