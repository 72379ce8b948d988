// mlvcd: wiring and command line. `mlvcd migrate`, `mlvcd serve`, `mlvcd admin
// create-user|create-token|grant` (bootstrap and recovery on the server host).
// Every failure prints one line "mlvcd: ..." to stderr and exits non-zero.
// `serve` runs until SIGINT or SIGTERM; SIGHUP reloads the TLS certificate and key.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/net/host_port.h"
#include "common/version/version.h"
#include "server/core/access.h"
#include "server/core/admin_service.h"
#include "server/core/authenticator.h"
#include "common/time/duration.h"
#include "server/core/limits.h"
#include "server/rpc/rpc_helper.h"
#include "server/rpc/server.h"
#include "server/rpc/tls.h"
#include "server/store/blob/open_blob_store.h"
#include "server/store/postgres/migrator.h"
#include "server/store/postgres/postgres_metadata_store.h"

namespace {

using mlvc::server::rpc::LogLine;
using mlvc::server::store::CheckSchema;
using mlvc::server::store::BlobLocation;
using mlvc::server::store::Migrate;
using mlvc::server::store::PostgresMetadataStore;

// One line, even when the database's message spans several.
int Fail(const std::string& what, const absl::Status& status) {
  std::string message;
  bool space = false;
  for (char c : status.message()) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !message.empty();
      continue;
    }
    if (space) message += ' ';
    space = false;
    message += c;
  }
  LogLine(absl::StrCat("mlvcd: ", what, ": ", message));
  return 1;
}

int RunMigrate(const std::string& db) {
  absl::Status status = Migrate(db);
  if (!status.ok()) return Fail("migrate failed", status);
  std::cout << "database is up to date" << std::endl;
  return 0;
}

struct TlsFlags {
  std::string cert;
  std::string key;
  bool allow_plaintext = false;
};

// True when `listen` can only be reached from this machine: a loopback host, or a Unix
// socket. An address that does not parse counts as reachable: gRPC may still bind it.
bool LoopbackOnly(const std::string& listen) {
  if (listen.rfind("unix:", 0) == 0) return true;
  absl::StatusOr<mlvc::common::HostPort> host_port = mlvc::common::SplitHostPort(listen);
  return host_port.ok() && mlvc::common::IsLoopbackHost(host_port->host);
}

int RunServe(const std::string& db, const BlobLocation& blobs, const std::string& listen,
             int pool, mlvc::server::rpc::ServerOptions options, const TlsFlags& tls_flags) {
  // Block the signals before any thread starts, so only the waiting thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Tokens travel in every call's metadata: in plaintext only where no one else can listen,
  // unless the operator says otherwise.
  const bool tls = !tls_flags.cert.empty();
  if (!tls && !LoopbackOnly(listen)) {
    if (!tls_flags.allow_plaintext) {
      LogLine(absl::StrCat("mlvcd: refusing to serve plaintext on ", listen,
                           ", which is not a loopback address: give --tls-cert and --tls-key, "
                           "or --allow-plaintext to accept that tokens and data cross the "
                           "network unencrypted"));
      return 1;
    }
    LogLine(absl::StrCat("mlvcd: warning: serving plaintext on ", listen,
                         " (--allow-plaintext): tokens and data cross the network unencrypted"));
  }
  // Declared before the server, so that it outlives it.
  std::unique_ptr<mlvc::server::rpc::TlsIdentity> identity;
  if (tls) {
    auto created = mlvc::server::rpc::TlsIdentity::Create(tls_flags.cert, tls_flags.key);
    if (!created.ok()) return Fail("refusing to start", created.status());
    identity = std::move(*created);
  }

  absl::Status schema = CheckSchema(db);
  if (!schema.ok()) return Fail("refusing to start", schema);
  auto store = PostgresMetadataStore::Open(db, pool);
  if (!store.ok()) return Fail("cannot open the database", store.status());
  auto blob_store = mlvc::server::store::OpenBlobStore(blobs, [](const char* name) {
    return static_cast<const char*>(std::getenv(name));
  });
  if (!blob_store.ok()) return Fail("cannot open the blob store", blob_store.status());
  options.tls = identity.get();
  auto server = mlvc::server::rpc::MlvcServer::Start(listen, **store, **blob_store, options);
  if (!server.ok()) return Fail("cannot start", server.status());

  std::string shown = listen;
  if (size_t colon = listen.rfind(':'); colon != std::string::npos) {
    shown = listen.substr(0, colon + 1) + std::to_string((*server)->port());
  }
  LogLine(absl::StrCat("mlvcd listening on ", shown,
                       tls ? " (TLS, certificate " + tls_flags.cert + ")" : " (plaintext)"));

  std::thread waiter([&signals, &server, &identity] {
    for (;;) {
      int received = 0;
      sigwait(&signals, &received);
      if (received != SIGHUP) {
        LogLine(absl::StrCat("mlvcd: shutting down (signal ", received, ")"));
        (*server)->Shutdown();
        return;
      }
      if (identity == nullptr) {
        LogLine("mlvcd: SIGHUP: nothing to reload (not serving TLS)");
        continue;
      }
      absl::Status reloaded = identity->Reload();
      if (reloaded.ok()) {
        LogLine(absl::StrCat("mlvcd: reloaded the TLS certificate ", identity->cert_path(),
                             "; new connections use it within a second"));
      } else {
        Fail("TLS certificate not reloaded, still serving the previous one", reloaded);
      }
    }
  });
  (*server)->Wait();
  waiter.join();
  return 0;
}

int RunCreateUser(const std::string& db, const std::string& name, bool admin, bool service) {
  absl::Status schema = CheckSchema(db);
  if (!schema.ok()) return Fail("cannot create user", schema);
  auto store = PostgresMetadataStore::Open(db, 1);
  if (!store.ok()) return Fail("cannot open the database", store.status());
  mlvc::server::core::Authenticator auth(**store);
  absl::StatusOr<std::string> token = auth.CreateUser(name, admin, service);
  if (!token.ok()) return Fail("cannot create user", token.status());
  if (service) {
    std::cout << "created service account " << name << "; give it a token with "
              << "'mlvcd admin create-token " << name << "' or 'mlvc admin token create "
              << name << "'" << std::endl;
    return 0;
  }
  std::cout << "created " << (admin ? "admin " : "user ") << name
            << "; its token (shown once) is on the next line" << std::endl;
  std::cout << *token << std::endl;
  return 0;
}

int RunCreateToken(const std::string& db, const std::string& name, const std::string& label,
                   const std::string& expires) {
  std::optional<int64_t> lifetime;
  if (!expires.empty() && expires != "never") {
    absl::StatusOr<int64_t> seconds = mlvc::common::ParseDurationSeconds(expires);
    if (!seconds.ok()) return Fail("cannot create token", seconds.status());
    lifetime = *seconds;
  }
  absl::Status schema = CheckSchema(db);
  if (!schema.ok()) return Fail("cannot create token", schema);
  auto store = PostgresMetadataStore::Open(db, 1);
  if (!store.ok()) return Fail("cannot open the database", store.status());
  mlvc::server::core::Authenticator auth(**store);
  absl::StatusOr<mlvc::server::core::IssuedToken> issued = auth.CreateToken(name, label, lifetime);
  if (!issued.ok()) return Fail("cannot create token", issued.status());
  std::cout << "created token " << issued->record.id << " for " << name
            << "; its secret (shown once) is on the next line" << std::endl;
  std::cout << issued->secret << std::endl;
  return 0;
}

int RunGrant(const std::string& db, const std::string& user, const std::string& repo,
             const std::string& role_name) {
  absl::StatusOr<mlvc::server::core::Role> role = mlvc::server::core::ParseRole(role_name);
  if (!role.ok()) return Fail("cannot grant", role.status());
  absl::Status schema = CheckSchema(db);
  if (!schema.ok()) return Fail("cannot grant", schema);
  auto store = PostgresMetadataStore::Open(db, 1);
  if (!store.ok()) return Fail("cannot open the database", store.status());
  absl::Status granted = mlvc::server::core::GrantRoleAsServer(**store, user, repo, *role);
  if (!granted.ok()) return Fail("cannot grant", granted);
  std::cout << user << " is now " << role_name << " of " << repo << std::endl;
  return 0;
}

// Keeps the server's resident memory flat over a long life. glibc raises its mmap threshold
// each time a large block is freed, after which 1-8 MiB transfer buffers come from the heap
// and stay resident, one heap per thread (arena) of gRPC's pool. Measured with
// `tests/bench/run.sh --full`: after the 1 GiB and 10,000-file cases mlvcd held 512 MiB,
// and its peak over the 4 GiB push and checkout was 560 MiB; with a fixed 256 KiB threshold
// and two arenas, 68 MiB and 115 MiB, with no measurable change in the transfer times.
void ConfigureAllocator() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_ARENA_MAX, 2);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  ConfigureAllocator();
  CLI::App app{"mlvcd: the mlvc version-control server"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version",
      absl::StrCat("mlvcd ", mlvc::kVersion, " (protocol ", mlvc::kProtocolVersion,
                   "; answers mlvc of protocol ", mlvc::kOldestClientProtocol, " to ",
                   mlvc::kProtocolVersion, ")"));
  std::string db;

  CLI::App* migrate = app.add_subcommand("migrate", "Apply database migrations (idempotent)");
  migrate->add_option("--db", db, "PostgreSQL URI, e.g. postgresql://user@host:5432/mlvc")
      ->required();

  BlobLocation blobs;
  std::string listen = "127.0.0.1:7070";
  int pool = 8;
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve gRPC until SIGINT or SIGTERM (SIGHUP reloads the TLS certificate)");
  serve->add_option("--db", db, "PostgreSQL URI")->required();
  serve->add_option("--blobs", blobs.blobs,
                    "Folder holding content blobs (created when missing), or s3://BUCKET/PREFIX "
                    "(credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                    "AWS_SESSION_TOKEN)")
      ->required();
  serve->add_option("--s3-endpoint", blobs.s3_endpoint,
                    "S3-compatible endpoint, http(s)://host[:port] "
                    "(default: AWS's for the region)");
  serve->add_option("--s3-region", blobs.s3_region,
                    "S3 region (default: $AWS_REGION, else us-east-1)");
  serve->add_option("--listen", listen, "Address to listen on (host:port)")->capture_default_str();
  serve->add_option("--pool", pool, "Database connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  mlvc::server::rpc::ServerOptions server_options;
  serve->add_option("--rate-limit", server_options.limits.requests_per_second,
                    "Requests per second per token, sustained (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  serve->add_option("--rate-burst", server_options.limits.burst,
                    "Requests per token allowed at once beyond the sustained rate")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  serve->add_option("--max-uploads-per-user", server_options.limits.uploads_per_user,
                    "Upload streams one user may have open at once (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  TlsFlags tls_flags;
  CLI::Option* tls_cert =
      serve->add_option("--tls-cert", tls_flags.cert,
                        "PEM certificate chain (server certificate first): serve TLS; "
                        "re-read on SIGHUP");
  CLI::Option* tls_key =
      serve->add_option("--tls-key", tls_flags.key, "PEM private key (unencrypted) of --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  serve->add_flag("--allow-plaintext", tls_flags.allow_plaintext,
                  "Serve without TLS on an address other than loopback (tokens and data then "
                  "cross the network unencrypted)")
      ->excludes(tls_cert);

  CLI::App* admin = app.add_subcommand("admin", "Administration");
  admin->require_subcommand(1);
  std::string user_name;
  bool is_admin = false;
  bool is_service = false;
  CLI::App* create_user =
      admin->add_subcommand("create-user", "Create a user and print its token (last line)");
  create_user->add_option("NAME", user_name, "User name")->required();
  create_user->add_flag("--admin", is_admin, "Make the user a server admin");
  create_user->add_flag("--service", is_service,
                        "A service account (CI runners): no token yet; see create-token");
  create_user->add_option("--db", db, "PostgreSQL URI")->required();
  std::string token_label = "issued by mlvcd admin";
  std::string token_expires = "never";
  CLI::App* create_token = admin->add_subcommand(
      "create-token", "Issue a new token for USER and print it (last line): a lost token");
  create_token->add_option("USER", user_name, "User name")->required();
  create_token->add_option("--name", token_label, "The token's name")->capture_default_str();
  create_token->add_option("--expires", token_expires,
                           "Lifetime: 30d, 12h, 90m, or never")->capture_default_str();
  create_token->add_option("--db", db, "PostgreSQL URI")->required();
  std::string grant_repo;
  std::string grant_role;
  CLI::App* grant =
      admin->add_subcommand("grant", "Give USER the ROLE (reader|writer|maintainer) on REPO");
  grant->add_option("USER", user_name, "User name")->required();
  grant->add_option("REPO", grant_repo, "Repository name")->required();
  grant->add_option("ROLE", grant_role, "reader, writer or maintainer")->required();
  grant->add_option("--db", db, "PostgreSQL URI")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*migrate) return RunMigrate(db);
    if (*serve) return RunServe(db, blobs, listen, pool, server_options, tls_flags);
    if (*create_user) return RunCreateUser(db, user_name, is_admin, is_service);
    if (*create_token) return RunCreateToken(db, user_name, token_label, token_expires);
    if (*grant) return RunGrant(db, user_name, grant_repo, grant_role);
  } catch (const std::exception& e) {
    LogLine(absl::StrCat("mlvcd: ", e.what()));
    return 1;
  }
  return 2;
}
