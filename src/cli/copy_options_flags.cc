#include "cli/copy_options_flags.h"

namespace cli {

void add_copy_options_flags(CLI::App& command, CopyOptionsFlags& flags) {
  command.add_flag("-a,--all", flags.all,
                   "an index is copied whole: every platform, digests unchanged");
  command
      .add_option("--platform", flags.platform,
                  "OS/ARCH[/VARIANT] picked from an index (default linux/amd64)")
      ->check(CLI::Validator(
          [](const std::string& text) {
            const oci::Result<transfer::Platform> parsed = transfer::Platform::parse(text);
            return parsed ? std::string() : parsed.error().message;
          },
          "OS/ARCH[/VARIANT]"))
      ->excludes(command.get_option("--all"));
  command.add_flag("--no-referrers", flags.no_referrers,
                   "leave signatures, SBOMs and other referrers behind, and cosign's "
                   "sha256-<hex>.sig/.att/.sbom tags");
  command.add_option("-j,--jobs", flags.jobs, "blobs transferred at once")
      ->check(CLI::Range(1, 64));
}

oci::Result<transfer::CopyOptions> copy_options(const CopyOptionsFlags& flags) {
  transfer::CopyOptions options;
  options.all = flags.all;
  options.referrers = !flags.no_referrers;
  options.attachments = !flags.no_referrers;
  options.jobs = flags.jobs;
  if (!flags.platform.empty()) {
    auto platform = transfer::Platform::parse(flags.platform);
    if (!platform) return std::unexpected(platform.error());
    options.platform = std::move(*platform);
  }
  return options;
}

}  // namespace cli
