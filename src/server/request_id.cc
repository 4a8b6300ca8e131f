#include "server/request_id.h"

#include <algorithm>
#include <random>

namespace server {

bool sane_request_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c <= '~'; });
}

void new_request_id(std::string& out) {
  // One generator per thread, seeded from the kernel: no lock, and ids from two threads or
  // two processes do not repeat each other.
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) | device();
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(32);
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    for (std::size_t i = 0; i < 16; ++i, bits >>= 4) out[half * 16 + i] = kHex[bits & 0xf];
  }
}

}  // namespace server
