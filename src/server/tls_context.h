// The OpenSSL context a TLS listener gives its new connections, made from the files the
// configuration names: the certificate chain and its key, and the CAs that client
// certificates must chain to. A context never changes once made: a reload makes a new one
// (tls_reloader.h), and connections keep the one they started with.
#pragma once

#include <memory>
#include <string>

#include "oci/error.h"
#include "server/config.h"
#include "server/stream.h"

namespace server {

// TLS 1.2 and 1.3 (ECDHE with AEAD ciphers for 1.2, AES-128-GCM preferred), ALPN http/1.1 when the
// client offers it, client certificates as tls.client_auth says. An error names the file and what
// is wrong with it, never what it holds.
oci::Result<std::shared_ptr<TlsContext>> load_tls_context(const TlsConfig& tls);

// The certificate a context serves, in one line for the log: subject, serial, expiry.
std::string describe_certificate(TlsContext& context);

}  // namespace server
