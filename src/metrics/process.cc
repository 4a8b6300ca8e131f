#include "metrics/process.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace metrics {
namespace {

std::optional<std::string> read_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  return line;
}

// The system's boot time (seconds since the epoch), from the "btime" line of /proc/stat.
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

double or_nan(std::optional<double> value) {
  return value.value_or(std::numeric_limits<double>::quiet_NaN());
}

}  // namespace

std::optional<double> process_start_time_seconds() {
  // Field 22 of /proc/self/stat, in clock ticks after boot. The command name (field 2) may
  // hold spaces, so fields are counted from its closing parenthesis.
  const auto stat = read_line("/proc/self/stat");
  const auto boot = boot_time();
  if (!stat || !boot) return std::nullopt;
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(close + 1));
  std::string field;
  for (int i = 3; i < 22; ++i) fields >> field;
  double ticks = 0;
  if (!(fields >> ticks)) return std::nullopt;
  return *boot + ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<double> process_resident_memory_bytes() {
  std::ifstream in("/proc/self/statm");
  double size = 0;
  double resident = 0;
  if (!(in >> size >> resident)) return std::nullopt;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> process_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count - 1;  // the descriptor listing the directory
}

std::vector<Registration> register_process_metrics(Registry& registry) {
  const double started = or_nan(process_start_time_seconds());
  std::vector<Registration> registrations;
  registrations.push_back(registry.callback("process_start_time_seconds",
                                            "Start time of the process since the Unix epoch.",
                                            Type::kGauge, [started] { return started; }));
  registrations.push_back(
      registry.callback("process_resident_memory_bytes", "Resident memory size in bytes.",
                        Type::kGauge, [] { return or_nan(process_resident_memory_bytes()); }));
  registrations.push_back(registry.callback("process_open_fds", "Number of open file descriptors.",
                                            Type::kGauge,
                                            [] { return or_nan(process_open_fds()); }));
  return registrations;
}

}  // namespace metrics
