#include "client/auth_challenge.h"

#include <algorithm>
#include <cctype>

namespace client {
namespace {

// RFC 7230 tchar.
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_spaces() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  // Spaces and empty list elements: ", ,Bearer" is allowed by RFC 7230's #rule.
  void skip_separators() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',')) ++pos_;
  }
  std::string_view token() {
    const auto start = pos_;
    while (!done() && is_token_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // An unquoted value: a token by the RFC, but servers send URLs unquoted too.
  std::string_view bare_value() {
    const auto start = pos_;
    while (!done() && text_[pos_] != ',' && text_[pos_] != ' ' && text_[pos_] != '\t') ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::optional<std::string> quoted_string() {
    ++pos_;  // opening quote
    std::string value;
    while (!done()) {
      const char c = text_[pos_++];
      if (c == '"') return value;
      if (c == '\\' && !done()) {
        value.push_back(text_[pos_++]);
      } else {
        value.push_back(c);
      }
    }
    return std::nullopt;  // unterminated
  }
  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string Challenge::param(std::string_view name) const {
  const auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_challenges(std::string_view header) {
  std::vector<Challenge> challenges;
  Scanner in(header);
  in.skip_separators();
  while (!in.done()) {
    const auto scheme = in.token();
    if (scheme.empty()) break;
    Challenge challenge{lower(scheme), {}};
    // Parameters until a token that is not followed by '=' (the next challenge's scheme).
    while (true) {
      in.skip_separators();
      const auto mark = in.pos();
      const auto name = in.token();
      if (name.empty()) break;
      in.skip_spaces();
      if (in.peek() != '=') {
        in.seek(mark);
        break;
      }
      in.seek(in.pos() + 1);
      in.skip_spaces();
      std::string value;
      if (in.peek() == '"') {
        auto quoted = in.quoted_string();
        if (!quoted) {
          challenges.push_back(std::move(challenge));
          return challenges;
        }
        value = std::move(*quoted);
      } else {
        value = std::string(in.bare_value());
      }
      challenge.params[lower(name)] = std::move(value);
    }
    challenges.push_back(std::move(challenge));
    in.skip_separators();
  }
  return challenges;
}

std::optional<Challenge> find_challenge(const std::vector<Challenge>& challenges,
                                        std::string_view scheme) {
  for (const auto& c : challenges) {
    if (c.scheme == scheme) return c;
  }
  return std::nullopt;
}

}  // namespace client
