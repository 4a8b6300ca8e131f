#include "auth/actions.h"

namespace auth {

std::optional<Action> parse_action(std::string_view word) {
  if (word == "pull") return Action::kPull;
  if (word == "push") return Action::kPush;
  if (word == "delete") return Action::kDelete;
  return std::nullopt;
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::kPull:
      return "pull";
    case Action::kPush:
      return "push";
    case Action::kDelete:
      return "delete";
  }
  return "";
}

std::string format_actions(ActionSet actions) {
  std::string out;
  for (Action action : {Action::kPull, Action::kPush, Action::kDelete}) {
    if (!actions.contains(action)) continue;
    if (!out.empty()) out += ',';
    out += action_name(action);
  }
  return out;
}

}  // namespace auth
