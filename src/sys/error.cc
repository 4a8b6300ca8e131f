#include "sys/error.h"

#include <cerrno>
#include <system_error>

namespace sys {

std::unexpected<Error> os_error(std::string_view operation, const std::filesystem::path& path,
                                int error) {
  const Errc code = (error == ENOENT || error == ENOTDIR) ? Errc::kNotFound : Errc::kIo;
  return fail(code, std::string(operation) + " " + path.string() + ": " +
                        std::system_category().message(error));
}

std::string_view describe(Errc code) {
  switch (code) {
    case Errc::kNotFound:
      return "not found";
    case Errc::kInvalidRange:
      return "invalid range";
    case Errc::kTooLarge:
      return "too large";
    case Errc::kPathEscape:
      return "path escape";
    case Errc::kInvalid:
      return "invalid";
    case Errc::kIo:
      return "I/O error";
  }
  return "I/O error";
}

}  // namespace sys
