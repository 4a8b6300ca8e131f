#include "auth/access_rules.h"

#include <fmt/format.h>
#include <algorithm>

namespace auth {
namespace {

constexpr std::string_view kGroupPrefix = "group:";

}  // namespace

oci::Result<AccessRules> AccessRules::make(
    const std::vector<RuleSpec>& rules,
    const std::map<std::string, std::vector<std::string>>& groups) {
  AccessRules made;
  made.groups_.insert(groups.begin(), groups.end());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RuleSpec& spec = rules[i];
    const auto refuse = [i](std::string_view why) {
      return oci::fail(oci::ErrorCode::kUnsupported, fmt::format("access rule {}: {}", i + 1, why));
    };
    oci::Result<RepositoryPattern> pattern = RepositoryPattern::parse(spec.repositories);
    if (!pattern) return refuse(pattern.error().message);
    ActionSet actions;
    for (const std::string& word : spec.actions) {
      const std::optional<Action> action = parse_action(word);
      if (!action) return refuse(fmt::format("unknown action \"{}\"", word));
      actions.insert(*action);
    }
    if (spec.subjects.empty()) return refuse("no subjects");
    for (const std::string& subject : spec.subjects) {
      if (subject.empty()) return refuse("an empty subject");
      if (subject.starts_with(kGroupPrefix) &&
          !made.groups_.contains(std::string_view(subject).substr(kGroupPrefix.size()))) {
        return refuse(fmt::format("unknown group in \"{}\"", subject));
      }
    }
    made.rules_.push_back(Rule{std::move(*pattern), actions, spec.subjects});
  }
  return made;
}

bool AccessRules::applies_to(const Rule& rule, const Identity& identity) const {
  return std::ranges::any_of(rule.subjects, [&](const std::string& subject) {
    if (subject == "anonymous") return identity.anonymous();
    if (identity.anonymous()) return false;
    if (subject == "authenticated") return true;
    if (subject.starts_with(kGroupPrefix)) {
      const auto group = groups_.find(std::string_view(subject).substr(kGroupPrefix.size()));
      return group != groups_.end() &&
             std::ranges::find(group->second, identity.user) != group->second.end();
    }
    return subject == identity.user;
  });
}

ActionSet AccessRules::allowed_actions(const Identity& identity,
                                       std::string_view repository) const {
  ActionSet allowed;
  for (const Rule& rule : rules_) {
    if (rule.pattern.matches(repository) && applies_to(rule, identity)) {
      allowed = allowed | rule.actions;
    }
  }
  return allowed;
}

bool AccessRules::may(const Identity& identity, Action action, std::string_view repository) const {
  return allowed_actions(identity, repository).contains(action);
}

bool AccessRules::may_mount(const Identity& identity, std::string_view source,
                            std::string_view target) const {
  return may(identity, Action::kPull, source) && may(identity, Action::kPush, target);
}

std::vector<std::string> AccessRules::filter_catalog(
    const Identity& identity, const std::vector<std::string>& repositories) const {
  std::vector<std::string> visible;
  for (const std::string& repository : repositories) {
    if (may(identity, Action::kPull, repository)) visible.push_back(repository);
  }
  return visible;
}

std::vector<Scope> AccessRules::grant(const Identity& identity,
                                      const std::vector<Scope>& requested) const {
  std::vector<Scope> granted;
  for (const Scope& scope : requested) {
    if (scope.type == "registry" && scope.name == "catalog") {
      granted.push_back(scope);
      continue;
    }
    if (scope.type != "repository") continue;
    const ActionSet allowed = allowed_actions(identity, scope.name);
    Scope out{scope.type, scope.name, {}};
    for (const std::string& word : scope.actions) {
      const std::optional<Action> action = parse_action(word);
      if (action && allowed.contains(*action)) out.actions.push_back(word);
    }
    if (!out.actions.empty()) granted.push_back(std::move(out));
  }
  return granted;
}

}  // namespace auth
