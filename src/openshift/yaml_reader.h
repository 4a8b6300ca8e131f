// Reads multi-document YAML holding Image, ImageContentSourcePolicy, ImageDigestMirrorSet,
// ImageTagMirrorSet and ConfigMap objects, or List objects of them. Other kinds are skipped
// with a warning; a known kind with the wrong apiVersion or a malformed field is an error
// naming the object and the field.
#pragma once

#include <string_view>

#include "oci/error.h"
#include "openshift/cluster_objects.h"

namespace openshift {

// Adds what `text` holds to `objects`; `source_name` (a file name) labels errors.
oci::Result<void> read_cluster_objects(std::string_view text, std::string_view source_name,
                                       ClusterObjects& objects);

}  // namespace openshift
