// The connection pool and the transaction runner of PostgresMetadataStore, plus the helpers
// every aggregate file shares. The SQL of each aggregate lives in its own *_sql.cc file.
#include "server/store/postgres/postgres_metadata_store.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/store/postgres/postgres_internal.h"

namespace mlvc::server::store {
namespace internal {

absl::Status ExceptionToStatus(std::string_view what_doing, ErrorFlags* flags);

absl::Status CurrentExceptionToStatus(std::string_view what_doing, ErrorFlags* flags) {
  absl::Status status = ExceptionToStatus(what_doing, flags);
  if (flags->first_error.ok()) flags->first_error = status;
  return status;
}

absl::Status ExceptionToStatus(std::string_view what_doing, ErrorFlags* flags) {
  const std::string doing(what_doing);  // absl::StrCat takes absl::string_view, not std::
  const auto msg = [&](const std::exception& e) { return absl::StrCat(doing, ": ", e.what()); };
  try {
    throw;
  } catch (const pqxx::serialization_failure& e) {
    flags->retryable = true;
    return absl::AbortedError(msg(e));
  } catch (const pqxx::deadlock_detected& e) {
    flags->retryable = true;
    return absl::AbortedError(msg(e));
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(msg(e));
  } catch (const pqxx::foreign_key_violation& e) {
    return absl::NotFoundError(msg(e));
  } catch (const pqxx::check_violation& e) {
    return absl::InvalidArgumentError(msg(e));
  } catch (const pqxx::data_exception& e) {
    return absl::InvalidArgumentError(msg(e));
  } catch (const pqxx::broken_connection& e) {
    flags->broken = true;
    return absl::UnavailableError(msg(e));
  } catch (const pqxx::in_doubt_error& e) {
    flags->broken = true;
    return absl::InternalError(msg(e));
  } catch (const std::exception& e) {
    return absl::InternalError(msg(e));
  } catch (...) {
    return absl::InternalError(absl::StrCat(doing, ": unknown exception"));
  }
}

namespace {

void AppendQuoted(std::string* out, const std::string& value) {
  out->push_back('"');
  for (char ch : value) {
    if (ch == '"' || ch == '\\') out->push_back('\\');
    out->push_back(ch);
  }
  out->push_back('"');
}

}  // namespace

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendQuoted(&out, values[i]);
  }
  out.push_back('}');
  return out;
}

std::string TextArrayLiteral(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (values[i].has_value()) {
      AppendQuoted(&out, *values[i]);
    } else {
      out += "NULL";
    }
  }
  out.push_back('}');
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace internal

using internal::ErrorFlags;

struct PostgresMetadataStore::Impl {
  std::string uri;
  int pool_size = 1;

  std::mutex mu;
  std::condition_variable released;
  std::vector<std::unique_ptr<pqxx::connection>> idle;  // guarded by mu
  int open = 0;                                         // guarded by mu: idle + in use

  // A new connection with every statement declared. UNAVAILABLE when it cannot connect.
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect() {
    ErrorFlags flags;
    return internal::Guard(
        "connecting to the metadata database", &flags,
        [&]() -> absl::StatusOr<std::unique_ptr<pqxx::connection>> {
          try {
            auto conn = std::make_unique<pqxx::connection>(uri);
            internal::PrepareUserStatements(*conn);
            internal::PrepareRepositoryStatements(*conn);
            internal::PrepareChangesetStatements(*conn);
            internal::PrepareTreeAndContentStatements(*conn);
            internal::PrepareAuditStatements(*conn);
            internal::PrepareLabelStatements(*conn);
            internal::PrepareLockStatements(*conn);
            internal::PrepareAccessStatements(*conn);
            internal::PrepareRunStatements(*conn);
            internal::PreparePolicyStatements(*conn);
            internal::PrepareReleaseStatements(*conn);
            internal::PrepareEventStatements(*conn);
            return conn;
          } catch (const pqxx::broken_connection& e) {
            // Connection errors carry libpq's message, which says why (host, auth, ...).
            return absl::UnavailableError(
                absl::StrCat("cannot connect to the metadata database: ", e.what()));
          }
        });
  }

  // Takes an idle connection, or opens one while below pool_size, or waits for a release.
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu);
      released.wait(lock, [&] { return !idle.empty() || open < pool_size; });
      if (!idle.empty()) {
        auto conn = std::move(idle.back());
        idle.pop_back();
        if (conn->is_open()) return conn;
        // Closed underneath us: fall through and replace it (keeping its slot).
      } else {
        ++open;
      }
    }
    auto conn = Connect();
    if (!conn.ok()) Discard();
    return conn;
  }

  void Release(std::unique_ptr<pqxx::connection> conn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      idle.push_back(std::move(conn));
    }
    released.notify_one();
  }

  // Gives up a connection's slot (it broke); the next Acquire opens a replacement.
  void Discard() {
    {
      std::lock_guard<std::mutex> lock(mu);
      --open;
    }
    released.notify_one();
  }

  // One attempt at the body in one transaction on one pooled connection.
  absl::Status RunOnce(const TxnBody& body, ErrorFlags* flags) {
    auto conn_or = Acquire();
    if (!conn_or.ok()) return conn_or.status();
    std::unique_ptr<pqxx::connection> conn = std::move(conn_or).value();
    absl::Status status = internal::Guard("metadata transaction", flags, [&]() -> absl::Status {
      pqxx::work work(*conn);
      internal::PgTxn txn(work, flags);
      absl::Status result = body(txn);
      if (result.ok() && !flags->first_error.ok()) {
        // The body went on after a failed statement: Postgres has already given up on
        // this transaction, so report that failure rather than a commit that did not happen.
        result = absl::Status(flags->first_error.code(),
                              absl::StrCat("transaction rolled back after an error the body "
                                           "ignored: ",
                                           std::string(flags->first_error.message())));
      }
      if (result.ok()) {
        work.commit();
      } else {
        work.abort();
      }
      return result;
    });
    if (flags->broken || !conn->is_open()) {
      conn.reset();
      Discard();
    } else {
      Release(std::move(conn));
    }
    return status;
  }
};

PostgresMetadataStore::PostgresMetadataStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

PostgresMetadataStore::~PostgresMetadataStore() = default;

absl::StatusOr<std::unique_ptr<PostgresMetadataStore>> PostgresMetadataStore::Open(
    const std::string& uri, int pool_size) {
  if (pool_size < 1) return absl::InvalidArgumentError("pool size must be at least 1");
  auto impl = std::make_unique<Impl>();
  impl->uri = uri;
  impl->pool_size = pool_size;
  // Open one connection now so a wrong URI fails here rather than on the first request.
  auto first = impl->Connect();
  if (!first.ok()) return first.status();
  impl->open = 1;
  impl->idle.push_back(std::move(first).value());
  return std::unique_ptr<PostgresMetadataStore>(new PostgresMetadataStore(std::move(impl)));
}

absl::Status PostgresMetadataStore::RunInTransaction(const TxnBody& body) {
  constexpr int kMaxAttempts = 5;
  thread_local std::minstd_rand rng{std::random_device{}()};
  absl::Status status;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      // Jittered backoff so transactions that collided do not collide again in lockstep.
      std::uniform_int_distribution<int> jitter_us(0, 2000 * attempt);
      std::this_thread::sleep_for(std::chrono::microseconds(1000 * attempt + jitter_us(rng)));
    }
    ErrorFlags flags;
    status = impl_->RunOnce(body, &flags);
    // Only a conflict the database reported is retried: an ABORTED the body made up itself
    // (a merge conflict) would come out the same again.
    if (status.ok() || !flags.retryable) return status;
  }
  return status;
}

absl::StatusOr<std::unique_ptr<EventListener>> PostgresMetadataStore::ListenForEvents() {
  return internal::OpenEventListener(impl_->uri);
}

absl::StatusOr<std::string> PostgresMetadataStore::ExplainHistoryForTest(
    int64_t repo_id, int64_t head, const std::string& path, int limit) {
  auto conn_or = impl_->Acquire();
  if (!conn_or.ok()) return conn_or.status();
  std::unique_ptr<pqxx::connection> conn = std::move(conn_or).value();
  ErrorFlags flags;
  auto plan = internal::Guard("explain", &flags, [&]() -> absl::StatusOr<std::string> {
    pqxx::work work(*conn);
    pqxx::result r = work.exec_params(std::string("EXPLAIN ") + internal::kHistoryByPathSql,
                                      repo_id, head, path, limit);
    std::string out;
    for (const auto& row : r) absl::StrAppend(&out, row[0].c_str(), "\n");
    return out;
  });
  if (flags.broken) {
    impl_->Discard();
  } else {
    impl_->Release(std::move(conn));
  }
  return plan;
}

absl::StatusOr<std::string> PostgresMetadataStore::ExplainListLocksForTest(
    int64_t repo_id, const std::string& branch, const std::string& prefix,
    const std::string& after, int limit) {
  auto conn_or = impl_->Acquire();
  if (!conn_or.ok()) return conn_or.status();
  std::unique_ptr<pqxx::connection> conn = std::move(conn_or).value();
  ErrorFlags flags;
  auto plan = internal::Guard("explain", &flags, [&]() -> absl::StatusOr<std::string> {
    pqxx::work work(*conn);
    pqxx::result r = work.exec_params(std::string("EXPLAIN ") + internal::kListLocksSql,
                                      repo_id, branch, prefix, after, limit);
    std::string out;
    for (const auto& row : r) absl::StrAppend(&out, row[0].c_str(), "\n");
    return out;
  });
  if (flags.broken) {
    impl_->Discard();
  } else {
    impl_->Release(std::move(conn));
  }
  return plan;
}

}  // namespace mlvc::server::store
