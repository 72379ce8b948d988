#include "server/core/events.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "server/core/access.h"
#include "server/core/refs.h"

namespace mlvc::server::core {
namespace {

// Events read per query; a watcher far behind catches up a page at a time.
constexpr int kEventPage = 500;
// How long a listener's wait lasts (bounds how fast the hub notices Shutdown) and how long
// it pauses before reconnecting after the connection broke.
constexpr int kListenWaitMs = 250;
constexpr int kReconnectPauseMs = 1000;
// How long a new watcher waits for the listener before relying on re-reads alone.
constexpr int kListenStartMs = 5000;

}  // namespace

absl::Status AppendEvent(store::MetadataTxn& txn, int64_t repo_id, int64_t user_id,
                         const std::string& kind, const std::string& payload_json) {
  return txn.AppendEvent(repo_id, user_id, kind, payload_json).status();
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through
        }
    }
  }
  out.push_back('"');
  return out;
}

void EventPayload::Key(std::string_view key) {
  if (!body_.empty()) body_.push_back(',');
  body_ += JsonQuote(key);
  body_.push_back(':');
}

EventPayload& EventPayload::Add(std::string_view key, std::string_view value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}

EventPayload& EventPayload::Add(std::string_view key, int64_t value) {
  Key(key);
  body_ += std::to_string(value);
  return *this;
}

EventHub::EventHub(store::MetadataStore& store) : store_(store) {}

EventHub::~EventHub() {
  Shutdown();
  if (thread_.joinable()) thread_.join();
}

void EventHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;  // watchers and the listener wait on mu_ conditions that include this
}

int EventHub::active_watchers() const {
  absl::MutexLock lock(&mu_);
  return watchers_;
}

void EventHub::EnsureListening() {
  absl::MutexLock lock(&mu_);
  if (!started_ && !stopping_) {
    started_ = true;
    thread_ = std::thread([this] { ListenLoop(); });
  }
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return listening_ || stopping_; };
  mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(kListenStartMs));
}

void EventHub::ListenLoop() {
  auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::unique_ptr<store::EventListener>> listener = store_.ListenForEvents();
    if (absl::IsUnimplemented(listener.status())) {
      // A store without notifications: watchers re-read every kRereadMs instead.
      absl::MutexLock lock(&mu_);
      listening_ = true;
      return;
    }
    if (listener.ok()) {
      {
        absl::MutexLock lock(&mu_);
        listening_ = true;
        ++generation_;  // notifications may have been lost while not listening: re-read
      }
      for (;;) {
        {
          absl::MutexLock lock(&mu_);
          if (stopping_) return;
        }
        absl::StatusOr<bool> woke = (*listener)->Wait(kListenWaitMs);
        if (!woke.ok()) break;
        if (*woke) {
          absl::MutexLock lock(&mu_);
          ++generation_;
        }
      }
    }
    // Not listening: pause (watchers still re-read on their own), then reconnect.
    absl::MutexLock lock(&mu_);
    listening_ = false;
    ++generation_;
    mu_.AwaitWithTimeout(absl::Condition(&stop), absl::Milliseconds(kReconnectPauseMs));
  }
}

absl::Status EventHub::Watch(const Caller& /*caller: authorized at the edge*/,
                             const WatchRequest& request,
                             const std::function<bool()>& cancelled,
                             const std::function<absl::Status(const store::EventRecord&)>& emit) {
  if (request.after_id < 0) return absl::InvalidArgumentError("after_id must not be negative");
  EnsureListening();
  // Who may watch what, and where to start. The start is read after LISTEN is in force, so
  // an event committed from here on is either read or notified.
  std::optional<int64_t> repo_id;
  int64_t cursor = request.after_id;
  RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
    // Who may watch what is the authorization table's: every repository is for admins.
    if (!request.repository.empty()) {
      ASSIGN_OR_RETURN(store::RepositoryRecord repo, FindRepository(txn, request.repository));
      repo_id = repo.id;
    }
    if (request.after_id == 0 && !request.from_start) {
      ASSIGN_OR_RETURN(cursor, txn.LastEventId());
    }
    return absl::OkStatus();
  }));

  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    ++watchers_;
  }
  struct Leave {
    EventHub* hub;
    ~Leave() {
      absl::MutexLock lock(&hub->mu_);
      --hub->watchers_;
    }
  } leave{this};

  for (;;) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::UnavailableError("the server is shutting down");
      seen = generation_;  // taken before the read: a wake-up during the read is not lost
    }
    std::vector<store::EventRecord> page;
    RETURN_IF_ERROR(store_.RunInTransaction([&](store::MetadataTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(page, txn.ListEvents(repo_id, cursor, kEventPage));
      return absl::OkStatus();
    }));
    for (const store::EventRecord& event : page) {
      if (cancelled()) return absl::CancelledError("the watcher went away");
      RETURN_IF_ERROR(emit(event));
      cursor = event.id;
    }
    if (static_cast<int>(page.size()) == kEventPage) continue;  // more to catch up on

    // Wait for a notification, the re-read interval, cancellation or shutdown.
    const auto reread_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kRereadMs);
    for (;;) {
      bool woke = false;
      {
        absl::MutexLock lock(&mu_);
        auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return generation_ != seen || stopping_;
        };
        mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(kCancelPollMs));
        if (stopping_) return absl::UnavailableError("the server is shutting down");
        woke = generation_ != seen;
      }
      if (cancelled()) return absl::CancelledError("the watcher went away");
      if (woke || std::chrono::steady_clock::now() >= reread_at) break;
    }
  }
}

}  // namespace mlvc::server::core
