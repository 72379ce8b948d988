// The event stream of every repository, and listening for new events: the records and the transaction interface of this aggregate.
// Part of MetadataTxn (metadata_store.h), whose header lists the meaning of each error
// code. Implemented in store/postgres/event_sql.cc.
// Requires: abseil. Used by: server/core.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mlvc::server::store {

// One event of a repository's stream.
struct EventRecord {
  int64_t id = 0;
  std::string repository;         // repository name
  std::string kind;               // "release.created", "deployment", ...
  std::string user;               // user name; empty when none
  std::string payload_json;       // a JSON object
  int64_t created_at_micros = 0;
};

// A dedicated connection that is told when events are committed (on any replica sharing the
// database). It carries no event data: after each wake-up, readers query the events table
// after the last id they saw, so a missed or coalesced notification loses nothing.
// Not thread-safe: one thread waits on it.
class EventListener {
 public:
  virtual ~EventListener() = default;
  // Waits up to `timeout_ms` for notifications. Returns true when at least one arrived,
  // false on timeout. UNAVAILABLE when the connection broke (open a new listener, then
  // re-read the table: notifications sent meanwhile are lost).
  virtual absl::StatusOr<bool> Wait(int timeout_ms) = 0;
};

// Not thread-safe, like the MetadataTxn it is part of.
class EventTxn {
 public:
  virtual ~EventTxn() = default;

  // Appends an event and notifies listeners ('mlvc_events') when the transaction commits;
  // returns its id. Serializes event appenders until commit, so ids become visible in order:
  // call it last in a transaction. INVALID_ARGUMENT when payload_json is not a JSON object.
  virtual absl::StatusOr<int64_t> AppendEvent(int64_t repo_id, std::optional<int64_t> user_id,
                                              const std::string& kind,
                                              const std::string& payload_json) = 0;
  // Events with an id above `after_id`, of `repo_id` only when set, oldest first, at most
  // `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> ListEvents(std::optional<int64_t> repo_id,
                                                              int64_t after_id, int limit) = 0;
  // The highest event id (0 when none).
  virtual absl::StatusOr<int64_t> LastEventId() = 0;
};

}  // namespace mlvc::server::store
