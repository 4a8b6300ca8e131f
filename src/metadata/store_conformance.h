// The one suite every metadata::Store passes. A backend's test instantiates it with a factory
// that opens the backend's store kept in a directory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            testing::Values(metadata::StoreFactory(open_in_directory)));
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>

#include "metadata/store.h"

namespace metadata {

// Opens the store kept in `directory`. Each test hands it a fresh, empty directory; opening
// the same directory again must show the same data. (A server's store maps the directory to
// a database of its own.) A factory whose backend is not installed calls GTEST_SKIP() and
// returns an error: the test is skipped.
using StoreFactory =
    std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& directory)>;

// Test names carry a printed parameter; a factory has nothing worth printing (the
// instantiation's prefix already names the backend).
inline void PrintTo(const StoreFactory&, std::ostream* out) { *out << "factory"; }

class StoreConformance : public testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes the store and opens it again from the same directory.
  void reopen();

  std::filesystem::path directory_;
  std::unique_ptr<Store> store_;
};

// Rows as the schema before garbage collection held them (SQLite's version 3, PostgreSQL's 2),
// in SQL both read; and the checks of what the migration for garbage collection made of them.
// Each backend's test makes such a database, opens it as a store, and checks.
extern const char* const kRowsBeforeGc;
void expect_rows_upgraded_for_gc(Store& store);

}  // namespace metadata
