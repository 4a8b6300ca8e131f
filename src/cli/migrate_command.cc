#include "cli/migrate_command.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

#include "metadata/open_store.h"
#include "metadata/pg_store.h"

namespace cli {
namespace {

struct MigrateFlags {
  std::string database;
  int connect_timeout_seconds = 5;
};

int run(const MigrateFlags& flags) {
  metadata::DatabaseOptions options;
  options.url = flags.database;
  options.connect_timeout = std::chrono::seconds(flags.connect_timeout_seconds);
  auto version = metadata::migrate_postgres(options);
  if (!version) {
    fmt::print(stderr, "regmirror migrate: {}\n", version.error().message);
    return 1;
  }
  fmt::print("schema version {}\n", *version);
  return 0;
}

}  // namespace

void add_migrate_command(CLI::App& app) {
  auto flags = std::make_shared<MigrateFlags>();
  CLI::App* command = app.add_subcommand(
      "migrate",
      "Apply the metadata schema migrations to a PostgreSQL database. Guide: docs/migrate.md");
  command
      ->add_option("--database", flags->database,
                   "postgresql://user:password@host:port/database (the password may come "
                   "from PGPASSWORD instead)")
      ->required();
  command
      ->add_option("--connect-timeout", flags->connect_timeout_seconds,
                   "Seconds to wait for the server")
      ->check(CLI::Range(1, 3600));
  command->callback([flags] {
    if (!metadata::is_postgres_url(flags->database)) {
      throw CLI::ValidationError(
          "--database must be a postgresql:// or postgres:// URL (the embedded SQLite database "
          "migrates itself when serve opens it)");
    }
    throw CLI::RuntimeError(run(*flags));
  });
}

}  // namespace cli
