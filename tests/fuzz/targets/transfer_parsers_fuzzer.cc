// libFuzzer target for what transfer/ reads from disks: an OCI layout's index.json. The result
// must keep its invariants: an index serializes to a fixed point with the same entries, and
// names it gives an entry are unique and survive a round trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transfer/layout_index.h"

namespace {

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

void check_layout_index(std::string_view text) {
  const oci::Result<transfer::LayoutIndex> index = transfer::LayoutIndex::parse(text);
  if (!index) return;
  const std::string serialized = index->serialize();
  oci::Result<transfer::LayoutIndex> again = transfer::LayoutIndex::parse(serialized);
  require(again.has_value());
  require(again->serialize() == serialized);
  require(again->entries().size() == index->entries().size());
  for (std::size_t i = 0; i < index->entries().size(); ++i) {
    require(again->entries()[i].to_json() == index->entries()[i].to_json());
    require(index->lists(index->entries()[i].digest));
  }
  for (const std::string& name : index->names()) {
    const auto found = index->find(name);
    require(found && transfer::ref_name(*found) == name);
  }
  if (index->entries().empty()) return;
  // Naming an entry: the name is unique afterwards and survives a round trip.
  const oci::Descriptor first = index->entries().front();
  require(!again->add_unnamed(first));
  const std::string name = transfer::ref_name(first) + "-fuzz";
  again->set_name(first, name);
  const std::vector<std::string> names = again->names();
  require(std::ranges::count(names, name) == 1);
  const auto reparsed = transfer::LayoutIndex::parse(again->serialize());
  require(reparsed.has_value());
  const auto named = reparsed->find(name);
  require(named && named->digest == first.digest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_layout_index(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
