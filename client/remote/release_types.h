// Plain values of the release calls (ReleaseService, proto/mlvc/v1/release.proto): releases,
// deployments and events, so that no protobuf type leaves client/remote.
// Requires: nothing. Used by: client/remote (remote.h), client/ops, client/cli.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlvc::client::remote {

// A validation run recorded at a release's changeset, in short.
struct ValidationSummary {
  int64_t run_id = 0;
  std::string name;
  std::string user;
  bool succeeded = true;
  std::vector<std::pair<std::string, double>> metrics;  // single values, by key
};

// A release: a label with notes, and where it is live now.
struct ReleaseInfo {
  std::string version;
  int64_t number = 0;
  std::string notes;
  std::string created_by;
  int64_t created_at_micros = 0;
  std::vector<std::string> live_in;
  // Filled by CreateRelease and GetRelease (not by listings), newest first.
  std::vector<ValidationSummary> validations;
};

enum class DeploymentKind { kDeploy, kRollback };

struct DeploymentInfo {
  int64_t id = 0;
  std::string environment;
  std::string version;
  int64_t number = 0;
  DeploymentKind kind = DeploymentKind::kDeploy;
  std::string note;
  std::string created_by;
  int64_t created_at_micros = 0;
  std::string previous_version;  // empty for an environment's first deployment
};

// One event of the stream (Watch).
struct EventInfo {
  int64_t id = 0;
  std::string repository;
  std::string kind;
  int64_t created_at_micros = 0;
  std::string user;
  std::string payload_json;  // a JSON object
};

}  // namespace mlvc::client::remote
