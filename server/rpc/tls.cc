#include "server/rpc/tls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "grpcpp/security/tls_credentials_options.h"

namespace mlvc::server::rpc {
namespace {

// How often the provider looks at the staged file: the delay between a reload and its effect.
constexpr unsigned int kRefreshSeconds = 1;
// A PEM chain or key is a few KiB; anything this big is not one.
constexpr std::uintmax_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;

absl::Status Invalid(const std::string& sentence) {
  return absl::InvalidArgumentError(sentence);
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& what) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Invalid("cannot read the TLS " + what + " " + path + ": " + ec.message());
  if (size > kMaxPemBytes) return Invalid("the TLS " + what + " " + path + " is too big");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    return Invalid("cannot read the TLS " + what + " " + path + ": " + std::strerror(errno));
  }
  return text.str();
}

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never asks for a passphrase: mlvcd runs unattended, and OpenSSL's default would prompt on
// the terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

// Every certificate of the PEM text, in order.
std::vector<Cert> ParseChain(const std::string& pem) {
  std::vector<Cert> chain;
  Bio bio = MemoryBio(pem);
  while (bio != nullptr) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (cert == nullptr) break;
    chain.push_back(std::move(cert));
  }
  ERR_clear_error();  // the end of the text shows as an error in OpenSSL's queue
  return chain;
}

Key ParseKey(const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Key key(bio == nullptr ? nullptr
                         : PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  return key;
}

// The key (PKCS#8) then the chain, re-encoded: whatever else the operator's files held
// (EC parameters, comments) stays out, so gRPC reads exactly one key and the chain.
absl::StatusOr<std::string> EncodeIdentity(EVP_PKEY* key, const std::vector<Cert>& chain) {
  Bio out(BIO_new(BIO_s_mem()));
  bool ok = out != nullptr &&
            PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  for (const Cert& cert : chain) ok = ok && PEM_write_bio_X509(out.get(), cert.get()) == 1;
  ERR_clear_error();
  if (!ok) return absl::InternalError("cannot encode the TLS certificate and key");
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::InternalError("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Writes `data` to `path` with mode 0600 and modification time `mtime`.
absl::Status WritePrivateFile(const std::string& path, const std::string& data,
                              std::time_t mtime) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("create", path);
  size_t done = 0;
  absl::Status status;
  while (status.ok() && done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoError("write", path);
    } else {
      done += static_cast<size_t>(n);
    }
  }
  timespec times[2] = {{0, UTIME_OMIT}, {mtime, 0}};
  if (status.ok() && ::futimens(fd, times) != 0) status = ErrnoError("set the time of", path);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("close", path);
  return status;
}

std::string TempRoot() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

}  // namespace

TlsIdentity::TlsIdentity(std::string cert_path, std::string key_path, std::string staging_dir)
    : cert_path_(std::move(cert_path)),
      key_path_(std::move(key_path)),
      staging_dir_(std::move(staging_dir)),
      staged_path_(staging_dir_ + "/identity.pem") {}

TlsIdentity::~TlsIdentity() {
  // The provider's refresh thread stops with its last reference, which the servers made
  // from it have dropped by now (they must not outlive this object).
  provider_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(staging_dir_, ignored);
}

absl::StatusOr<std::unique_ptr<TlsIdentity>> TlsIdentity::Create(const std::string& cert_path,
                                                                 const std::string& key_path) {
  // mkdtemp makes the folder 0700: the staged key is readable by this user only.
  std::string pattern = TempRoot() + "/mlvcd-tls-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return ErrnoError("create", pattern);
  std::unique_ptr<TlsIdentity> identity(new TlsIdentity(cert_path, key_path, pattern));
  {
    absl::MutexLock lock(&identity->mu_);
    absl::Status staged = identity->Stage();
    if (!staged.ok()) return staged;
  }
  identity->provider_ = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity->staged_path_, identity->staged_path_, kRefreshSeconds);
  return identity;
}

absl::Status TlsIdentity::Reload() {
  absl::MutexLock lock(&mu_);
  return Stage();
}

absl::Status TlsIdentity::Stage() {
  absl::StatusOr<std::string> cert_pem = ReadPem(cert_path_, "certificate");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadPem(key_path_, "key");
  if (!key_pem.ok()) return key_pem.status();
  std::vector<Cert> chain = ParseChain(*cert_pem);
  if (chain.empty()) {
    return Invalid("the TLS certificate " + cert_path_ + " holds no PEM certificate");
  }
  Key key = ParseKey(*key_pem);
  if (key == nullptr) {
    return Invalid("the TLS key " + key_path_ +
                   " holds no PEM private key (an encrypted key is not supported)");
  }
  int matches = X509_check_private_key(chain.front().get(), key.get());
  ERR_clear_error();
  if (matches != 1) {
    return Invalid("the TLS key " + key_path_ + " does not belong to the certificate " +
                   cert_path_);
  }
  absl::StatusOr<std::string> identity = EncodeIdentity(key.get(), chain);
  if (!identity.ok()) return identity.status();

  const std::time_t mtime = std::max(std::time(nullptr), last_staged_mtime_ + 1);
  const std::string temp = staged_path_ + ".new";
  absl::Status written = WritePrivateFile(temp, *identity, mtime);
  if (written.ok() && ::rename(temp.c_str(), staged_path_.c_str()) != 0) {
    written = ErrnoError("rename to", staged_path_);
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  last_staged_mtime_ = mtime;
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> TlsIdentity::ServerCredentials() const {
  grpc::experimental::TlsServerCredentialsOptions options(provider_);
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace mlvc::server::rpc
