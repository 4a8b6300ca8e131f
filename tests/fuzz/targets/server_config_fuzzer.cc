// libFuzzer target for `regmirror serve --config`: the whole YAML file, its `auth:` section
// with groups and access rules included, and `mirror.sync` with its cron schedules.
// Invariants: the parser returns (no exception, no crash), a configuration it accepts gives
// rules that build or an error naming why, and every schedule it accepts has a next run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/auth_config.h"
#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = server::parse_server_config(text, "fuzz.yaml");
  if (config && config->auth.enabled()) {
    auto rules = server::effective_rules(config->auth);
    if (!rules && rules.error().message.empty()) __builtin_trap();
  }
  if (config) {
    const auto now = imagesync::Clock::now();
    for (const auto& set : config->sync_sets) {
      if (set.name.empty() || set.schedule.first_run(now) < now ||
          set.schedule.next_run(now, now) == imagesync::Clock::time_point::max()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
