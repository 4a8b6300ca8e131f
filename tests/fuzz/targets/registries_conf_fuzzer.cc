// libFuzzer target for the registries.conf loader and the resolver on top of it: the input
// is parsed as a main file and as a drop-in, merged, and a fixed set of references is
// resolved in every view. Errors are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nodeconf/config_file.h"
#include "nodeconf/config_merge.h"
#include "nodeconf/library_view.h"
#include "nodeconf/short_name_view.h"
#include "nodeconf/transport_view.h"

namespace {

constexpr std::string_view kReferences[] = {
    "busybox",
    "fedora:39",
    "library/alpine@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "example.com/app:1",
    "a.example.com:5000/ns/app:1@sha256:"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "localhost/app",
    "quay.io/ns/app",
    "registry.example.com/team/app@sha256:"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

void resolve_all(const oci::Result<nodeconf::RegistriesConf>& conf) {
  for (std::string_view reference : kReferences) {
    (void)nodeconf::library_view(conf, reference);
    (void)nodeconf::transport_view(conf, reference);
    (void)nodeconf::short_name_view(conf, reference);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto main = nodeconf::parse_config_file(text, "registries.conf", nodeconf::FileRole::kMain);
  auto drop_in =
      nodeconf::parse_config_file(text, "registries.conf.d/fuzz.conf", nodeconf::FileRole::kDropIn);
  if (!main) {
    resolve_all(std::unexpected(main.error()));
    return 0;
  }
  std::vector<nodeconf::ConfigFile> drop_ins;
  if (drop_in) drop_ins.push_back(std::move(*drop_in));
  resolve_all(nodeconf::merge_config_files(std::move(*main), std::move(drop_ins),
                                           nodeconf::ConfigSources{}));
  return 0;
}
