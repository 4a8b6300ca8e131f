#include "storage/filesystem_driver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "storage/driver_path.h"
#include "storage/posix_file.h"

namespace storage {

namespace {

namespace fs = std::filesystem;
using oci::ErrorCode;
using oci::fail;

class FileReader final : public Reader {
 public:
  FileReader(posix::UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}

  Result<std::size_t> read(std::span<std::byte> buffer) override {
    return posix::read_some(fd_.get(), buffer, path_);
  }
  int native_handle() const override { return fd_.get(); }

 private:
  posix::UniqueFd fd_;
  fs::path path_;
};

class FileWriter final : public Writer {
 public:
  FileWriter(posix::UniqueFd fd, fs::path path, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  Result<void> write(std::span<const std::byte> bytes) override {
    if (!fd_) return fail(ErrorCode::kInternal, "write after commit: " + path_.string());
    auto written = posix::write_all(fd_.get(), bytes, path_);
    if (written) {
      size_ += bytes.size();
      if (size_ - written_back_ >= kWritebackBytes) {
        posix::start_writeback(fd_.get(), written_back_, size_ - written_back_);
        written_back_ = size_;
      }
    } else if (struct stat info{}; ::fstat(fd_.get(), &info) == 0) {
      size_ = static_cast<std::uint64_t>(info.st_size);  // a failed write may be partial
    }
    return written;
  }

  std::uint64_t size() const override { return size_; }

  Result<void> commit() override {
    if (!fd_) return fail(ErrorCode::kInternal, "commit after commit: " + path_.string());
    auto synced = posix::sync_file(fd_.get(), path_);
    fd_.reset();
    if (!synced) return synced;
    // The file may be new: its directory entry must be durable too.
    return posix::sync_directory(path_.parent_path());
  }

 private:
  // Blobs are written back as they arrive, so that commit's fsync does not wait for all of
  // them at once (with much RAM the kernel would otherwise hold them dirty until then).
  static constexpr std::uint64_t kWritebackBytes = std::uint64_t{8} << 20;

  posix::UniqueFd fd_;
  fs::path path_;
  std::uint64_t size_;
  std::uint64_t written_back_ = size_;
};

// The status of a regular file; kNotFound for anything else.
Result<struct stat> regular_file_status(int fd, const fs::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return posix::os_error("fstat", path, errno);
  if (!S_ISREG(info.st_mode)) return fail(ErrorCode::kNotFound, "not a file: " + path.string());
  return info;
}

class FilesystemDriver final : public Driver {
 public:
  explicit FilesystemDriver(fs::path root) : root_(std::move(root)) {
    std::error_code ignored;  // a root that cannot be created fails every later call anyway
    fs::create_directories(root_, ignored);
  }

  Result<FileInfo> stat(std::string_view path) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    struct stat info {};
    if (::stat(full->c_str(), &info) != 0) return posix::os_error("stat", *full, errno);
    if (!S_ISREG(info.st_mode)) return fail(ErrorCode::kNotFound, "not a file: " + full->string());
    return FileInfo{static_cast<std::uint64_t>(info.st_size), info.st_mtim.tv_sec};
  }

  Result<std::unique_ptr<Reader>> reader(std::string_view path, std::uint64_t offset) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    auto fd = posix::open_file(*full, O_RDONLY);
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto info = regular_file_status(fd->get(), *full);
    if (!info) return std::unexpected(std::move(info.error()));
    if (offset > static_cast<std::uint64_t>(info->st_size)) {
      return fail(ErrorCode::kRangeInvalid,
                  "offset " + std::to_string(offset) + " beyond the end of " + full->string());
    }
    if (::lseek(fd->get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
      return posix::os_error("lseek", *full, errno);
    }
    return std::make_unique<FileReader>(std::move(*fd), std::move(*full));
  }

  Result<std::unique_ptr<Writer>> writer(std::string_view path, bool append) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    // Writes always go to the end, so a truncating writer and an appending one behave alike.
    const int flags = O_WRONLY | O_CREAT | O_APPEND | (append ? 0 : O_TRUNC);
    auto fd = with_parent_directory(*full, [&] { return posix::open_file(*full, flags); });
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto info = regular_file_status(fd->get(), *full);
    if (!info) return std::unexpected(std::move(info.error()));
    return std::make_unique<FileWriter>(std::move(*fd), std::move(*full),
                                        static_cast<std::uint64_t>(info->st_size));
  }

  Result<void> put_content(std::string_view path, std::string_view content) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    const fs::path directory = full->parent_path();
    auto temporary =
        with_parent_directory(*full, [&] { return posix::create_temporary_file(directory); });
    if (!temporary) return std::unexpected(std::move(temporary.error()));

    auto written = write_durably(*temporary, content, *full);
    if (!written) ::unlink(temporary->path.c_str());
    return written;
  }

  Result<std::string> get_content(std::string_view path, std::uint64_t max_size) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    auto fd = posix::open_file(*full, O_RDONLY);
    if (!fd) return std::unexpected(std::move(fd.error()));
    auto info = regular_file_status(fd->get(), *full);
    if (!info) return std::unexpected(std::move(info.error()));
    const auto size = static_cast<std::uint64_t>(info->st_size);
    if (size > max_size) {
      return fail(ErrorCode::kSizeInvalid, full->string() + " holds " + std::to_string(size) +
                                               " bytes, more than " + std::to_string(max_size));
    }
    std::string content(size, '\0');
    std::size_t filled = 0;
    while (filled < content.size()) {
      auto n = posix::read_some(fd->get(),
                                std::as_writable_bytes(std::span(content).subspan(filled)), *full);
      if (!n) return std::unexpected(std::move(n.error()));
      if (*n == 0) break;  // shrank since fstat
      filled += *n;
    }
    content.resize(filled);
    return content;
  }

  Result<void> move(std::string_view from, std::string_view to) override {
    auto source = resolve(from);
    if (!source) return std::unexpected(std::move(source.error()));
    auto target = resolve(to);
    if (!target) return std::unexpected(std::move(target.error()));
    struct stat info {};
    if (::stat(source->c_str(), &info) != 0) return posix::os_error("stat", *source, errno);
    if (!S_ISREG(info.st_mode))
      return fail(ErrorCode::kNotFound, "not a file: " + source->string());

    auto renamed = with_parent_directory(*target, [&]() -> Result<void> {
      if (::rename(source->c_str(), target->c_str()) != 0) {
        return posix::os_error("rename to " + target->string(), *source, errno);
      }
      return {};
    });
    if (!renamed) return renamed;
    if (auto synced = posix::sync_directory(target->parent_path()); !synced) return synced;
    if (source->parent_path() == target->parent_path()) return {};
    return posix::sync_directory(source->parent_path());
  }

  Result<void> remove(std::string_view path) override {
    auto full = resolve(path);
    if (!full) return std::unexpected(std::move(full.error()));
    std::error_code error;
    fs::remove_all(*full, error);
    if (error) {
      return fail(ErrorCode::kInternal, "remove " + full->string() + ": " + error.message());
    }
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
    if (error) return fail(ErrorCode::kInternal, "list " + full->string() + ": " + error.message());
    std::ranges::sort(names);
    return names;
  }

  Result<std::uint64_t> free_space() override {
    struct statvfs info {};
    if (::statvfs(root_.c_str(), &info) != 0) {
      return fail(ErrorCode::kInternal, "statvfs " + root_.string() + ": " + std::strerror(errno));
    }
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
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
    if (result || result.error().code != ErrorCode::kNotFound) return result;
    if (auto created = posix::create_directories(root_, path.parent_path()); !created) {
      return std::unexpected(std::move(created.error()));
    }
    return create();
  }

  // Fills the temporary file, syncs it and renames it to `target`, syncing the directory.
  static Result<void> write_durably(posix::TemporaryFile& temporary, std::string_view content,
                                    const fs::path& target) {
    if (auto written =
            posix::write_all(temporary.fd.get(), std::as_bytes(std::span(content)), temporary.path);
        !written) {
      return written;
    }
    if (auto synced = posix::sync_file(temporary.fd.get(), temporary.path); !synced) return synced;
    temporary.fd.reset();
    if (::rename(temporary.path.c_str(), target.c_str()) != 0) {
      return fail(ErrorCode::kInternal, "rename " + temporary.path.string() + " to " +
                                            target.string() + ": " +
                                            std::system_category().message(errno));
    }
    return posix::sync_directory(target.parent_path());
  }

  fs::path root_;
};

}  // namespace

std::unique_ptr<Driver> make_filesystem_driver(std::filesystem::path root) {
  return std::make_unique<FilesystemDriver>(std::move(root));
}

}  // namespace storage
