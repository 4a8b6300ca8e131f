#!/usr/bin/env bash
# Signatures through mirror mode. An upstream holds ns/app:v1 signed under cosign's tag
# sha256-<hex>.sig (as skopeo --sign-by-sigstore-private-key writes it, made by
# tests/fixtures/oci_images.py):
#   - pull-through: a client asking the mirror for the .sig tag gets the upstream's, even
#     when the upstream's tag rules (tags.include: [v1]) would leave such a tag out;
#     skopeo copies the image through the mirror;
#   - a scheduled mirror.sync set copies the image and its signature into the serving
#     registry, under the same tag.
source "$(dirname "$0")/mirror_lib.sh"
require_cmd skopeo openssl python3 jq curl

start_registry up regmirror
UP=${REG_ADDR[up]}
SRC="$T/work/src"
make_oci_image "$SRC" v1
DIGEST=$(layout_digest "$SRC" v1)
push_layout "$SRC" v1 "$UP" ns/app:v1
push_layout "$SRC" v1 "$UP" ns/app:latest
openssl ecparam -name prime256v1 -genkey -noout -out "$T/work/key.pem" 2>/dev/null
read -r SIG SIG_DIGEST < <(python3 "$MIRROR_DIR/../transfer/push_cosign_signature.py" \
  "$UP" ns/app "$DIGEST" "$T/work/key.pem" "$UP/ns/app")
ok "upstream: ns/app:v1 ($DIGEST) signed under $SIG"

# --- pull-through -------------------------------------------------------------------------------
cat >"$T/work/mirror.yaml" <<YAML
mirror:
  upstreams:
    - prefix: up
      url: http://$UP
      tags: { include: ["v1"] }
YAML
start_mirror m "" "$T/m-data" --config "$T/work/mirror.yaml"
M=${REG_ADDR[m]}
check_served_manifest "$M" up/ns/app v1 "$DIGEST"
check_served_manifest "$M" up/ns/app "$SIG" "$SIG_DIGEST"
for blob in $(curl -s "http://$UP/v2/ns/app/manifests/$SIG" -H "Accept: $MT_OCI_MANIFEST" |
  jq -r '.config.digest, .layers[].digest'); do
  check_served_blob "$M" up/ns/app "$blob"
done
assert_manifest_absent "a tag the rules leave out" "$M" up/ns/app latest
skopeo_ copy --preserve-digests --src-tls-verify=false "docker://$M/up/ns/app:$SIG" "oci:$T/work/sig:sig" >/dev/null
assert_eq "skopeo copy of the .sig tag through the mirror" "$SIG_DIGEST" "$(layout_digest "$T/work/sig" sig)"
ok "pull-through serves the upstream's .sig tag (manifest and blobs), whatever the tag rules"

# --- a scheduled mirror.sync set ----------------------------------------------------------------
printf '%s\n' "images:" "  - source: $UP/ns/app" >"$T/work/set.yaml"
printf '%s\n' "mirror:" "  sync:" "    - config: $T/work/set.yaml" "      interval: 1h" \
  "      prefix: synced" >"$T/work/serve.yaml"
start_registry s regmirror --config "$T/work/serve.yaml"
S=${REG_ADDR[s]}
for ((i = 0; i < 600; i++)); do
  [[ $(manifest_status "$S" "synced/ns/app" "$SIG") == 200 ]] && break
  sleep 0.1
done
check_served_manifest "$S" synced/ns/app v1 "$DIGEST"
check_served_manifest "$S" synced/ns/app "$SIG" "$SIG_DIGEST"
ok "a mirror.sync set copies the image and its .sig tag into the serving registry"
