// TLS on mlvcd's gRPC port: the server's certificate chain and private key, checked before
// they are used and replaceable while the server runs, without dropping a connection.
//
// How a reload reaches gRPC. gRPC 1.51's public API has exactly one way to give a running
// server new key material: a FileWatcherCertificateProvider, which re-reads a key file and a
// certificate file every refresh interval and hands changed contents to new handshakes
// (connections already open keep their session). Pointed at the operator's files, it would
// pick up whatever is there at the next tick: a half-written file during a renewal, or the
// new key beside the old certificate, and the server would fail every handshake until the
// operator was done. So it watches a private staging folder instead (mode 0700, made by
// Create() and removed by the destructor), and nothing writes there but Create() and
// Reload(), and only a pair that has been validated (both parse, the key matches the
// certificate). The pair is staged as ONE file, the key followed by the chain, given to the
// provider as both its key path and its certificate path, and replaced by a rename: every
// read sees the old pair or the new one, never a mix. The provider reads that file twice
// per tick (once for the key, once for the chain) and re-reads when its modification time
// changed meanwhile; every staged generation gets a later modification time (whole seconds,
// as the provider compares) so that a rename between its two reads is always noticed.
// A reload therefore takes effect within the refresh interval (1 s), not at once.
//
// Requires: gRPC, OpenSSL. Used by: server/rpc/server.cc (MlvcServer::Start),
// server/main.cc (start-up and SIGHUP).
#pragma once

#include <ctime>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"

namespace mlvc::server::rpc {

// The certificate and key mlvcd serves. Thread-safe. Must outlive every server that uses
// its credentials.
class TlsIdentity {
 public:
  // Reads and validates the PEM certificate chain at `cert_path` (the server's certificate
  // first) and the unencrypted PEM private key at `key_path`, and stages them.
  // INVALID_ARGUMENT, as one sentence naming the file, when a file cannot be read, holds no
  // certificate or no usable key, or the key does not belong to the certificate; INTERNAL
  // when the staging folder cannot be made or written.
  static absl::StatusOr<std::unique_ptr<TlsIdentity>> Create(const std::string& cert_path,
                                                             const std::string& key_path);
  // Removes the staging folder.
  ~TlsIdentity();
  TlsIdentity(const TlsIdentity&) = delete;
  TlsIdentity& operator=(const TlsIdentity&) = delete;

  // Reads the same two paths again and, when they validate, stages them: new handshakes use
  // the new pair within about a second; open connections are untouched. On any error
  // (Create()'s, with the same sentences) nothing changes and the previous pair stays in use.
  absl::Status Reload();

  // Credentials for grpc::ServerBuilder::AddListeningPort: TLS with this identity, no client
  // certificates requested. Each call makes new credentials over the same provider.
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;

  const std::string& cert_path() const { return cert_path_; }

 private:
  TlsIdentity(std::string cert_path, std::string key_path, std::string staging_dir);

  // Validates the operator's pair and writes it, as one PEM file, over the staged one.
  absl::Status Stage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string cert_path_;
  const std::string key_path_;
  const std::string staging_dir_;
  const std::string staged_path_;  // staging_dir_/identity.pem: key, then chain

  absl::Mutex mu_;
  // Modification time given to the last staged file; the next one gets a later one.
  std::time_t last_staged_mtime_ ABSL_GUARDED_BY(mu_) = 0;

  // Made once the first pair is staged (it reads the file at construction).
  std::shared_ptr<grpc::experimental::FileWatcherCertificateProvider> provider_;
};

}  // namespace mlvc::server::rpc
