// An image config (OCI image-spec config, or Docker's) as the image view shows it.
#pragma once

#include <nlohmann/json.hpp>

#include "oci/manifest.h"

namespace ui {

// {"digest","media_type","size","created","author","os","architecture","variant",
//  "entrypoint","cmd","env","working_dir","user","exposed_ports","labels","history"}.
// Members of an unexpected type read as absent.
nlohmann::json config_view(const oci::Descriptor& descriptor, const nlohmann::json& config);

}  // namespace ui
