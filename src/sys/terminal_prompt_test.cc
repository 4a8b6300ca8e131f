#include "sys/terminal_prompt.h"

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

namespace sys {
namespace {

// std::cin reading from `text` for the life of the object.
class FakeInput {
 public:
  explicit FakeInput(const std::string& text)
      : input_(text), saved_(std::cin.rdbuf(input_.rdbuf())) {}
  ~FakeInput() {
    std::cin.rdbuf(saved_);
    std::cin.clear();
  }

 private:
  std::istringstream input_;
  std::streambuf* saved_;
};

TEST(Prompt, ReadsOneLineAtATime) {
  // On a terminal prompt() would switch its echo off and on; the lines come from std::cin either
  // way.
  if (stdin_is_terminal()) GTEST_SKIP() << "stdin is a terminal";
  FakeInput input("first\nsecond\r\nlast");
  EXPECT_EQ(prompt("a: ", true), "first");
  EXPECT_EQ(prompt("b: ", false), "second");
  EXPECT_EQ(prompt("c: ", true), "last");
  EXPECT_EQ(prompt("d: ", true), std::nullopt);
}

TEST(Prompt, AnEmptyLineIsAnEmptyAnswer) {
  FakeInput input("\n");
  EXPECT_EQ(prompt("a: ", true), "");
  EXPECT_EQ(prompt("b: ", true), std::nullopt);
}

}  // namespace
}  // namespace sys
