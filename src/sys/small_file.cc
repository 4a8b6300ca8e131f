#include "sys/small_file.h"

#include <fcntl.h>

#include <algorithm>
#include <span>

#include "sys/file.h"

namespace sys {

Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_size) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused as not a file.
  auto fd = open_file(path, O_RDONLY | O_NONBLOCK);
  if (!fd) return std::unexpected(std::move(fd.error()));
  auto size = regular_file_size(fd->get(), path);
  if (!size) return std::unexpected(std::move(size.error()));
  const auto too_large = [&] {
    return fail(Errc::kTooLarge,
                path.string() + ": larger than " + std::to_string(max_size) + " bytes");
  };
  if (*size > max_size) return too_large();
  // One byte more than the size says: the file may grow while it is read.
  std::string content(static_cast<std::size_t>(*size) + 1, '\0');
  std::size_t filled = 0;
  while (true) {
    if (filled == content.size()) {
      if (content.size() > max_size) return too_large();
      content.resize(std::min<std::uint64_t>(content.size() * 2, max_size + 1));
    }
    auto n = read_some(fd->get(), std::as_writable_bytes(std::span(content).subspan(filled)), path);
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) break;
    filled += *n;
  }
  content.resize(filled);
  return content;
}

}  // namespace sys
