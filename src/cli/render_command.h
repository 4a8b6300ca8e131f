// `regmirror render -f FILE_OR_DIR... --out DIR`: OpenShift image config and mirror sets ->
// the files the machine-config operator would put on a node (and its MachineConfig).
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_render_command(CLI::App& app);

}  // namespace cli
