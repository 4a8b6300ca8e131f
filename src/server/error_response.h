// oci::Error -> the distribution-spec's status code and JSON error body.
#pragma once

#include "oci/error.h"
#include "server/http.h"

namespace server {

http::status status_for(oci::ErrorCode code);

// {"errors":[{"code":"...","message":"...","detail":...}]}
std::string error_body(const oci::Error& error);

}  // namespace server
