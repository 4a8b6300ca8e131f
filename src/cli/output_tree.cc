#include "cli/output_tree.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "sys/directories.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

oci::Result<void> write_file(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (ec || !out) return oci::fail(oci::ErrorCode::kInternal, "cannot write " + path.string());
  return {};
}

}  // namespace

oci::Result<void> write_output_tree(const std::string& dir,
                                    const std::map<std::string, std::string>& files) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "output directory " + dir + " exists and is not empty");
  }
  // A private, unpredictable name beside the target (rename needs the same filesystem): a
  // name another user could guess would let them plant a symlink where the files are written.
  auto created = sys::create_temporary_directory(
      target.parent_path(), ".regmirror-render-" + target.filename().string() + "-");
  if (!created) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot create output directory " + dir + ": " + created.error().message);
  }
  const fs::path staging = *created;
  // mkdtemp makes it 0700; the tree gets the mode a plain mkdir would have given it.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  fs::permissions(staging, static_cast<fs::perms>(0777 & ~mask), ec);
  for (const auto& [path, content] : files) {
    if (auto ok = write_file(staging / path, content); !ok) {
      fs::remove_all(staging, ec);
      return ok;
    }
  }
  fs::remove(target, ec);  // an empty directory
  fs::rename(staging, target, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    return oci::fail(oci::ErrorCode::kInternal, "cannot create output directory " + dir);
  }
  return {};
}

}  // namespace cli
