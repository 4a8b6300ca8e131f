// regmirror: one binary, one subcommand per job. Parses arguments and hands over to modules.
#include <CLI/CLI.hpp>

#include "cli/copy_command.h"
#include "cli/gc_command.h"
#include "cli/key_command.h"
#include "cli/login_command.h"
#include "cli/migrate_command.h"
#include "cli/passwd_command.h"
#include "cli/pull_command.h"
#include "cli/render_command.h"
#include "cli/resolve_command.h"
#include "cli/retention_command.h"
#include "cli/serve_command.h"
#include "cli/sync_command.h"
#include "cli/usage_error.h"
#include "cli/verify_command.h"

int main(int argc, char** argv) {
  CLI::App app{"regmirror: container image registry and mirroring"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("regmirror 0.1.0"));
  cli::add_serve_command(app);
  cli::add_resolve_command(app);
  cli::add_render_command(app);
  cli::add_copy_command(app);
  cli::add_pull_command(app);
  cli::add_verify_command(app);
  cli::add_sync_command(app);
  cli::add_login_command(app);
  cli::add_logout_command(app);
  cli::add_passwd_command(app);
  cli::add_key_command(app);
  cli::add_migrate_command(app);
  cli::add_gc_command(app);
  cli::add_retention_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli::report_parse_error(app, e);
  }
  return 0;
}
