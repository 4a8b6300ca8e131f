// Helpers for the sys/ tests: a fresh directory per test, and a way to see what a user
// without privileges sees (the tests often run as root, whom permissions do not stop).
#pragma once

#include <filesystem>
#include <functional>

namespace sys::testing {

// A new empty directory, removed with everything in it when dropped.
class TestDirectory {
 public:
  TestDirectory();
  ~TestDirectory();
  TestDirectory(const TestDirectory&) = delete;
  TestDirectory& operator=(const TestDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `check` as a user that permissions apply to (in a child process as "nobody" when
// the test runs as root) and returns what it returned; -1 when the child could not run it.
int run_unprivileged(const std::function<bool()>& check);

}  // namespace sys::testing
