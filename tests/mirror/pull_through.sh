#!/usr/bin/env bash
# podman and skopeo pull THROUGH a pull-through regmirror, by tag and by digest:
#   - namespaced (`--upstream up=http://UPSTREAM`: MIRROR/up/ns/app is UPSTREAM/ns/app),
#   - whole-registry (`--upstream http://UPSTREAM`: MIRROR/ns/app is UPSTREAM/ns/app),
#   - and as a node pulls: podman with the registries.conf `regmirror render` writes for an
#     ImageDigestMirrorSet / ImageTagMirrorSet whose mirror is MIRROR/up/ns/app for the
#     source up.example/ns/app (the source is never contacted: NeverContactSource).
# Then the upstream is stopped: the same pulls succeed from the cache; and the mirrors,
# restarted while the upstream is still down, start and serve the cache.
# UPSTREAM_KIND: docker-registry (default) or regmirror (a plain `regmirror serve`).
source "$(dirname "$0")/mirror_lib.sh"
require_cmd skopeo podman
UPSTREAM_KIND=${UPSTREAM_KIND:-docker-registry}

start_registry up "$UPSTREAM_KIND"
UP=${REG_ADDR[up]}
SRC="$T/work/src"
make_oci_image "$SRC" v1
DIGEST=$(layout_digest "$SRC" v1)
push_layout "$SRC" v1 "$UP" ns/app:v1
ok "image ns/app:v1 ($DIGEST) pushed to the upstream ($UPSTREAM_KIND)"

start_mirror ns "" "$T/ns-data" --upstream "up=http://$UP"
start_mirror whole "" "$T/whole-data" --upstream "http://$UP"
NS=${REG_ADDR[ns]} WHOLE=${REG_ADDR[whole]}

# The cluster's view: up.example/ns/app is mirrored at NS/up/ns/app, by digest and by tag.
cat >"$T/work/cluster.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  registrySources:
    insecureRegistries: ["$NS"]
---
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: pull-through}
spec:
  imageDigestMirrors:
  - {source: up.example/ns/app, mirrors: ["$NS/up/ns/app"], mirrorSourcePolicy: NeverContactSource}
---
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata: {name: pull-through}
spec:
  imageTagMirrors:
  - {source: up.example/ns/app, mirrors: ["$NS/up/ns/app"], mirrorSourcePolicy: NeverContactSource}
YAML
run "$REGMIRROR_BIN" render -f "$T/work/cluster.yaml" --out "$T/work/node"
NODE="$T/work/node/etc/containers"
grep -qF "location = \"$NS/up/ns/app\"" "$NODE/registries.conf" ||
  fail "rendered registries.conf has no mirror $NS/up/ns/app:\n$(cat "$NODE/registries.conf")"

# podman_digest REF: the manifest digest podman recorded for a pulled image.
podman_digest() { "${PODMAN[@]}" image inspect --format '{{.Digest}}' "$1"; }

# pull_everything PHASE: every way of pulling the image through the mirrors; each must
# give the upstream's manifest digest. podman's store is emptied first, so that every
# blob is asked for again.
pull_everything() {
  local phase=$1 ref out n=0
  "${PODMAN[@]}" rmi -a -f >/dev/null 2>&1 || true
  for ref in "$NS/up/ns/app" "$WHOLE/ns/app"; do
    n=$((n + 1))
    out="$T/work/$phase-$n"
    skopeo_ copy --preserve-digests --src-tls-verify=false "docker://$ref:v1" "oci:$out:tag" >/dev/null
    assert_eq "$phase: skopeo copy $ref:v1: digest" "$DIGEST" "$(layout_digest "$out" tag)"
    skopeo_ copy --preserve-digests --src-tls-verify=false "docker://$ref@$DIGEST" "oci:$out:digest" >/dev/null
    assert_eq "$phase: skopeo copy $ref@digest: digest" "$DIGEST" "$(layout_digest "$out" digest)"
    podman_ pull -q --tls-verify=false "$ref:v1" >/dev/null
    assert_eq "$phase: podman pull $ref:v1: digest" "$DIGEST" "$(podman_digest "$ref:v1")"
    podman_ pull -q --tls-verify=false "$ref@$DIGEST" >/dev/null
    assert_eq "$phase: podman pull $ref@digest: digest" "$DIGEST" "$(podman_digest "$ref@$DIGEST")"
    ok "$phase: skopeo and podman pull $ref by tag and by digest"
  done
  "${PODMAN[@]}" rmi -a -f >/dev/null 2>&1 || true
  CONTAINERS_REGISTRIES_CONF="$NODE/registries.conf" \
    podman_ pull -q --signature-policy "$NODE/policy.json" "up.example/ns/app@$DIGEST" >/dev/null
  assert_eq "$phase: podman pull up.example/ns/app@digest (rendered registries.conf)" "$DIGEST" \
    "$(podman_digest "up.example/ns/app@$DIGEST")"
  CONTAINERS_REGISTRIES_CONF="$NODE/registries.conf" \
    podman_ pull -q --signature-policy "$NODE/policy.json" "up.example/ns/app:v1" >/dev/null
  assert_eq "$phase: podman pull up.example/ns/app:v1 (rendered registries.conf)" "$DIGEST" \
    "$(podman_digest "up.example/ns/app:v1")"
  ok "$phase: podman with the rendered registries.conf pulls up.example/ns/app through $NS"
}

pull_everything upstream-up
# The layers really came from the upstream through the mirrors: both have fetched.
for m in ns whole; do
  (($(mirror_fetches "$m") > 0)) ||
    fail "mirror $m logged no \"mirror fetch\" line:\n$(tail -n 20 "$T/$m.log")"
done

stop_registry up
pull_everything upstream-down

for m in ns whole; do stop_registry "$m"; done
start_mirror ns "${NS##*:}" "$T/ns-data" --upstream "up=http://$UP"
start_mirror whole "${WHOLE##*:}" "$T/whole-data" --upstream "http://$UP"
pull_everything restarted-upstream-down
