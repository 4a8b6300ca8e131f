#include "transfer/layout_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sys/atomic_file.h"
#include "sys/directories.h"
#include "sys/file.h"

namespace transfer {
namespace {

constexpr std::size_t kChunkSize = std::size_t{1024} * 1024;

struct ArchiveDeleter {
  void operator()(archive* handle) const { archive_free(handle); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

std::unexpected<sys::Error> archive_error(archive* handle, const std::filesystem::path& file,
                                          std::string_view operation) {
  const char* text = archive_error_string(handle);
  return sys::fail(sys::Errc::kIo, std::string(operation)
                                       .append(" ")
                                       .append(file.string())
                                       .append(": ")
                                       .append(text ? text : "libarchive error"));
}

// A path from an archive that names something inside the extraction directory.
bool safe_relative(const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) return false;
  return std::ranges::none_of(path, [](const std::filesystem::path& part) { return part == ".."; });
}

sys::Result<void> pack_into(archive* writer, const std::filesystem::path& directory,
                            const std::filesystem::path& temp) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(directory, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    const bool leftover = name.ends_with(".partial") || name.starts_with(".tmp~");
    if (it->is_regular_file(error) && !leftover) files.push_back(it->path());
  }
  if (error)
    return sys::fail(sys::Errc::kIo, "reading " + directory.string() + ": " + error.message());
  std::ranges::sort(files);

  std::vector<std::byte> buffer(kChunkSize);
  for (const std::filesystem::path& path : files) {
    auto fd = sys::open_file(path, O_RDONLY);
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto size = sys::regular_file_size(fd->get(), path);
    if (!size) return std::unexpected(std::move(size.error()));
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), path.lexically_relative(directory).c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(*size));
    if (archive_write_header(writer, entry.get()) != ARCHIVE_OK) {
      return archive_error(writer, temp, "writing");
    }
    while (true) {
      auto n = sys::read_some(fd->get(), buffer, path);
      if (!n) return std::unexpected(std::move(n.error()));
      if (*n == 0) break;
      if (archive_write_data(writer, buffer.data(), *n) != static_cast<la_ssize_t>(*n)) {
        return archive_error(writer, temp, "writing");
      }
    }
  }
  if (archive_write_close(writer) != ARCHIVE_OK) return archive_error(writer, temp, "writing");
  return {};
}

}  // namespace

sys::Result<void> pack_directory(const std::filesystem::path& directory,
                                 const std::filesystem::path& file) {
  auto temp = sys::AtomicFile::create(file);
  if (!temp) return std::unexpected(std::move(temp.error()));
  ArchivePtr writer(archive_write_new());
  // pax: no size or path length limits (a layer may be larger than ustar's 8 GiB).
  archive_write_set_format_pax_restricted(writer.get());
  auto packed = archive_write_open_fd(writer.get(), temp->fd()) == ARCHIVE_OK
                    ? pack_into(writer.get(), directory, temp->temporary_path())
                    : archive_error(writer.get(), temp->temporary_path(), "opening");
  writer.reset();
  if (!packed) return packed;  // dropping `temp` removes the temporary file
  return temp->commit();
}

sys::Result<void> unpack_archive(const std::filesystem::path& file,
                                 const std::filesystem::path& directory) {
  ArchivePtr reader(archive_read_new());
  archive_read_support_format_tar(reader.get());
  archive_read_support_filter_all(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), kChunkSize) != ARCHIVE_OK) {
    return archive_error(reader.get(), file, "opening");
  }
  std::vector<std::byte> buffer(kChunkSize);
  archive_entry* entry = nullptr;
  while (true) {
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) return {};
    if (status != ARCHIVE_OK) return archive_error(reader.get(), file, "reading");
    const std::filesystem::path relative =
        std::filesystem::path(archive_entry_pathname(entry)).lexically_normal();
    if (!safe_relative(relative)) {
      return sys::fail(sys::Errc::kPathEscape,
                       file.string() + ": entry \"" + relative.string() + "\" leaves the archive");
    }
    const std::filesystem::path target = directory / relative;
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      if (auto made = sys::create_directories(target); !made) return made;
      continue;
    }
    if (type != AE_IFREG) {
      return sys::fail(sys::Errc::kInvalid, file.string() + ": entry \"" + relative.string() +
                                                "\" is neither a file nor a directory");
    }
    if (auto made = sys::create_directories(target.parent_path()); !made) return made;
    auto fd = sys::open_file(target, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(std::move(fd.error()));
    while (true) {
      const la_ssize_t n = archive_read_data(reader.get(), buffer.data(), buffer.size());
      if (n < 0) return archive_error(reader.get(), file, "reading");
      if (n == 0) break;
      auto written =
          sys::write_all(fd->get(), std::span(buffer).first(static_cast<std::size_t>(n)), target);
      if (!written) return written;
    }
  }
}

}  // namespace transfer
