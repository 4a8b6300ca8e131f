#include "storage/filesystem_driver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "storage/capabilities.h"
#include "storage/driver_path.h"
#include "storage/temporary_files.h"
#include "sys/atomic_file.h"
#include "sys/directories.h"
#include "sys/file.h"
#include "sys/small_file.h"
#include "sys/space.h"

namespace storage {

namespace {

namespace fs = std::filesystem;
using sys::Errc;
using sys::fail;

class FileReader final : public Reader, public FileBackedReader {
 public:
  FileReader(sys::UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}

  Result<std::size_t> read(std::span<std::byte> buffer) override {
    return sys::read_some(fd_.get(), buffer, path_);
  }
  int file_descriptor() const override { return fd_.get(); }

 private:
  sys::UniqueFd fd_;
  fs::path path_;
};

class FileWriter final : public Writer {
 public:
  FileWriter(sys::UniqueFd fd, fs::path path, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  Result<void> write(std::span<const std::byte> bytes) override {
    if (!fd_) return fail(Errc::kIo, "write after commit: " + path_.string());
    auto written = sys::write_all(fd_.get(), bytes, path_);
    if (written) {
      size_ += bytes.size();
      if (size_ - written_back_ >= kWritebackBytes) {
        sys::start_writeback(fd_.get(), written_back_, size_ - written_back_);
        written_back_ = size_;
      }
    } else if (auto size = sys::regular_file_size(fd_.get(), path_)) {
      size_ = *size;  // a failed write may be partial
    }
    return written;
  }

  std::uint64_t size() const override { return size_; }

  Result<void> commit() override {
    if (!fd_) return fail(Errc::kIo, "commit after commit: " + path_.string());
    auto synced = sys::sync_file(fd_.get(), path_);
    fd_.reset();
    if (!synced) return synced;
    // The file may be new: its directory entry must be durable too.
    return sys::sync_directory(path_.parent_path());
  }

 private:
  // Blobs are written back as they arrive, so that commit's fsync does not wait for all of
  // them at once (with much RAM the kernel would otherwise hold them dirty until then).
  static constexpr std::uint64_t kWritebackBytes = std::uint64_t{8} << 20;

  sys::UniqueFd fd_;
  fs::path path_;
  std::uint64_t size_;
  std::uint64_t written_back_ = size_;
};

class FilesystemDriver final : public Driver,
                               public SpaceLimitedDriver,
                               public ReadableWhileWriting,
                               public TemporaryFilesDriver {
 public:
  explicit FilesystemDriver(fs::path root) : root_(std::move(root)) {
    // A root that cannot be created fails every later call anyway.
    (void)sys::create_directories(root_);
  }

  Result<FileInfo> stat(std::string_view path) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    struct stat info {};
    if (::stat(full->c_str(), &info) != 0) return sys::os_error("stat", *full, errno);
    if (!S_ISREG(info.st_mode)) return fail(Errc::kNotFound, "not a file: " + full->string());
    return FileInfo{static_cast<std::uint64_t>(info.st_size), info.st_mtim.tv_sec};
  }

  Result<std::unique_ptr<Reader>> reader(std::string_view path, std::uint64_t offset) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    auto fd = sys::open_file(*full, O_RDONLY);
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto size = sys::regular_file_size(fd->get(), *full);
    if (!size) return std::unexpected(std::move(size.error()));
    if (offset > *size) {
      return fail(Errc::kInvalidRange,
                  "offset " + std::to_string(offset) + " beyond the end of " + full->string());
    }
    if (auto sought = sys::seek_to(fd->get(), offset, *full); !sought) {
      return std::unexpected(std::move(sought.error()));
    }
    return std::make_unique<FileReader>(std::move(*fd), std::move(*full));
  }

  Result<std::unique_ptr<Writer>> writer(std::string_view path, std::uint64_t keep) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    // Writes always go to the end, which is `keep` once the tail is cut.
    auto fd = with_parent_directory(
        *full, [&] { return sys::open_file(*full, O_WRONLY | O_CREAT | O_APPEND); });
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto size = sys::regular_file_size(fd->get(), *full);
    if (!size) return std::unexpected(std::move(size.error()));
    if (*size < keep) {
      return fail(Errc::kInvalidRange, full->string() + " holds " + std::to_string(*size) +
                                           " bytes, fewer than the " + std::to_string(keep) +
                                           " to keep");
    }
    if (*size > keep) {
      if (auto cut = sys::truncate_file(fd->get(), keep, *full); !cut) {
        return std::unexpected(std::move(cut.error()));
      }
    }
    return std::make_unique<FileWriter>(std::move(*fd), std::move(*full), keep);
  }

  Result<void> put_content(std::string_view path, std::string_view content) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    return with_parent_directory(*full, [&] { return sys::write_file_atomically(*full, content); });
  }

  Result<std::string> get_content(std::string_view path, std::uint64_t max_size) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    return sys::read_small_file(*full, max_size);
  }

  Result<void> move(std::string_view from, std::string_view to) override {
    auto source = resolve(from);
    if (!source) return std::unexpected(std::move(source.error()));
    auto target = resolve(to);
    if (!target) return std::unexpected(std::move(target.error()));
    struct stat info {};
    if (::stat(source->c_str(), &info) != 0) return sys::os_error("stat", *source, errno);
    if (!S_ISREG(info.st_mode)) return fail(Errc::kNotFound, "not a file: " + source->string());
    return with_parent_directory(*target, [&] { return sys::rename_durably(*source, *target); });
  }

  Result<void> remove(std::string_view path) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    std::error_code error;
    fs::remove_all(*full, error);
    if (error) return fail(Errc::kIo, "remove " + full->string() + ": " + error.message());
    return {};
  }

  Result<std::vector<std::string>> list(std::string_view directory) override {
    auto full = resolve(directory);
    if (!full) return std::unexpected(std::move(full.error()));
    std::vector<std::string> names;
    std::error_code error;
    fs::directory_iterator entries(*full, error);
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
      return names;
    }
    for (; !error && entries != fs::directory_iterator(); entries.increment(error)) {
      std::string name = entries->path().filename().string();
      // Skips what no driver path can name: temporaries and foreign files.
      if (is_valid_path_component(name)) names.push_back(std::move(name));
    }
    if (error) return fail(Errc::kIo, "list " + full->string() + ": " + error.message());
    std::ranges::sort(names);
    return names;
  }

  Result<std::uint64_t> free_space() override { return sys::free_space(root_); }

  Result<std::vector<TemporaryFile>> temporaries(std::string_view directory) override {
    auto full = resolve(directory);
    if (!full) return std::unexpected(std::move(full.error()));
    std::vector<TemporaryFile> found;
    std::error_code error;
    fs::recursive_directory_iterator entries(*full, error);
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
      return found;
    }
    for (; !error && entries != fs::recursive_directory_iterator(); entries.increment(error)) {
      if (!sys::is_temporary_name(entries->path().filename().string())) continue;
      struct stat info {};
      // Gone meanwhile (its writer finished): nothing to report.
      if (::lstat(entries->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
      found.push_back({entries->path().lexically_relative(root_).string(),
                       static_cast<std::uint64_t>(info.st_size), info.st_mtim.tv_sec});
    }
    if (error) return fail(Errc::kIo, "list " + full->string() + ": " + error.message());
    return found;
  }

  Result<void> remove_temporary(const TemporaryFile& file) override {
    const fs::path path = root_ / file.path;
    // Only a temporary file under the root, whatever the caller passes.
    if (!sys::is_temporary_name(path.filename().string()) ||
        path.lexically_normal().lexically_relative(root_).string().starts_with("..")) {
      return fail(Errc::kPathEscape, "not a temporary file: " + file.path);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return fail(Errc::kIo, "remove " + path.string() + ": " + std::strerror(errno));
    }
    return {};
  }

 private:
  Result<fs::path> resolve(std::string_view path) const {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    return root_ / path;
  }

  // Runs `create`, which makes something at `path`; when that fails because the parent
  // directory is missing, creates the directory and runs `create` once more. Creating parents
  // only on demand keeps the common case at one system call.
  template <class Create>
  auto with_parent_directory(const fs::path& path, Create create) -> decltype(create()) {
    auto result = create();
    if (result || result.error().code != Errc::kNotFound) return result;
    if (auto created = sys::create_directories(path.parent_path()); !created) {
      return std::unexpected(std::move(created.error()));
    }
    return create();
  }

  fs::path root_;
};

}  // namespace

std::unique_ptr<Driver> make_filesystem_driver(std::filesystem::path root) {
  return std::make_unique<FilesystemDriver>(std::move(root));
}

}  // namespace storage
