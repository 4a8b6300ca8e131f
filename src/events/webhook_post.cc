#include "events/webhook_post.h"

#include <curl/curl.h>

#include <memory>

namespace events {
namespace {

// The answer's body is not needed: only its status says whether the event arrived.
std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

int abort_when_stopped(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(stop)->stop_requested() ? 1 : 0;
}

}  // namespace

void WebhookClient::Cleanup::operator()(void* curl) const { curl_easy_cleanup(curl); }

WebhookClient::WebhookClient() : curl_(curl_easy_init()) {}

oci::Result<long> WebhookClient::post(const WebhookRequest& request, const std::stop_token& stop) {
  if (!curl_) return oci::fail(oci::ErrorCode::kInternal, "curl_easy_init failed");
  curl_slist* list = nullptr;
  const std::string content_type = "Content-Type: " + request.content_type;
  list = curl_slist_append(list, content_type.c_str());
  for (const std::string& header : request.headers) list = curl_slist_append(list, header.c_str());
  // A body is sent at once, not after "Expect: 100-continue" and a pause.
  list = curl_slist_append(list, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, &curl_slist_free_all);

  CURL* handle = curl_.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "regmirror-events");
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &abort_when_stopped);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA,
                   const_cast<std::stop_token*>(&stop));  // read only, by abort_when_stopped
  // Webhooks are plain HTTP(S) endpoints: no other protocol, no redirect to elsewhere.
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    return oci::fail(oci::ErrorCode::kInternal, std::string(curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace events
