// The one suite every storage::Driver passes (after distribution's driver testsuites).
// A backend's test instantiates it with a factory that returns a fresh, empty driver:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, DriverConformance,
//                            testing::Values(storage::DriverFactory(make_memory_driver)));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>

#include "storage/capabilities.h"
#include "storage/driver.h"

namespace storage {

using DriverFactory = std::function<std::unique_ptr<Driver>()>;

// Test names carry a printed parameter; a factory has nothing worth printing (the
// instantiation's prefix already names the backend).
inline void PrintTo(const DriverFactory&, std::ostream* out) { *out << "factory"; }

class DriverConformance : public testing::TestWithParam<DriverFactory> {
 protected:
  // A factory returns null when its backend is unavailable here (a server that is not
  // installed): the suite is skipped then.
  void SetUp() override {
    driver_ = GetParam()();
    if (!driver_) GTEST_SKIP() << "backend unavailable";
  }

  std::unique_ptr<Driver> driver_;
};

}  // namespace storage
