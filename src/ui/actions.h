// What the UI may offer a caller on a repository: the `actions` member of the views.
#pragma once

#include <nlohmann/json.hpp>

#include "registry/registry.h"

namespace ui {

struct Actions {
  bool pull = false;
  bool push = false;
  bool remove = false;  // "delete"

  // What the rules grant (`granted`) that the registry also does: no push or delete when it
  // is read-only, no delete when deletes are disabled.
  static Actions offered(Actions granted, const registry::Options& options);
  // {"pull","push","delete"}
  nlohmann::json to_json() const;
};

}  // namespace ui
