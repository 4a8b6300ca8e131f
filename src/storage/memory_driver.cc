#include "storage/memory_driver.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "storage/capabilities.h"
#include "storage/driver_path.h"

namespace storage {

namespace {

using sys::Errc;
using sys::fail;

struct MemoryFile {
  std::string bytes;
  std::int64_t modified_unix = 0;
};

// Everything the driver and its readers and writers share; one mutex guards it all, including
// the contents of every file.
struct State {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<MemoryFile>, std::less<>> files;
};

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Like an open file descriptor, a reader or writer keeps its file even once it is removed or
// replaced.
class MemoryReader final : public Reader {
 public:
  MemoryReader(std::shared_ptr<State> state, std::shared_ptr<MemoryFile> file, std::uint64_t offset)
      : state_(std::move(state)), file_(std::move(file)), offset_(offset) {}

  Result<std::size_t> read(std::span<std::byte> buffer) override {
    std::lock_guard lock(state_->mutex);
    const std::string& bytes = file_->bytes;
    if (offset_ >= bytes.size()) return 0;
    const std::size_t n = std::min<std::uint64_t>(buffer.size(), bytes.size() - offset_);
    std::memcpy(buffer.data(), bytes.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<MemoryFile> file_;
  std::uint64_t offset_;
};

class MemoryWriter final : public Writer {
 public:
  MemoryWriter(std::shared_ptr<State> state, std::shared_ptr<MemoryFile> file, std::uint64_t size)
      : state_(std::move(state)), file_(std::move(file)), size_(size) {}

  Result<void> write(std::span<const std::byte> bytes) override {
    if (committed_) return fail(Errc::kIo, "write after commit");
    std::lock_guard lock(state_->mutex);
    file_->bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    file_->modified_unix = now_unix();
    size_ = file_->bytes.size();
    return {};
  }

  std::uint64_t size() const override { return size_; }

  Result<void> commit() override {
    if (committed_) return fail(Errc::kIo, "commit after commit");
    committed_ = true;
    return {};
  }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<MemoryFile> file_;
  std::uint64_t size_;
  bool committed_ = false;
};

// "a/b" -> "a/b/", the prefix every path below a directory starts with.
std::string directory_prefix(std::string_view directory) { return std::string(directory) + '/'; }

class MemoryDriver final : public Driver, public ReadableWhileWriting {
 public:
  Result<FileInfo> stat(std::string_view path) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    std::lock_guard lock(state_->mutex);
    auto file = find(path);
    if (!file) return std::unexpected(std::move(file.error()));
    return FileInfo{(*file)->bytes.size(), (*file)->modified_unix};
  }

  Result<std::unique_ptr<Reader>> reader(std::string_view path, std::uint64_t offset) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    std::lock_guard lock(state_->mutex);
    auto file = find(path);
    if (!file) return std::unexpected(std::move(file.error()));
    if (offset > (*file)->bytes.size()) {
      return fail(Errc::kInvalidRange,
                  "offset " + std::to_string(offset) + " beyond the end of " + std::string(path));
    }
    return std::make_unique<MemoryReader>(state_, std::move(*file), offset);
  }

  Result<std::unique_ptr<Writer>> writer(std::string_view path, std::uint64_t keep) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    std::lock_guard lock(state_->mutex);
    auto& file = state_->files[std::string(path)];
    if (!file) file = std::make_shared<MemoryFile>();
    if (file->bytes.size() < keep) {
      return fail(Errc::kInvalidRange,
                  std::string(path) + " holds " + std::to_string(file->bytes.size()) +
                      " bytes, fewer than the " + std::to_string(keep) + " to keep");
    }
    file->bytes.resize(keep);
    file->modified_unix = now_unix();
    return std::make_unique<MemoryWriter>(state_, file, file->bytes.size());
  }

  Result<void> put_content(std::string_view path, std::string_view content) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    // A new file rather than new bytes in the old one: open readers keep the old content, as
    // they do after rename(2).
    auto file = std::make_shared<MemoryFile>(MemoryFile{std::string(content), now_unix()});
    std::lock_guard lock(state_->mutex);
    state_->files.insert_or_assign(std::string(path), std::move(file));
    return {};
  }

  Result<std::string> get_content(std::string_view path, std::uint64_t max_size) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    std::lock_guard lock(state_->mutex);
    auto file = find(path);
    if (!file) return std::unexpected(std::move(file.error()));
    const std::string& bytes = (*file)->bytes;
    if (bytes.size() > max_size) {
      return fail(Errc::kTooLarge, std::string(path) + " holds " + std::to_string(bytes.size()) +
                                       " bytes, more than " + std::to_string(max_size));
    }
    return bytes;
  }

  Result<void> move(std::string_view from, std::string_view to) override {
    if (auto valid = check_path(from); !valid) return std::unexpected(std::move(valid.error()));
    if (auto valid = check_path(to); !valid) return std::unexpected(std::move(valid.error()));
    std::lock_guard lock(state_->mutex);
    auto file = find(from);
    if (!file) return std::unexpected(std::move(file.error()));
    if (from == to) return {};
    state_->files.insert_or_assign(std::string(to), std::move(*file));
    state_->files.erase(state_->files.find(from));
    return {};
  }

  Result<void> remove(std::string_view path) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(std::move(valid.error()));
    const std::string prefix = directory_prefix(path);
    std::lock_guard lock(state_->mutex);
    auto& files = state_->files;
    if (auto file = files.find(path); file != files.end()) files.erase(file);
    auto first = files.lower_bound(prefix);
    auto last = first;
    while (last != files.end() && last->first.starts_with(prefix)) ++last;
    files.erase(first, last);
    return {};
  }

  Result<std::vector<std::string>> list(std::string_view directory) override {
    if (auto valid = check_path(directory); !valid) {
      return std::unexpected(std::move(valid.error()));
    }
    const std::string prefix = directory_prefix(directory);
    std::vector<std::string> names;
    std::lock_guard lock(state_->mutex);
    for (auto it = state_->files.lower_bound(prefix);
         it != state_->files.end() && it->first.starts_with(prefix); ++it) {
      const std::string_view below = std::string_view(it->first).substr(prefix.size());
      names.emplace_back(below.substr(0, below.find('/')));
    }
    // "a/b/c" sorts after "a/b-c" but names "b", before "b-c": sort the names themselves.
    std::ranges::sort(names);
    names.erase(std::ranges::unique(names).begin(), names.end());
    return names;
  }

 private:
  // The file at `path`; the caller holds the mutex.
  Result<std::shared_ptr<MemoryFile>> find(std::string_view path) const {
    auto file = state_->files.find(path);
    if (file == state_->files.end())
      return fail(Errc::kNotFound, "no such file: " + std::string(path));
    return file->second;
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace

std::unique_ptr<Driver> make_memory_driver() { return std::make_unique<MemoryDriver>(); }

}  // namespace storage
