#include "registry/registry.h"

#include "registry/upload_id.h"

namespace registry {

Registry::Registry(storage::Driver& driver, metadata::Store& store, Options options)
    : driver_(driver),
      store_(store),
      options_(options),
      manifest_cache_(options.manifest_cache_bytes),
      holder_("registry/" + new_upload_id()) {}

Result<void> Registry::check_writable() const {
  if (options_.read_only) {
    return oci::fail(oci::ErrorCode::kUnsupported, "the registry is in read-only mode");
  }
  return {};
}

}  // namespace registry
