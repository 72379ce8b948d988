// The event stream (migration 0007): appending an event in the caller's transaction with a
// NOTIFY that Postgres delivers at commit, reading events after an id, and the listening
// connection watchers wake up on.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store::internal {

namespace {

constexpr char kChannel[] = "mlvc_events";

}  // namespace

void PrepareEventStatements(pqxx::connection& conn) {
  // One appender at a time until commit: a later appender's id is taken only after the
  // earlier one's rows are visible (Postgres makes a commit visible before it releases the
  // transaction's locks), so ids become visible in id order and a reader that goes on
  // "after the last id seen" never passes over one that commits later. Events are rare
  // (releases, deployments, runs), so the serialization costs little.
  conn.prepare("event_lock", "SELECT pg_advisory_xact_lock(1835823716, 0)");
  // NOTIFY inside the transaction: delivered to listeners when it commits, never when it
  // rolls back. The payload is the id, for logs; listeners re-read the table anyway.
  conn.prepare("event_insert",
               "WITH e AS (INSERT INTO events (repo_id, kind, user_id, payload)"
               " VALUES ($1, $2, $3, $4::jsonb) RETURNING id)"
               " SELECT id, pg_notify('mlvc_events', id::text) FROM e");
  const std::string select =
      "SELECT e.id, r.name, e.kind, COALESCE(u.name, ''), e.payload::text,"
      " (extract(epoch FROM e.created_at) * 1000000)::bigint"
      " FROM events e JOIN repositories r ON r.id = e.repo_id"
      " LEFT JOIN users u ON u.id = e.user_id";
  conn.prepare("event_list_repo",
               select + " WHERE e.repo_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3");
  conn.prepare("event_list_all", select + " WHERE e.id > $1 ORDER BY e.id LIMIT $2");
  conn.prepare("event_last", "SELECT COALESCE(max(id), 0) FROM events");
}

absl::StatusOr<int64_t> PgTxn::AppendEvent(int64_t repo_id, std::optional<int64_t> user_id,
                                           const std::string& kind,
                                           const std::string& payload_json) {
  return Run("append event", [&]() -> absl::StatusOr<int64_t> {
    w_.exec_prepared("event_lock");
    const std::string user = user_id ? std::to_string(*user_id) : "";
    pqxx::result r = w_.exec_prepared("event_insert", repo_id, kind,
                                      user_id ? user.c_str() : nullptr, payload_json);
    return r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<EventRecord>> PgTxn::ListEvents(std::optional<int64_t> repo_id,
                                                           int64_t after_id, int limit) {
  return Run("list events", [&]() -> absl::StatusOr<std::vector<EventRecord>> {
    pqxx::result r = repo_id ? w_.exec_prepared("event_list_repo", *repo_id, after_id, limit)
                             : w_.exec_prepared("event_list_all", after_id, limit);
    std::vector<EventRecord> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      EventRecord e;
      e.id = row[0].as<int64_t>();
      e.repository = row[1].as<std::string>();
      e.kind = row[2].as<std::string>();
      e.user = row[3].as<std::string>();
      e.payload_json = row[4].as<std::string>();
      e.created_at_micros = row[5].as<int64_t>();
      out.push_back(std::move(e));
    }
    return out;
  });
}

absl::StatusOr<int64_t> PgTxn::LastEventId() {
  return Run("last event id", [&]() -> absl::StatusOr<int64_t> {
    return w_.exec_prepared1("event_last")[0].as<int64_t>();
  });
}

namespace {

// Counts notifications; the payload is not needed (readers re-read the table).
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn) : pqxx::notification_receiver(conn, kChannel) {}
  void operator()(const std::string&, int) override { ++received; }
  int received = 0;
};

class PgEventListener final : public EventListener {
 public:
  explicit PgEventListener(std::unique_ptr<pqxx::connection> conn)
      : conn_(std::move(conn)), receiver_(*conn_) {}
  // (The receiver's constructor runs LISTEN on the open connection: it is in force before
  // the caller first reads the table, so an event committed in between is notified.)

  absl::StatusOr<bool> Wait(int timeout_ms) override {
    ErrorFlags flags;
    return Guard("waiting for events", &flags, [&]() -> absl::StatusOr<bool> {
      receiver_.received = 0;
      // Notifications that arrived while we were not waiting are delivered here first.
      if (conn_->get_notifs() > 0) return true;
      const long ms = timeout_ms < 0 ? 0 : timeout_ms;
      conn_->await_notification(ms / 1000, (ms % 1000) * 1000);
      if (!conn_->is_open()) return absl::UnavailableError("event listener connection closed");
      return receiver_.received > 0;
    });
  }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  Receiver receiver_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventListener>> OpenEventListener(const std::string& uri) {
  ErrorFlags flags;
  return Guard("listening for events", &flags,
               [&]() -> absl::StatusOr<std::unique_ptr<EventListener>> {
                 try {
                   auto conn = std::make_unique<pqxx::connection>(uri);
                   return std::unique_ptr<EventListener>(
                       std::make_unique<PgEventListener>(std::move(conn)));
                 } catch (const pqxx::broken_connection& e) {
                   return absl::UnavailableError(
                       absl::StrCat("cannot connect to the metadata database: ", e.what()));
                 }
               });
}

}  // namespace mlvc::server::store::internal
