// `regmirror resolve` without --json: a few lines per reference saying which entry matched,
// which mirrors serve it and why, where the node pulls from in order, and the verdict.
#pragma once

#include <string>

#include "nodeconf/resolution.h"

namespace cli {

std::string resolution_text(const nodeconf::Resolution& resolution);

}  // namespace cli
