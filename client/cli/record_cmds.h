// Pieces shared by the ML record's command files (run_cmd.cc, push_model_cmd.cc,
// question_cmds.cc, review_cmd.cc, policy_cmd.cc): the run options and the repository flags.
// Requires: CLI11, client/ops. Used by: those command files only.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "client/cli/repo_target.h"
#include "client/ops/record_ops.h"

namespace mlvc::client::cli {

// --repo and --server, as the other commands that may run outside a working copy.
struct TargetFlags {
  std::string server;
  std::string repo;
};
void AddTargetFlags(CLI::App* cmd, TargetFlags* flags);

// --kind (unless `with_kind` is false), --name, --params/--param, --metrics/--metric,
// --input, --output, --env, --env-var.
void AddRunOptionFlags(CLI::App* cmd, ops::RunOptions* options);

// The text of the run options for a command's help footer.
extern const char kRunOptionsDetails[];

// The ref a question is about when none is given: the working copy's branch (its head)
// inside one, else "" (main).
std::string DefaultQuestionRef(const RepoTarget& target);

// "@REF" or "REF" -> "REF" ("@12" -> "12", which the server reads as changeset 12).
std::string StripAt(const std::string& ref);

}  // namespace mlvc::client::cli
