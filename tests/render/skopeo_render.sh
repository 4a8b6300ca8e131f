#!/usr/bin/env bash
# skopeo reads what `regmirror render` writes: an image pushed to a local regmirror under a
# mirror path is inspected by its upstream name through the rendered registries.conf and
# policy.json (digest through the IDMS mirror, tag through the ITMS mirror, the source
# never contacted), and a scope the image config blocks is refused.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo

start_registry sut regmirror
R=${REG_ADDR[sut]}
SRC="$T/work/src"
make_oci_image "$SRC" app linux/amd64
DIGEST=$(layout_digest "$SRC" app)
skopeo_ copy --dest-tls-verify=false "oci:$SRC:app" "docker://$R/mirror/app:v1" >/dev/null

cat >"$T/work/cluster.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  registrySources:
    insecureRegistries: ["$R"]
    blockedRegistries: [blocked.invalid]
---
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: digests}
spec:
  imageDigestMirrors:
  - {source: upstream.invalid/team/app, mirrors: ["$R/mirror/app"], mirrorSourcePolicy: NeverContactSource}
---
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata: {name: tags}
spec:
  imageTagMirrors:
  - {source: upstream.invalid/team/app, mirrors: ["$R/mirror/app"], mirrorSourcePolicy: NeverContactSource}
YAML
"$REGMIRROR_BIN" render -f "$T/work/cluster.yaml" --out "$T/work/node"
N="$T/work/node/etc/containers"
export CONTAINERS_REGISTRIES_CONF="$N/registries.conf"
RENDERED=(skopeo --policy "$N/policy.json" --registries-conf "$N/registries.conf"
  --registries.d "$T/conf/registries.d" --tmpdir "$T/tmp")

run "${RENDERED[@]}" inspect --raw "docker://upstream.invalid/team/app@$DIGEST" >"$T/work/by-digest"
assert_eq "digest of the manifest pulled by digest" "$DIGEST" "$(sha256_of "$T/work/by-digest")"
ok "skopeo inspect by digest goes to the IDMS mirror"
run "${RENDERED[@]}" inspect --raw "docker://upstream.invalid/team/app:v1" >"$T/work/by-tag"
assert_eq "digest of the manifest pulled by tag" "$DIGEST" "$(sha256_of "$T/work/by-tag")"
ok "skopeo inspect by tag goes to the ITMS mirror"
must_fail "the rendered files refuse a blocked scope" "reject|denied|blocked" \
  "${RENDERED[@]}" inspect --raw "docker://blocked.invalid/x:1"
