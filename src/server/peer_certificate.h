// Who a verified client certificate names (mTLS): the user the connection speaks for.
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace server {

// The subject CN of the certificate the client presented on `ssl`, when OpenSSL verified it
// against the client CAs; "" when there is none, it did not verify, or its CN is missing,
// repeated, empty or holds control characters (a user name must be one plain string).
std::string verified_common_name(SSL* ssl);

// The same for a certificate already known to be verified.
std::string common_name(X509* certificate);

}  // namespace server
