#include "sync/destination_health.h"

#include <fmt/format.h>

namespace imagesync {

bool DestinationHealth::is_transport_failure(const oci::Error& error) {
  return error.code == oci::ErrorCode::kInternal;
}

bool DestinationHealth::record(const oci::Error* failure) {
  std::lock_guard lock(mutex_);
  if (down_reason_) return false;
  if (failure == nullptr || !is_transport_failure(*failure)) {
    failures_in_a_row_ = 0;
    return false;
  }
  if (++failures_in_a_row_ < threshold_) return false;
  down_reason_ = fmt::format("{} transport failures in a row, the last: {}", failures_in_a_row_,
                             failure->message);
  return true;
}

bool DestinationHealth::down() const {
  std::lock_guard lock(mutex_);
  return down_reason_.has_value();
}

std::optional<std::string> DestinationHealth::down_reason() const {
  std::lock_guard lock(mutex_);
  return down_reason_;
}

}  // namespace imagesync
