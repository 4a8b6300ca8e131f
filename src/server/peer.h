// Who is at the other end of a connection, as far as the transport can tell.
#pragma once

#include <string>

namespace server {

struct Peer {
  std::string address;           // the client's IP address, "-" when unknown
  std::string certificate_user;  // the CN of a verified client certificate (mTLS), else empty
  bool secure = false;           // the connection is TLS
};

}  // namespace server
