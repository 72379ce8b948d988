// The authorization table: what every RPC needs of its caller, in one place. Both edges
// (gRPC, and later HTTP) look up the rule of the method they serve and let AccessControl
// (access.h) decide before any handler runs; a method without a rule is refused. A test
// compares the table with every method of every service in the proto descriptors, so a new
// RPC cannot ship unguarded.
//
// Roles (access.h): reader < writer < maintainer per repository; server admins may do
// everything. What each role may do follows from the rules below; README.md has the table.
// Requires: store/access_txn.h (Role). Used by: server/rpc (every call), server/core
// (AccessControl), tests.
#pragma once

#include <string_view>
#include <vector>

#include "server/store/access_txn.h"

namespace mlvc::server::core {

using store::Role;

// Whom an RPC admits.
enum class Scope {
  kPublic,        // anyone, no token (the standard health service)
  kSignedIn,      // any valid token; the service itself narrows what it returns or does
  kRepository,    // at least `role` on the repository the request's `repository` names
  // As kRepository when the request names a repository; server admins only when it names
  // none (a listing across every repository).
  kRepositoryOrAdmin,
  // The request's `user` names the caller (or is empty): allowed, except to service
  // accounts, whose tokens only admins manage; anyone else: server admins only.
  kSelfOrAdmin,
  kAdmin,         // server admins only
};

struct Requirement {
  std::string_view method;  // "mlvc.v1.HistoryService/Submit"
  Scope scope = Scope::kAdmin;
  Role role = Role::kReader;  // kRepository, kRepositoryOrAdmin
  // Completes "you need the writer role on repository 'r' to ..." ("submit changes").
  std::string_view what;
  // A mutation leaves exactly one audit row per call, done or refused: the service writes
  // it in the mutation's transaction; the edge writes the row of a refused call.
  bool mutation = false;
  std::string_view action;  // the audit action of a mutation ("submit", "branch.delete")
  // When the request's bool field of this name is set, `escalated_role` is needed instead
  // of `role` (Unlock's `force`: breaking others' locks is a maintainer's).
  std::string_view escalate_if;
  Role escalated_role = Role::kMaintainer;
  std::string_view escalated_what;
  // When the request's bool field of this name is set, the call changes nothing: it is not
  // a mutation and needs only the reader role (Merge's `preview`).
  std::string_view read_only_if;
  // Carries file data in: counts toward the per-user limit of concurrent uploads.
  bool upload = false;
  // The request's string field naming the repository (kRepository, kRepositoryOrAdmin): a
  // field name, or a path through message fields ("submit.repository").
  std::string_view repository_field = "repository";
};

// The rule of `method` ("package.Service/Method"); nullptr when the table has none.
const Requirement* FindRequirement(std::string_view method);

// Every rule, in table order.
const std::vector<Requirement>& AllRequirements();

}  // namespace mlvc::server::core
