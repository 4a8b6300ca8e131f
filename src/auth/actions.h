// The actions a registry grants on a repository, as a small set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

enum class Action : std::uint8_t { kPull = 1, kPush = 2, kDelete = 4 };

class ActionSet {
 public:
  constexpr ActionSet() = default;
  constexpr ActionSet(std::initializer_list<Action> actions) {
    for (Action action : actions) insert(action);
  }
  static constexpr ActionSet all() { return {Action::kPull, Action::kPush, Action::kDelete}; }

  constexpr void insert(Action action) { bits_ |= static_cast<std::uint8_t>(action); }
  constexpr bool contains(Action action) const {
    return (bits_ & static_cast<std::uint8_t>(action)) != 0;
  }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr ActionSet operator&(ActionSet other) const { return from_bits(bits_ & other.bits_); }
  constexpr ActionSet operator|(ActionSet other) const { return from_bits(bits_ | other.bits_); }
  constexpr bool operator==(const ActionSet&) const = default;

 private:
  static constexpr ActionSet from_bits(std::uint8_t bits) {
    ActionSet set;
    set.bits_ = bits;
    return set;
  }
  std::uint8_t bits_ = 0;
};

// "pull", "push", "delete"; nullopt for any other word.
std::optional<Action> parse_action(std::string_view word);
std::string_view action_name(Action action);

// "pull,push,delete" in that order, the form of a Docker scope; "" when empty.
std::string format_actions(ActionSet actions);

}  // namespace auth
