#include "client/remote/channel_setup_internal.h"

#include <grpc/support/log.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mlvc::client::remote {
namespace {

// A CA bundle is a few hundred KiB at most (the whole Mozilla set is ~200 KiB): the cap only
// stops a wrong path to some big file from being read whole.
constexpr std::uintmax_t kMaxBundleBytes = 16 << 20;

absl::Status BadCaFile(const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError("cannot use the CA file " + path +
                                    " (from --ca or MLVC_CA): " + why);
}

// True when `pem` holds at least one certificate. gRPC would take any text and fail every
// handshake later with a vaguer message.
bool HoldsCertificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return false;
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  const bool found = cert != nullptr;
  X509_free(cert);
  BIO_free(bio);
  ERR_clear_error();
  return found;
}

void DiscardGrpcLog(gpr_log_func_args*) {}

absl::StatusOr<std::string> ReadCaFile(const std::string& path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return BadCaFile(path, ec.message());
  if (size > kMaxBundleBytes) return BadCaFile(path, "it is too big for a PEM bundle");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return BadCaFile(path, std::strerror(errno));
  if (!HoldsCertificate(text.str())) return BadCaFile(path, "it holds no PEM certificate");
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ServerAddress& address, const std::string& ca_file) {
  if (!address.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> roots = ReadCaFile(ca_file);
    if (!roots.ok()) return roots.status();
    options.pem_root_certs = *roots;
  }
  // Empty roots make gRPC use the system's (or GRPC_DEFAULT_SSL_ROOTS_FILE_PATH's); the name
  // checked is the channel target's host.
  return grpc::SslCredentials(options);
}

void QuietGrpcLogging() {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(DiscardGrpcLog);
}

}  // namespace mlvc::client::remote
