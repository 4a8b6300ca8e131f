// Who may do what to which repository: pure decisions over a rule list. Each rule grants
// `actions` on the repositories its pattern matches (repository_pattern.h) to its subjects:
//   `alice`           that user
//   `group:readers`   every user the rule set's groups list under "readers"
//   `authenticated`   every user who signed in
//   `anonymous`       a request without credentials (only that: not signed-in users)
// Rules only grant, never deny; what no rule grants is refused. The actions a user has on a
// repository are the union of the matching rules' actions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/actions.h"
#include "auth/repository_pattern.h"
#include "auth/scope.h"
#include "oci/error.h"

namespace auth {

// Who is asking: a user name, or empty for an anonymous request.
struct Identity {
  std::string user;

  bool anonymous() const { return user.empty(); }
};

// A rule as the configuration writes it, before validation.
struct RuleSpec {
  std::string repositories;           // a pattern
  std::vector<std::string> actions;   // "pull", "push", "delete"
  std::vector<std::string> subjects;  // see above
};

class AccessRules {
 public:
  // kUnsupported naming the rule (1-based) for a bad pattern, an unknown action, an empty
  // subject list, a subject `group:X` with no group X, or an empty subject.
  static oci::Result<AccessRules> make(
      const std::vector<RuleSpec>& rules,
      const std::map<std::string, std::vector<std::string>>& groups);

  ActionSet allowed_actions(const Identity& identity, std::string_view repository) const;
  bool may(const Identity& identity, Action action, std::string_view repository) const;

  // Mounting a blob from `source` into `target` reads the one and writes the other.
  bool may_mount(const Identity& identity, std::string_view source, std::string_view target) const;

  // The repositories of `repositories` the identity may pull, in their order.
  std::vector<std::string> filter_catalog(const Identity& identity,
                                          const std::vector<std::string>& repositories) const;

  // What a token for `requested` may carry: for each repository scope, the asked actions
  // this identity is allowed (unknown words dropped), in the asked order; scopes left with
  // no action are left out. `registry:catalog:*` is granted as asked to every identity,
  // since the catalog is filtered per repository (filter_catalog). Other types are left out.
  std::vector<Scope> grant(const Identity& identity, const std::vector<Scope>& requested) const;

 private:
  struct Rule {
    RepositoryPattern pattern;
    ActionSet actions;
    std::vector<std::string> subjects;
  };
  bool applies_to(const Rule& rule, const Identity& identity) const;

  std::vector<Rule> rules_;
  std::map<std::string, std::vector<std::string>, std::less<>> groups_;
};

}  // namespace auth
