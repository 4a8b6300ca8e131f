#include "ui/actions.h"

namespace ui {

Actions Actions::offered(Actions granted, const registry::Options& options) {
  Actions actions = granted;
  if (options.read_only) actions.push = actions.remove = false;
  if (!options.delete_enabled) actions.remove = false;
  return actions;
}

nlohmann::json Actions::to_json() const {
  return {{"pull", pull}, {"push", push}, {"delete", remove}};
}

}  // namespace ui
