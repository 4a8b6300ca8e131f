// POSTs to a webhook with libcurl: the answer's status, or why there is none.
#pragma once

#include <chrono>
#include <memory>
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

// One per deliverer, used by its thread only: it keeps its connection open from one POST to the
// next (a new connection per request, let alone a TLS handshake, costs more than the events).
class WebhookClient {
 public:
  WebhookClient();
  // The HTTP status of the answer; an error when the connection failed, the timeout passed or
  // `stop` was requested meanwhile (the transfer is abandoned at once then).
  oci::Result<long> post(const WebhookRequest& request, const std::stop_token& stop);

 private:
  struct Cleanup {
    void operator()(void* curl) const;
  };
  std::unique_ptr<void, Cleanup> curl_;  // a CURL easy handle: its connection cache
};

}  // namespace events
