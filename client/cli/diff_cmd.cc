// `mlvc diff [P...]`: local edits against the base versions.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/exit_codes.h"
#include "client/ops/diff.h"
#include "client/ops/local_ops.h"

namespace mlvc::client::cli {
namespace {

struct DiffArgs {
  std::vector<std::string> paths;
  bool json = false;
};

int RunDiff(const DiffArgs& args) {
  absl::StatusOr<std::string> cwd = CurrentDir();
  if (!cwd.ok()) return ReportError(cwd.status(), "");
  absl::StatusOr<wc::WorkingCopy> wc = OpenWorkingCopy(*cwd);
  if (!wc.ok()) return ReportError(wc.status(), "");
  const std::string server = wc->config().server;
  absl::StatusOr<std::vector<std::string>> relpaths = ops::ToRelpaths(*wc, *cwd, args.paths);
  if (!relpaths.ok()) return ReportError(relpaths.status(), server);
  absl::StatusOr<ops::Endpoint> endpoint = EndpointFor(server);
  if (!endpoint.ok()) return ReportError(endpoint.status(), server);
  absl::StatusOr<std::vector<ops::FileDiffText>> diffs = ops::Diff(*wc, *endpoint, *relpaths);
  if (!diffs.ok()) return ReportError(diffs.status(), server);

  if (args.json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const ops::FileDiffText& diff : *diffs) {
      const char* kind = diff.kind == ops::FileDiffText::Kind::kText     ? "text"
                         : diff.kind == ops::FileDiffText::Kind::kBinary ? "binary"
                                                                         : "large";
      nlohmann::json item = {{"path", diff.path}, {"kind", kind}};
      if (diff.kind == ops::FileDiffText::Kind::kText) item["diff"] = diff.text;
      doc.push_back(std::move(item));
    }
    PrintJson(doc);
    return kExitOk;
  }
  for (const ops::FileDiffText& diff : *diffs) {
    switch (diff.kind) {
      case ops::FileDiffText::Kind::kText:
        std::cout << diff.text;
        if (!diff.text.empty() && diff.text.back() != '\n') std::cout << '\n';
        break;
      case ops::FileDiffText::Kind::kBinary:
        std::cout << "Binary file " << diff.path << " differs\n";
        break;
      case ops::FileDiffText::Kind::kLarge:
        std::cout << "Large file " << diff.path << " differs\n";
        break;
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterDiffCommand(CLI::App& app, Invocation& invocation) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "Show local edits against the base version as a unified diff");
  cmd->add_option("PATH", args->paths, "Only these files or folders");
  cmd->add_flag("--json", args->json,
                "Print [{\"path\", \"kind\": \"text|binary|large\", \"diff\"}]");
  SetHelpFooter(cmd, "  mlvc diff\n  mlvc diff configs/train.yaml\n",
                "Each text file's diff is headed '--- a/PATH' and '+++ b/PATH'; a binary file\n"
                "prints 'Binary file PATH differs'.\n");
  cmd->callback([&invocation, args]() { invocation.run = [args]() { return RunDiff(*args); }; });
}

}  // namespace mlvc::client::cli
