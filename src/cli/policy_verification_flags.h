// What pull, copy --verify-policy and resolve --verify share to check policy.json's signature
// requirements: the --registries.d flag, the check of one image as a pull hook, and the
// per-requirement report in text and JSON.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "nodeconf/policy.h"
#include "nodeconf/policy_check.h"
#include "nodeconf/registries_d.h"
#include "oci/error.h"
#include "transfer/open_store.h"
#include "transfer/pull_image.h"

namespace cli {

// containers/image's defaults: the user's copy when it exists ($HOME/.config/containers/
// policy.json, $HOME/.config/containers/registries.d), else the system's under /etc/containers.
std::string default_policy_path();
std::string default_registries_d_dir();

// --registries.d DIR (default_registries_d_dir); `dir` keeps the default when not given.
void add_registries_d_flag(CLI::App& command, std::string& dir);

// The pull hook: the image checked against `decision` for `logical_reference`; a refusal is
// a kDenied error "refused by policy.json: <which requirement and why>".
transfer::ServedManifestCheck policy_check_hook(const nodeconf::PolicyDecision& decision,
                                                std::string logical_reference,
                                                const nodeconf::RegistriesD& registries_d,
                                                const transfer::AccessOptions& access);

// One image checked, for reports: what was read and the outcome.
struct VerifiedImage {
  std::string reference;  // the logical reference
  std::string source;     // the repository that served the manifest ("" when none did)
  std::string digest;     // of the top manifest ("" when it could not be read)
  oci::Result<nodeconf::PolicyCheck> check;
};

// "  verify: ..." lines (resolve's text output).
std::string verification_text(const VerifiedImage& image);
// {"reference", "source", "digest", "allowed", "reason", "error", "requirements": [{"type",
// "satisfied", "refusal", "reason"}]}
nlohmann::ordered_json verification_json(const VerifiedImage& image);

}  // namespace cli
