#include "signature/gpg_verify.h"

#include <gpgme.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "nodeconf/signature_payload.h"
#include "signature/gpg_keys.h"
#include "sys/atomic_file.h"
#include "sys/directories.h"

namespace signature {
namespace {

namespace fs = std::filesystem;

struct ContextRelease {
  void operator()(gpgme_ctx_t context) const { gpgme_release(context); }
};
struct DataRelease {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
struct KeyRelease {
  void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using Context = std::unique_ptr<gpgme_context, ContextRelease>;
using Data = std::unique_ptr<gpgme_data, DataRelease>;
using Key = std::unique_ptr<_gpgme_key, KeyRelease>;

std::string gpg_error_text(gpgme_error_t error) { return gpgme_strerror(error); }

oci::Error internal_error(std::string_view what, gpgme_error_t error) {
  return oci::Error{oci::ErrorCode::kInternal, std::string(what) + ": " + gpg_error_text(error)};
}

oci::Error rejected(std::string message) {
  return oci::Error{oci::ErrorCode::kDenied, std::move(message)};
}

// gpgme_check_version must run once before the first context is made.
oci::Result<void> initialise_gpgme() {
  static std::once_flag once;
  static gpgme_error_t engine = GPG_ERR_NO_ERROR;
  std::call_once(once, [] {
    gpgme_check_version(nullptr);
    engine = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
  });
  if (engine != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("no usable gpg for gpgme", engine));
  }
  return {};
}

// A private GNUPGHOME holding only the requirement's keys, removed when it goes away.
class TemporaryGpgHome {
 public:
  static oci::Result<TemporaryGpgHome> create() {
    std::error_code error;
    fs::path parent = fs::temp_directory_path(error);
    if (error) parent = "/tmp";
    sys::Result<fs::path> made = sys::create_temporary_directory(parent, "regmirror-gpg-");
    if (!made) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "creating a temporary GNUPGHOME: " + made.error().message);
    }
    // Nothing may outlive the call and write into the removed directory: gpg would start a
    // gpg-agent for the import (verifying needs none), and would write the trust database
    // after its status output ended, when gpgme has returned already. Key trust is not used:
    // a fresh keyring has none, and the check below, as containers/image's, ignores it.
    if (sys::Result<void> written = sys::write_file_atomically(
            *made / "gpg.conf", "no-autostart\ntrust-model always\nno-auto-check-trustdb\n", 0600);
        !written) {
      std::error_code ignored;
      fs::remove_all(*made, ignored);
      return oci::fail(oci::ErrorCode::kInternal,
                       "writing the temporary GNUPGHOME's gpg.conf: " + written.error().message);
    }
    return TemporaryGpgHome(std::move(*made));
  }
  TemporaryGpgHome(TemporaryGpgHome&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TemporaryGpgHome& operator=(TemporaryGpgHome&&) = delete;
  // gpgme returns from a failed operation before its gpg has exited, and that gpg may still
  // be creating and removing lock files while the directory is removed: removal is retried
  // for a short while until nothing is left.
  ~TemporaryGpgHome() {
    if (path_.empty()) return;
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::error_code error;
      fs::remove_all(path_, error);
      if (!error && !fs::exists(path_, error)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TemporaryGpgHome(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

oci::Result<Context> new_context(const fs::path& home) {
  gpgme_ctx_t raw = nullptr;
  if (gpgme_error_t error = gpgme_new(&raw); error != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("creating a gpgme context", error));
  }
  Context context(raw);
  if (gpgme_error_t error = gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP);
      error != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("selecting OpenPGP in gpgme", error));
  }
  if (gpgme_error_t error =
          gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str());
      error != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("pointing gpgme at its GNUPGHOME", error));
  }
  gpgme_set_armor(raw, 0);
  gpgme_set_textmode(raw, 0);
  gpgme_set_offline(raw, 1);  // never fetch keys from a keyserver or WKD
  return context;
}

oci::Result<Data> data_over(std::string_view bytes) {
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t error = gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), 0);
      error != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("wrapping bytes for gpgme", error));
  }
  return Data(raw);
}

// Where gpg writes the signed payload: memory, refusing more than the limit so that a small
// compressed message cannot expand into gigabytes.
struct BoundedSink {
  std::string bytes;
  bool overflowed = false;

  static ssize_t write(void* handle, const void* buffer, size_t size) {
    auto* sink = static_cast<BoundedSink*>(handle);
    if (sink->bytes.size() + size > nodeconf::kMaxSignatureSize) {
      sink->overflowed = true;
      errno = EFBIG;
      return -1;
    }
    sink->bytes.append(static_cast<const char*>(buffer), size);
    return static_cast<ssize_t>(size);
  }
};

oci::Result<Data> data_into(BoundedSink& sink, gpgme_data_cbs& callbacks) {
  callbacks = gpgme_data_cbs{nullptr, &BoundedSink::write, nullptr, nullptr};
  gpgme_data_t raw = nullptr;
  if (gpgme_error_t error = gpgme_data_new_from_cbs(&raw, &callbacks, &sink);
      error != GPG_ERR_NO_ERROR) {
    return std::unexpected(internal_error("creating gpgme's output", error));
  }
  return Data(raw);
}

// Imports every blob; the fingerprints of the keys gpg took (containers/image's
// importKeysFromBytes: import results without an error).
oci::Result<std::vector<std::string>> import_keys(gpgme_ctx_t context,
                                                  const std::vector<std::string>& blobs) {
  std::vector<std::string> fingerprints;
  for (const std::string& blob : blobs) {
    oci::Result<Data> data = data_over(blob);
    if (!data) return std::unexpected(data.error());
    if (gpgme_error_t error = gpgme_op_import(context, data->get()); error != GPG_ERR_NO_ERROR) {
      return std::unexpected(internal_error("importing the requirement's keys", error));
    }
    const gpgme_import_result_t result = gpgme_op_import_result(context);
    for (gpgme_import_status_t each = result != nullptr ? result->imports : nullptr;
         each != nullptr; each = each->next) {
      if (each->result == GPG_ERR_NO_ERROR && each->fpr != nullptr) {
        fingerprints.emplace_back(each->fpr);
      }
    }
  }
  return fingerprints;
}

// Why gpg did not find the signature good, in words (containers/image prints gpgme's struct).
std::string invalid_signature_reason(gpgme_signature_t sig) {
  const std::string key = sig->fpr != nullptr ? sig->fpr : "(unknown)";
  switch (gpgme_err_code(sig->status)) {
    case GPG_ERR_NO_PUBKEY:
      return "signed by key " + key + ", which is not one of the requirement's keys";
    case GPG_ERR_BAD_SIGNATURE:
      return "bad signature by key " + key + ": the signed data does not match the signature";
    case GPG_ERR_KEY_EXPIRED:
      return "the signing key " + key + " has expired";
    case GPG_ERR_SIG_EXPIRED:
      return "the signature by key " + key + " has expired";
    case GPG_ERR_CERT_REVOKED:
      return "the signing key " + key + " has been revoked";
    case GPG_ERR_NO_ERROR:
      break;
    default:
      return "signature by key " + key + ": " + gpg_error_text(sig->status);
  }
  if (sig->wrong_key_usage) return "key " + key + " may not make signatures";
  if (sig->validity_reason != GPG_ERR_NO_ERROR) {
    return "signature by key " + key + ": " + gpg_error_text(sig->validity_reason);
  }
  return "signature by key " + key + " is not valid";
}

// containers/image's check: sig.Summary == SigSumValid except for key trust.
bool is_good(gpgme_signature_t sig) {
  return sig->status == GPG_ERR_NO_ERROR && sig->validity != GPGME_VALIDITY_NEVER &&
         sig->validity_reason == GPG_ERR_NO_ERROR && !sig->wrong_key_usage;
}

// The primary key's fingerprint when `fingerprint` names a subkey (gpgme reports the key
// that signed; the import results list primary keys), else `fingerprint` itself.
std::string primary_fingerprint(gpgme_ctx_t context, const std::string& fingerprint) {
  gpgme_key_t raw = nullptr;
  if (gpgme_get_key(context, fingerprint.c_str(), &raw, 0) != GPG_ERR_NO_ERROR) {
    return fingerprint;
  }
  Key key(raw);
  return key->fpr != nullptr ? std::string(key->fpr) : fingerprint;
}

}  // namespace

oci::Result<std::string> verify_gpg_signature(const nlohmann::json& raw,
                                              std::string_view signature) {
  if (signature.size() > nodeconf::kMaxSignatureSize) {
    return std::unexpected(rejected("signature larger than " +
                                    std::to_string(nodeconf::kMaxSignatureSize) + " bytes"));
  }
  oci::Result<std::vector<std::string>> blobs = signed_by_key_blobs(raw);
  if (!blobs) return std::unexpected(blobs.error());
  if (auto ready = initialise_gpgme(); !ready) return std::unexpected(ready.error());

  oci::Result<TemporaryGpgHome> home = TemporaryGpgHome::create();
  if (!home) return std::unexpected(home.error());
  oci::Result<Context> context = new_context(home->path());
  if (!context) return std::unexpected(context.error());

  oci::Result<std::vector<std::string>> trusted = import_keys(context->get(), *blobs);
  if (!trusted) return std::unexpected(trusted.error());
  if (trusted->empty()) {
    return std::unexpected(
        rejected("No public keys imported: the requirement's key data holds "
                 "no OpenPGP public key"));
  }

  oci::Result<Data> signed_message = data_over(signature);
  if (!signed_message) return std::unexpected(signed_message.error());
  BoundedSink sink;
  gpgme_data_cbs callbacks{};
  oci::Result<Data> plaintext = data_into(sink, callbacks);
  if (!plaintext) return std::unexpected(plaintext.error());
  const gpgme_error_t verified =
      gpgme_op_verify(context->get(), signed_message->get(), nullptr, plaintext->get());
  if (sink.overflowed) {
    return std::unexpected(rejected("signed payload larger than " +
                                    std::to_string(nodeconf::kMaxSignatureSize) + " bytes"));
  }
  if (verified != GPG_ERR_NO_ERROR) {
    return std::unexpected(
        rejected("not a valid OpenPGP signed message: " + gpg_error_text(verified)));
  }
  const gpgme_verify_result_t result = gpgme_op_verify_result(context->get());
  std::vector<gpgme_signature_t> signatures;
  for (gpgme_signature_t each = result != nullptr ? result->signatures : nullptr; each != nullptr;
       each = each->next) {
    signatures.push_back(each);
  }
  if (signatures.size() != 1) {
    return std::unexpected(
        rejected("Unexpected GPG signature count " + std::to_string(signatures.size())));
  }
  gpgme_signature_t sig = signatures.front();
  if (!is_good(sig)) {
    return std::unexpected(rejected("Invalid GPG signature: " + invalid_signature_reason(sig)));
  }
  const std::string signer = sig->fpr != nullptr ? sig->fpr : "";
  const auto is_trusted = [&](const std::string& fingerprint) {
    return std::ranges::find(*trusted, fingerprint) != trusted->end();
  };
  if (!is_trusted(signer) && !is_trusted(primary_fingerprint(context->get(), signer))) {
    return std::unexpected(rejected("Signature by key " + signer + " is not accepted"));
  }
  return std::move(sink.bytes);
}

}  // namespace signature
