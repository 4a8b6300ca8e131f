#include "server/caller.h"

#include <algorithm>

namespace server {

bool Caller::may(auth::Action action, std::string_view repository) const {
  if (rules == nullptr) return true;
  if (!token) return rules->may(auth::Identity{user}, action, repository);
  const std::string_view wanted = auth::action_name(action);
  return std::ranges::any_of(token->access, [&](const auth::Scope& scope) {
    return scope.type == "repository" && scope.name == repository &&
           std::ranges::any_of(scope.actions, [&](const std::string& word) {
             return word == wanted || word == "*";
           });
  });
}

bool Caller::rules_allow(auth::Action action, std::string_view repository) const {
  return rules == nullptr || rules->may(auth::Identity{user}, action, repository);
}

bool Caller::may_list_catalog() const {
  if (rules == nullptr || !token) return true;
  return std::ranges::any_of(token->access, [](const auth::Scope& scope) {
    return scope.type == "registry" && scope.name == "catalog";
  });
}

}  // namespace server
