// The event stream: appending events in the transaction of the change they describe, and
// Watch, which follows a repository's events (or every repository's) live.
//
// Events land in the events table with a NOTIFY that Postgres delivers at commit (so a
// rolled-back event is never seen). One EventHub per server process keeps one listening
// connection (store::EventListener) and wakes its watchers on every notification; each
// watcher then reads the table after the last id it sent. Because the table, not the
// notification, is the source, a watcher resumes from any id, misses nothing when a
// notification is lost (it also re-reads every kRereadMs), and sees events committed
// through any replica sharing the database.
// Requires: store/metadata_store.h. Used by: ReleaseService, RecordService (run.recorded,
// policy.set), server/rpc (Watch).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/core/types.h"
#include "server/store/metadata_store.h"

namespace mlvc::server::core {

// Appends an event in `txn` (the caller's transaction) and NOTIFYs watchers at commit.
// Event appenders are serialized until they commit (ids become visible in order), so call
// it last in the transaction. INVALID_ARGUMENT when payload_json is not a JSON object.
absl::Status AppendEvent(store::MetadataTxn& txn, int64_t repo_id, int64_t user_id,
                         const std::string& kind, const std::string& payload_json);

// A flat JSON object for an event payload: {"version":"v1.0","number":7}.
class EventPayload {
 public:
  EventPayload& Add(std::string_view key, std::string_view value);
  EventPayload& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  EventPayload& Add(std::string_view key, int64_t value);
  std::string Json() const { return "{" + body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_;
};

// JSON string literal of `text` (quoted, escaped).
std::string JsonQuote(std::string_view text);

struct WatchRequest {
  std::string repository;  // empty: every repository (server admins only)
  int64_t after_id = 0;    // resume after this id
  bool from_start = false; // with after_id 0: every stored event first
};

// Thread-safe. One per server; outlives every Watch call it serves.
class EventHub {
 public:
  // How often a watcher re-reads the table without a notification (a lost notification, a
  // listener reconnecting), and how often it checks `cancelled`.
  static constexpr int kRereadMs = 1000;
  static constexpr int kCancelPollMs = 100;

  explicit EventHub(store::MetadataStore& store);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Streams events to `emit`, oldest first: those after request.after_id (or every stored
  // one with from_start, or only new ones), then each new one as it commits. Returns when
  // `cancelled()` turns true (CANCELLED), when `emit` fails (its status), or when Shutdown()
  // is called (UNAVAILABLE "the server is shutting down"); never on its own otherwise.
  // Who may watch which repository is the authorization table's business (every
  // repository: admins). NOT_FOUND unknown repository; INVALID_ARGUMENT negative after_id.
  absl::Status Watch(const Caller& caller, const WatchRequest& request,
                     const std::function<bool()>& cancelled,
                     const std::function<absl::Status(const store::EventRecord&)>& emit);

  // Ends every running Watch promptly and refuses new ones; stops the listener. Idempotent.
  void Shutdown();

  // Watch calls running now (for tests and /metrics).
  int active_watchers() const;

 private:
  // Starts the listener thread on first use and waits (bounded) until it listens, so that a
  // watcher's first read of the table comes after LISTEN is in force.
  void EnsureListening();
  void ListenLoop();

  store::MetadataStore& store_;
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped on every wake-up
  bool listening_ ABSL_GUARDED_BY(mu_) = false;   // LISTEN in force (or polling only)
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace mlvc::server::core
