#include "nodeconf/registries_conf_loader.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "nodeconf/config_file.h"
#include "nodeconf/config_merge.h"
#include "nodeconf/config_text_reader.h"
#include "nodeconf/go_quote.h"

namespace nodeconf {
namespace {

namespace fs = std::filesystem;

std::unexpected<oci::Error> fail(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

// *.conf entries of the directory that are not directories themselves, in lexical order,
// as filepath.WalkDir finds them: symlinks are not followed, not even for the directory
// itself (a symlinked registries.conf.d is taken as a file and so ignored unless its name
// ends in .conf). A missing directory has no drop-ins.
oci::Result<std::vector<std::string>> list_drop_ins(const fs::path& dir) {
  std::vector<std::string> paths;
  if (dir.empty()) return paths;
  std::error_code ec;
  const fs::file_status root = fs::symlink_status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail("reading registries.conf.d: lstat " + dir.string() + ": " +
                go_errno_text(ec.value()));
  }
  if (!fs::exists(root)) return paths;
  if (!fs::is_directory(root)) {
    if (dir.string().ends_with(".conf")) paths.push_back(dir.string());
    return paths;
  }
  fs::directory_iterator entries(dir, ec);
  if (ec) {
    return fail("reading registries.conf.d: open " + dir.string() + ": " +
                go_errno_text(ec.value()));
  }
  for (const fs::directory_entry& entry : entries) {
    std::error_code type_ec;
    if (fs::is_directory(entry.symlink_status(type_ec))) continue;
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".conf")) paths.push_back((dir / name).lexically_normal().string());
  }
  std::ranges::sort(paths);
  return paths;
}

}  // namespace

oci::Result<RegistriesConf> load_registries_conf(const ConfigLocation& location) {
  const std::string file = location.file.string();
  std::optional<ConfigFile> main;
  auto text = read_config_text(file);
  if (!text && !(location.file_is_optional && text.error().errno_value == ENOENT)) {
    return fail("loading registries configuration " + go_quote(file) + ": " + text.error().message);
  }
  if (text) {
    auto parsed = parse_config_file(*text, file, FileRole::kMain);
    if (!parsed) {
      return fail("loading registries configuration " + go_quote(file) + ": " +
                  parsed.error().message);
    }
    main = std::move(*parsed);
  }

  auto drop_in_paths = list_drop_ins(location.dropin_dir);
  if (!drop_in_paths) return std::unexpected(drop_in_paths.error());
  std::vector<ConfigFile> drop_ins;
  for (const std::string& path : *drop_in_paths) {
    auto drop_in_text = read_config_text(path);
    oci::Result<ConfigFile> parsed = drop_in_text
                                         ? parse_config_file(*drop_in_text, path, FileRole::kDropIn)
                                         : fail(drop_in_text.error().message);
    if (!parsed) {
      return fail("loading drop-in registries configuration " + go_quote(path) + ": " +
                  parsed.error().message);
    }
    drop_ins.push_back(std::move(*parsed));
  }
  ConfigSources sources{file, location.dropin_dir.string(), main.has_value(), *drop_in_paths};
  return merge_config_files(std::move(main), std::move(drop_ins), std::move(sources));
}

}  // namespace nodeconf
