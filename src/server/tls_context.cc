#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "sys/small_file.h"

namespace server {
namespace {

using oci::ErrorCode;

constexpr std::uint64_t kMaxPemBytes = std::uint64_t{1} << 20;
// Mozilla's "intermediate" TLS 1.2 suites without DHE, and its TLS 1.3 order: AES-128 first,
// the fastest with AES-NI (OpenSSL's own order starts with AES-256).
constexpr const char* kTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A file's bytes, wiped from memory when done with (a private key).
class Secret {
 public:
  explicit Secret(std::string bytes) : bytes_(std::move(bytes)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// What OpenSSL last complained about (reason strings only: they never quote the input).
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "not understood";
}

std::unexpected<oci::Error> fail(const std::string& message) {
  ERR_clear_error();
  return oci::fail(ErrorCode::kInternal, message);
}

oci::Result<std::string> read_pem(const std::filesystem::path& file, std::string_view what) {
  auto bytes = sys::read_small_file(file, kMaxPemBytes);
  if (!bytes) return fail("cannot read the " + std::string(what) + ": " + bytes.error().message);
  return std::move(*bytes);
}

Bio memory_bio(const std::string& bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// Called by OpenSSL for an encrypted key: there is no passphrase to give.
int no_passphrase(char*, int, int, void* encrypted) {
  *static_cast<bool*>(encrypted) = true;
  return -1;
}

// Every certificate in a PEM file, in order; an error when there is none or one is damaged.
oci::Result<std::vector<Certificate>> read_certificates(const std::filesystem::path& file,
                                                        std::string_view what) {
  auto pem = read_pem(file, what);
  if (!pem) return std::unexpected(pem.error());
  Bio bio = memory_bio(*pem);
  std::vector<Certificate> certificates;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(certificate);
  }
  const unsigned long last = ERR_peek_last_error();
  const bool at_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (certificates.empty()) {
    return fail(file.string() + ": no PEM certificate (\"-----BEGIN CERTIFICATE-----\") in the " +
                std::string(what) + (at_end ? "" : ": " + openssl_reason()));
  }
  if (!at_end) {
    return fail(file.string() + ": certificate " + std::to_string(certificates.size() + 1) +
                " of the " + std::string(what) + " cannot be read: " + openssl_reason());
  }
  ERR_clear_error();
  return certificates;
}

oci::Result<void> use_certificate_chain(SSL_CTX* context, const std::filesystem::path& file) {
  auto chain = read_certificates(file, "TLS certificate");
  if (!chain) return std::unexpected(chain.error());
  if (SSL_CTX_use_certificate(context, chain->front().get()) != 1) {
    return fail(file.string() + ": the TLS certificate cannot be used: " + openssl_reason());
  }
  for (std::size_t i = 1; i < chain->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(context, (*chain)[i].get()) != 1) {
      return fail(file.string() + ": intermediate certificate " + std::to_string(i + 1) +
                  " cannot be used: " + openssl_reason());
    }
  }
  const X509* leaf = chain->front().get();
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
    spdlog::warn("the TLS certificate in {} has expired: clients will refuse it", file.string());
  }
  return {};
}

oci::Result<void> use_private_key(SSL_CTX* context, const TlsConfig& tls) {
  auto pem = read_pem(tls.key, "TLS key");
  if (!pem) return std::unexpected(pem.error());
  const Secret secret(std::move(*pem));
  Bio bio = memory_bio(secret.bytes());
  bool encrypted = false;
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, &encrypted));
  if (!key) {
    if (encrypted) {
      return fail(tls.key.string() +
                  ": the TLS key is encrypted; regmirror needs it without a passphrase");
    }
    return fail(tls.key.string() + ": no PEM private key in the TLS key file: " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    return fail(tls.key.string() + ": the TLS key does not match the certificate in " +
                tls.cert.string());
  }
  return {};
}

// Verification accepts what OpenSSL would refuse: with optional client certificates an
// unverified one only means no user (verified_common_name checks the result).
int accept_any(int, X509_STORE_CTX*) { return 1; }

oci::Result<void> use_client_cas(SSL_CTX* context, const TlsConfig& tls) {
  const ClientAuth mode = tls.effective_client_auth();
  if (mode == ClientAuth::kNone) return {};
  auto cas = read_certificates(tls.client_ca, "client CA file");
  if (!cas) return std::unexpected(cas.error());
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  for (const auto& ca : *cas) {
    // The CertificateRequest names them, so a client with several certificates picks its one.
    if (X509_STORE_add_cert(store, ca.get()) != 1 ||
        SSL_CTX_add_client_CA(context, ca.get()) != 1) {
      return fail(tls.client_ca.string() + ": a client CA cannot be used: " + openssl_reason());
    }
  }
  if (mode == ClientAuth::kRequire) {
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, accept_any);
  }
  return {};
}

int select_http11(SSL*, const unsigned char** out, unsigned char* out_length,
                  const unsigned char* offered, unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no ALPN in the answer: the client decides
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

oci::Result<std::shared_ptr<TlsContext>> load_tls_context(const TlsConfig& tls) {
  auto context = std::make_shared<TlsContext>(TlsContext::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);
  SSL_CTX_set_ciphersuites(native, kTls13Ciphers);
  // Session resumption with client certificates needs a name for this server's sessions.
  static constexpr unsigned char kSessionContext[] = "regmirror";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  if (auto ok = use_certificate_chain(native, tls.cert); !ok) return std::unexpected(ok.error());
  if (auto ok = use_private_key(native, tls); !ok) return std::unexpected(ok.error());
  if (auto ok = use_client_cas(native, tls); !ok) return std::unexpected(ok.error());
  return context;
}

std::string describe_certificate(TlsContext& context) {
  X509* certificate = SSL_CTX_get0_certificate(context.native_handle());
  if (certificate == nullptr) return "no certificate";
  Bio out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), X509_get_subject_name(certificate), 0, XN_FLAG_ONELINE);
  BIO_puts(out.get(), ", serial ");
  i2a_ASN1_INTEGER(out.get(), X509_get0_serialNumber(certificate));
  BIO_puts(out.get(), ", expires ");
  ASN1_TIME_print(out.get(), X509_get0_notAfter(certificate));
  char* text = nullptr;
  const long length = BIO_get_mem_data(out.get(), &text);
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace server
