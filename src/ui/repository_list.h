// GET /regmirror/v1/repositories: a page of the repositories a caller may pull, searched by
// name, each with its tag count and newest tag time (docs/api.md).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "registry/registry.h"

namespace ui {

inline constexpr std::size_t kDefaultRepositoryPage = 50;
inline constexpr std::size_t kMaxRepositoryPage = 1000;

struct RepositoryQuery {
  std::string q;     // a substring of the name, ASCII case ignored; "" = every name
  std::string last;  // the page starts after this name ("" = from the first)
  std::size_t n = kDefaultRepositoryPage;
};

// `n` as the request gives it: "" is the default, more than kMaxRepositoryPage is that many;
// kPaginationNumberInvalid for anything but a number from 1.
oci::Result<std::size_t> parse_page_size(std::string_view n);

// Whether the caller may pull a repository (the catalog's filter).
using MayPull = std::function<bool(std::string_view repository)>;

// {"repositories":[{"name","tags","updated_at"}],"next"}. The catalog is read on in chunks
// until `n` names match (and one more, so that `next` is null exactly on the last page).
oci::Result<std::string> repository_list(registry::Registry& registry, const RepositoryQuery& query,
                                         const MayPull& may_pull);

}  // namespace ui
