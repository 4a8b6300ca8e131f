// `regmirror render --check NODE_ROOT`: what would be rendered against the files already
// under a node's root, as a unified-style line diff per file.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "oci/error.h"
#include "openshift/drain_rule.h"

namespace cli {

struct TreeDiff {
  bool identical = true;
  std::vector<openshift::NodeFileChange> changes;  // the files that differ
};

// `removable`: files the MCO would delete from the node when they are not rendered.
// `optional`: rendered files a node need not have (compared only when it has them).
// Node files are read with nodeconf's size limit; one that is larger, or that cannot be read,
// fails the check (a path that is missing or not a regular file counts as missing).
oci::Result<TreeDiff> diff_against_node(const std::string& node_root,
                                        const std::map<std::string, std::string>& rendered,
                                        const std::vector<std::string>& removable = {},
                                        const std::set<std::string>& optional = {});

// The node's files under etc/docker/certs.d/<host>/ for each <host> whose ca.crt is not
// rendered: the daemon removes such a directory whole when its CA leaves the ControllerConfig
// (certificate_writer.go). The internal registry's hosts (image-registry.openshift-image-
// registry.svc..., default-route-openshift-image-registry...) are left out: their CAs come
// from openshift-config-managed/image-registry-ca, which render does not read.
// etc/containers/certs.d is not the MCO's, so nothing there is removed.
std::vector<std::string> stale_registry_ca_files(
    const std::string& node_root, const std::map<std::string, std::string>& rendered);

// The text `render --check` prints for the changes: per file "missing on node", "only on node
// (would be removed)" or a line diff.
std::string describe_changes(const std::vector<openshift::NodeFileChange>& changes);

// The line diff of two texts ("-" only in `before`, "+" only in `after`, " " common). When the
// lines that differ are too many to compare cheaply, "files differ (N vs M lines)" instead.
std::string line_diff(const std::string& before, const std::string& after);

}  // namespace cli
