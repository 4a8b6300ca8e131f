#include "mirror/cluster_lease.h"

#include <unistd.h>

#include <array>
#include <random>
#include <thread>

#include <fmt/format.h>

namespace mirror {

ClusterLease::ClusterLease(const LeaseContext& context, std::string name)
    : context_(context), name_(std::move(name)) {}

ClusterLease::~ClusterLease() {
  if (held_) (void)context_.calls.release(name_, context_.holder);
}

oci::Result<ClusterLease::Outcome> ClusterLease::take(
    const std::function<oci::Result<bool>()>& done_elsewhere,
    const std::function<bool()>& keep_going) {
  while (true) {
    auto held = context_.calls.acquire(name_, context_.holder, context_.timing.ttl);
    if (!held) return std::unexpected(std::move(held.error()));
    if (*held) {
      held_ = true;
      renewed_ = std::chrono::steady_clock::now();
      return Outcome::kHeld;
    }
    std::this_thread::sleep_for(context_.timing.poll_every);
    if (!keep_going()) return Outcome::kStopped;
    auto done = done_elsewhere();
    if (!done) return std::unexpected(std::move(done.error()));
    if (*done) return Outcome::kDoneElsewhere;
  }
}

oci::Result<bool> ClusterLease::keep() {
  const auto now = std::chrono::steady_clock::now();
  if (now - renewed_ < context_.timing.renew_every) return true;
  auto held = context_.calls.acquire(name_, context_.holder, context_.timing.ttl);
  if (held) held_ = *held;
  if (held_) renewed_ = now;
  return held;
}

std::string new_lease_holder() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}/{}/{:08x}", host.data(), ::getpid(), random());
}

}  // namespace mirror
