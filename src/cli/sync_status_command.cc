#include "cli/sync_status_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/access_flags.h"
#include "cli/sync_status_text.h"
#include "transfer/open_store.h"

namespace cli {
namespace {

constexpr int kAnswered = 0;
constexpr int kFailed = 1;
constexpr int kUsageError = 2;

struct StatusFlags {
  std::string server;
  bool json = false;
  AccessFlags access;
};

int fail_with(const std::string& message, int status) {
  fmt::print(stderr, "regmirror sync status: {}\n", message);
  return status;
}

struct ServerAddress {
  std::string host;   // host[:port]
  bool http = false;  // http:// given: plain HTTP allowed
};

// "https://host:port", "http://host:port" or "host:port"; a path other than "/" is refused.
oci::Result<ServerAddress> parse_server(std::string_view given) {
  std::string_view url = given;
  ServerAddress address;
  if (url.starts_with("http://")) {
    address.http = true;
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
  }
  if (url.ends_with("/")) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@") != std::string_view::npos) {
    return oci::fail(
        oci::ErrorCode::kInternal,
        fmt::format("\"{}\" is not a registry address (http[s]://HOST[:PORT])", given));
  }
  address.host = std::string(url);
  return address;
}

int run_status(StatusFlags& flags) {
  auto address = parse_server(flags.server);
  if (!address) return fail_with(address.error().message, kUsageError);
  if (auto loaded = load_registries_conf(flags.access); !loaded) {
    return fail_with(loaded.error().message, kUsageError);
  }
  auto access = access_options(flags.access, nullptr);
  if (!access) return fail_with(access.error().message, kUsageError);
  if (address->http) access->tls_verify = false;
  transfer::StoreOpener opener(flags.access.state_dir);
  auto client = opener.client_for(address->host, *access);
  if (!client) return fail_with(client.error().message, kFailed);
  auto body = (*client)->get_json("/regmirror/v1/sync");
  if (!body) return fail_with(body.error().message, kFailed);
  if (flags.json) {
    fmt::print("{}\n", *body);
    return kAnswered;
  }
  auto text = sync_status_text(*body, address->host);
  if (!text) return fail_with(text.error().message, kFailed);
  fmt::print("{}", *text);
  return kAnswered;
}

}  // namespace

void add_sync_status_command(CLI::App& sync) {
  auto flags = std::make_shared<StatusFlags>();
  auto* status = sync.add_subcommand(
      "status", "Show the scheduled sync sets of a regmirror serve: last run, next run, errors");
  status->footer(
      "Examples:\n"
      "  regmirror sync status --server https://mirror.example.com:5000\n"
      "  regmirror sync status --server http://127.0.0.1:5000 --json\n"
      "Credentials and TLS trust as for the other commands (auth files, --creds, certs.d).\n"
      "Exit status: 0 the server answered, 1 it could not be asked, 2 usage error.\n"
      "Guide: docs/sync.md");
  const CLI::Validator address(
      [](const std::string& value) {
        auto parsed = parse_server(value);
        return parsed ? std::string() : parsed.error().message;
      },
      "URL");
  status->add_option("--server", flags->server, "the registry: http[s]://HOST[:PORT]")
      ->required()
      ->check(address);
  status->add_flag("--json", flags->json, "print the server's JSON (GET /regmirror/v1/sync)");
  add_access_flags(*status, flags->access, Sides::kOne);
  status->callback([flags] { throw CLI::RuntimeError(run_status(*flags)); });
}

}  // namespace cli
