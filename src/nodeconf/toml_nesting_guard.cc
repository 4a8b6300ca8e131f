#include "nodeconf/toml_nesting_guard.h"

namespace nodeconf {
namespace {

enum class State { kNormal, kComment, kBasic, kLiteral, kMultilineBasic, kMultilineLiteral };

class Scanner {
 public:
  Scanner(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  std::optional<std::string> run() {
    while (pos_ < text_.size()) {
      if (auto error = step()) return error;
    }
    return std::nullopt;
  }

 private:
  std::optional<std::string> step() {
    const char c = text_[pos_];
    switch (state_) {
      case State::kNormal:
        return step_normal(c);
      case State::kComment:
        if (c == '\n') state_ = State::kNormal;
        break;
      case State::kBasic:
        if (c == '\\') {
          advance();
        } else if (c == '"' || c == '\n') {
          state_ = State::kNormal;
        }
        break;
      case State::kLiteral:
        if (c == '\'' || c == '\n') state_ = State::kNormal;
        break;
      case State::kMultilineBasic:
        if (c == '\\') {
          advance();
        } else if (closes_multiline('"')) {
          return std::nullopt;
        }
        break;
      case State::kMultilineLiteral:
        if (closes_multiline('\'')) return std::nullopt;
        break;
    }
    advance();
    return std::nullopt;
  }

  std::optional<std::string> step_normal(char c) {
    switch (c) {
      case '#':
        state_ = State::kComment;
        break;
      case '"':
        state_ = opens_multiline('"') ? State::kMultilineBasic : State::kBasic;
        break;
      case '\'':
        state_ = opens_multiline('\'') ? State::kMultilineLiteral : State::kLiteral;
        break;
      case '.':
        if (++dots_ >= kMaxDottedKeyParts) {
          return error("keys with more than " + std::to_string(kMaxDottedKeyParts) +
                       " dotted parts are not supported");
        }
        break;
      case '[':
      case '{':
        dots_ = 0;
        if (++depth_ > kMaxBracketDepth) {
          return error("arrays and tables nested more than " + std::to_string(kMaxBracketDepth) +
                       " levels deep are not supported");
        }
        break;
      case ']':
      case '}':
        dots_ = 0;
        if (depth_ > 0) --depth_;
        break;
      case '\n':
      case '=':
      case ',':
        dots_ = 0;
        break;
      default:
        break;
    }
    advance();
    return std::nullopt;
  }

  // At an opening quote: consumes the two extra quotes of a multi-line delimiter.
  bool opens_multiline(char quote) {
    if (text_.substr(pos_, 3) != std::string(3, quote)) return false;
    advance();
    advance();
    return true;
  }

  // Inside a multi-line string: a run of three to five quotes ends it (up to two of them
  // belong to the content).
  bool closes_multiline(char quote) {
    if (text_.substr(pos_, 3) != std::string(3, quote)) return false;
    for (int i = 0; i < 3; ++i) advance();
    for (int extra = 0; extra < 2 && pos_ < text_.size() && text_[pos_] == quote; ++extra) {
      advance();
    }
    state_ = State::kNormal;
    return true;
  }

  void advance() {
    if (pos_ >= text_.size()) return;
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  std::string error(const std::string& what) const {
    return std::string(source_) + ":" + std::to_string(line_) + ":" + std::to_string(column_) +
           ": " + what;
  }

  std::string_view text_;
  std::string_view source_;
  State state_ = State::kNormal;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  int dots_ = 0;
  int depth_ = 0;
};

}  // namespace

std::optional<std::string> check_toml_nesting(std::string_view text, std::string_view source) {
  return Scanner(text, source).run();
}

}  // namespace nodeconf
