#include "verify/verdict.h"

namespace verify {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "OK";
    case Status::kMissing:
      return "MISSING";
    case Status::kUntrusted:
      return "UNTRUSTED";
    case Status::kDenied:
      return "DENIED";
    case Status::kBlocked:
      return "BLOCKED";
    case Status::kUnsigned:
      return "UNSIGNED";
    case Status::kUnreachable:
      return "UNREACHABLE";
    case Status::kError:
      return "ERROR";
  }
  return "ERROR";
}

}  // namespace verify
