// One POST to a webhook with libcurl: the answer's status, or why there is none.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "oci/error.h"

namespace events {

struct WebhookRequest {
  std::string url;
  std::string content_type;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds timeout{10'000};
};

// The HTTP status of the answer; an error when the connection failed, the timeout passed or
// `stop` was requested meanwhile (the transfer is abandoned at once then).
oci::Result<long> post_webhook(const WebhookRequest& request, const std::stop_token& stop);

}  // namespace events
