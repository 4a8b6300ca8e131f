// The image manifests a copy reads from an image whose top manifest is known, for the policy
// check that precedes it: containers/image checks policy.json on each image it copies
// (copySingleImage), never on an index. With an index that is the chosen platform's child,
// or with CopyOptions::all every child (an index nested in it is walked, not checked).
#pragma once

#include <vector>

#include "client/registry_client.h"
#include "oci/error.h"
#include "transfer/copy_image.h"
#include "transfer/image_store.h"

namespace transfer {

// `top` as `source` served it. The children are read from `source` by digest, and a body whose
// digest is not the one the index names is an error, and so is an index that leads to no
// image. An image manifest is its own only entry.
oci::Result<std::vector<client::FetchedManifest>> copied_images(ImageStore& source,
                                                                const client::FetchedManifest& top,
                                                                const CopyOptions& options);

}  // namespace transfer
