// Who made a request, once auth has looked at its credentials, and what they may do.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/access_rules.h"
#include "auth/jwt.h"

namespace server {

struct Caller {
  std::string user;  // empty: anonymous
  // A Bearer token's grants, which are all such a caller holds; null for callers the rules
  // judge (Basic credentials, a client certificate, nobody).
  std::shared_ptr<const auth::Claims> token;
  // null: auth is off, everything is allowed. Shared: a SIGHUP may replace the rules while a
  // request that started with these still runs.
  std::shared_ptr<const auth::AccessRules> rules;

  bool anonymous() const { return user.empty(); }
  bool may(auth::Action action, std::string_view repository) const;
  // What the rules give this user, whatever a token carries: a token caller lacking an
  // action the rules allow may fetch a new token for it.
  bool rules_allow(auth::Action action, std::string_view repository) const;
  // A token caller holds `registry:catalog:*`; every other caller may ask for the catalog.
  bool may_list_catalog() const;
};

}  // namespace server
