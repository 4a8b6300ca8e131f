#!/usr/bin/env bash
# `regmirror verify` against a real mirror, each verdict compared with what `podman pull`
# does through the same rendered node files (registries.conf, certs.d, the pull secret):
#   - the mirror: `regmirror serve` over HTTPS with a test CA and htpasswd users (`ci` may
#     push and delete, `robot` — the nodes' pull secret — may only pull);
#   - the upstream: a closed port on 127.0.0.1, so only the mirror can serve;
#   - the cluster: an ImageDigestMirrorSet mapping the upstream to the mirror, image.config
#     naming the CA ConfigMap;
#   - cases: a completely mirrored set (OK, podman pulls); a wrong mirror path in the IDMS
#     (MISSING); a CA not in the ConfigMap (UNTRUSTED); the pull secret without the mirror's
#     credentials (DENIED); one layer deleted (MISSING naming it); one child manifest of an
#     index deleted (MISSING naming it); one signature deleted under a sigstoreSigned policy
#     (UNSIGNED naming the attachment tag; podman under the same policy refuses it: "no
#     signature exists". Debian's podman cannot verify a present sigstore signature, so the
#     OK case of the signed image is compared under the rendered policy only).
# shellcheck source=../clients/lib.sh
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman openssl python3

CA="$T/ca"
python3 "$REPO_ROOT/tests/fixtures/test_ca.py" "$CA" >/dev/null || fail "test_ca.py failed"
REG_TLS_CA="$CA/ca.crt"   # start_registry probes the HTTPS mirror with it
HTPASSWD="$T/htpasswd"
CI_PW=ci-Secret-4711
ROBOT_PW=robot-Secret-0815
printf %s "$CI_PW" | run "$REGMIRROR_BIN" passwd ci --htpasswd "$HTPASSWD" --password-stdin --cost 4
printf %s "$ROBOT_PW" | run "$REGMIRROR_BIN" passwd robot --htpasswd "$HTPASSWD" --password-stdin --cost 4
cat >"$T/config.yaml" <<YAML
auth:
  htpasswd: $HTPASSWD
  access:
    - repositories: "**"
      actions: [pull, push, delete]
      subjects: [ci]
    - repositories: "**"
      actions: pull
      subjects: [robot]
YAML
start_registry mirror regmirror --tls-cert "$CA/server.crt" --tls-key "$CA/server.key" \
  --config "$T/config.yaml"
R=${REG_ADDR[mirror]}
UP="127.0.0.1:$(free_port)"   # nothing listens there: the upstream is unreachable
W="$T/work"
mkdir -p "$W"

# --- the images, pushed to the mirror as ci ----------------------------------------------
PUSH_CERTS="$W/push-certs"
mkdir -p "$PUSH_CERTS" && cp "$CA/ca.crt" "$PUSH_CERTS/ca.crt"
push() { skopeo_ copy --dest-creds "ci:$CI_PW" --dest-cert-dir "$PUSH_CERTS" "$@" >/dev/null; }
make_oci_image "$W/a" a linux/amd64
make_oci_index "$W/b" b linux/amd64 linux/arm64
make_oci_image "$W/c" c linux/amd64
push "oci:$W/a:a" "docker://$R/mirror/ns/app:a"
push --all "oci:$W/b:b" "docker://$R/mirror/ns/app:b"
push "oci:$W/c:c" "docker://$R/mirror/ns/signed:c"
DA=$(layout_digest "$W/a" a)
DB=$(layout_digest "$W/b" b)
DC=$(layout_digest "$W/c" c)

# A sigstore signature of C (what skopeo writes with use-sigstore-attachments), pushed as the
# attachment tag sha256-<hex>.sig.
openssl ecparam -name prime256v1 -genkey -noout -out "$W/cosign.key" 2>/dev/null
openssl ec -in "$W/cosign.key" -pubout -out "$W/cosign.pub" 2>/dev/null
SIG_TAG=$(python3 - "$REPO_ROOT/tests/fixtures" "$W/cosign.key" "$UP/ns/signed" "$DC" "$W/sig" <<'PY'
import hashlib, json, os, sys
sys.path.insert(0, sys.argv[1])
import oci_images
tag, manifest, blobs = oci_images.cosign_signature(sys.argv[2], sys.argv[3], sys.argv[4])
out = sys.argv[5]
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
for digest, data in list(blobs.items()) + [("sha256:" + hashlib.sha256(manifest).hexdigest(), manifest)]:
    with open(os.path.join(out, "blobs", "sha256", digest.split(":", 1)[1]), "wb") as f:
        f.write(data)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
print(tag)
PY
)
push "oci:$W/sig:$SIG_TAG" "docker://$R/mirror/ns/signed:$SIG_TAG"
cat >"$W/policy.json" <<JSON
{"default": [{"type": "insecureAcceptAnything"}],
 "transports": {"docker": {"$UP/ns/signed": [
   {"type": "sigstoreSigned", "keyPath": "$W/cosign.pub",
    "signedIdentity": {"type": "matchRepository"}}]}}}
JSON

# Where the nodes read sigstore signatures from: the attachments (registries.d).
mkdir -p "$W/registries.d"
printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$W/registries.d/sigstore.yaml"
openssl ecparam -name prime256v1 -genkey -noout -out "$W/other.key" 2>/dev/null
openssl ec -in "$W/other.key" -pubout -out "$W/other.pub" 2>/dev/null
sed "s|$W/cosign.pub|$W/other.pub|" "$W/policy.json" >"$W/other-policy.json"

# --- the cluster's objects and the nodes' pull secret -----------------------------------
ca_pem=$(sed 's/^/    /' "$CA/ca.crt")
cluster() { # cluster DIR MIRROR_PATH WITH_CA
  local dir=$1 path=$2 with_ca=$3
  mkdir -p "$dir"
  cat >"$dir/idms.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: mirror}
spec:
  imageDigestMirrors:
  - {source: $UP/ns, mirrors: ["$R/$path"]}
YAML
  if [[ $with_ca == yes ]]; then
    cat >"$dir/image.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  additionalTrustedCA: {name: registry-cas}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: registry-cas, namespace: openshift-config}
data:
  ${R/:/..}: |
$ca_pem
YAML
  fi
}
cluster "$W/good" mirror/ns yes
cluster "$W/wrong-path" mirror/elsewhere yes
cluster "$W/no-ca" mirror/ns no
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf 'robot:%s' "$ROBOT_PW" | base64 -w0)" \
  >"$W/pull-secret.json"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "other.example.com" "$(printf 'x:y' | base64 -w0)" \
  >"$W/other-secret.json"
printf '%s\n' "# the release" "$UP/ns/app@$DA" "$UP/ns/app@$DB" "$UP/ns/signed@$DC  # signed" \
  >"$W/images.txt"

# --- verify, and podman through the same node files -------------------------------------
# verify_json CLUSTER SECRET [ARG...]: the JSON lines of `regmirror verify`; its exit status
# in $VERIFY_RC.
verify_json() {
  local cluster=$1 secret=$2
  shift 2
  VERIFY_RC=0
  timeout -k 5 "$CLIENT_TIMEOUT" "$REGMIRROR_BIN" verify -f "$cluster" --images "$W/images.txt" \
    --pull-secret "$secret" --policy "${VERIFY_POLICY:-$W/policy.json}" \
    --registries.d "$W/registries.d" --json --retry-times 0 "$@" \
    >"$W/verify.out" 2>"$W/verify.err" || VERIFY_RC=$?
  ((VERIFY_RC == 0 || VERIFY_RC == 1)) ||
    fail "regmirror verify exited $VERIFY_RC:\n$(cat "$W/verify.err")"
}
# status_of IMAGE: the verdict's status; reason_of IMAGE: its reason.
status_of() { jq -r --arg i "$1" 'select(.image == $i) | .status' "$W/verify.out"; }
reason_of() { jq -r --arg i "$1" 'select(.image == $i) | .reason // ""' "$W/verify.out"; }

# podman_pulls CLUSTER SECRET IMAGE: 0 when podman pulls IMAGE through the rendered files.
podman_pulls() {
  local cluster=$1 secret=$2 image=$3 node certs=()
  node="$W/node-$(basename "$1")"
  [[ -d $node ]] || run "$REGMIRROR_BIN" render -f "$cluster" --out "$node"
  [[ -d $node/etc/containers/certs.d/$R ]] && certs=(--cert-dir "$node/etc/containers/certs.d/$R")
  "${PODMAN[@]}" rmi -a -f >/dev/null 2>&1 || true
  CONTAINERS_REGISTRIES_CONF="$node/etc/containers/registries.conf" \
    timeout -k 5 "$CLIENT_TIMEOUT" "${PODMAN[@]}" pull -q --authfile "$secret" "${certs[@]}" \
    --signature-policy "${PODMAN_POLICY:-$node/etc/containers/policy.json}" "$image" >"$W/podman.out" 2>&1
}

# expect CLUSTER SECRET IMAGE STATUS CULPRIT: verify's verdict for IMAGE is STATUS with CULPRIT
# in its reason, and podman agrees (pulls exactly when STATUS is OK).
expect() {
  local cluster=$1 secret=$2 image=$3 want=$4 culprit=$5 got reason podman=pulls
  got=$(status_of "$image")
  reason=$(reason_of "$image")
  assert_eq "verify $(basename "$cluster"): status of $image (reason: $reason)" "$want" "$got"
  [[ -z $culprit || $reason == *"$culprit"* ]] ||
    fail "verify $(basename "$cluster"): the reason for $image does not name $culprit: $reason"
  if [[ $want == UNSIGNED ]]; then
    # Debian's podman verifies no sigstore signature ("sigstore disabled"), but a missing one
    # it refuses as any podman does.
    PODMAN_POLICY="$W/policy.json" podman_pulls "$cluster" "$secret" "$image" &&
      fail "verify says UNSIGNED for $image but podman pulls it under the same policy"
    grep -q "signature was required, but no signature exists" "$W/podman.out" ||
      fail "podman refused $image for another reason:\n$(tail -n 5 "$W/podman.out")"
    ok "$(basename "$cluster"): $image is UNSIGNED ($culprit), podman: no signature exists"
    return 0
  fi
  if [[ ${NO_PODMAN:-0} == 1 ]]; then
    ok "$(basename "$cluster"): $image is $want${culprit:+ ($culprit)}"
    return 0
  fi
  podman_pulls "$cluster" "$secret" "$image" || podman=fails
  if [[ $want == OK && $podman != pulls ]]; then
    fail "verify says OK for $image but podman pull fails:\n$(tail -n 5 "$W/podman.out")"
  fi
  if [[ $want != OK && $podman == pulls ]]; then
    fail "verify says $want for $image but podman pulls it"
  fi
  ok "$(basename "$cluster"): $image is $want${culprit:+ ($culprit)}, podman $podman"
}

verify_json "$W/good" "$W/pull-secret.json"
assert_eq "exit status when every image pulls" 0 "$VERIFY_RC"
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DA" OK ""
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DB" OK ""
expect "$W/good" "$W/pull-secret.json" "$UP/ns/signed@$DC" OK ""
assert_eq "the source that serves A" "$R/mirror/ns/app" \
  "$(jq -r --arg i "$UP/ns/app@$DA" 'select(.image == $i) | .served_by' "$W/verify.out")"
jq -e 'select(.summary) | .summary.requests == .summary.distinct_pieces' "$W/verify.out" >/dev/null ||
  fail "a complete set needs one request per distinct piece: $(tail -n1 "$W/verify.out")"

# The same node files read from a node root, its pull secret where the kubelet keeps it and
# its registries.d.
mkdir -p "$W/node-good/var/lib/kubelet"
cp "$W/pull-secret.json" "$W/node-good/var/lib/kubelet/config.json"
cp -r "$W/registries.d" "$W/node-good/etc/containers/registries.d"
rc=0
"$REGMIRROR_BIN" verify --node-root "$W/node-good" --images "$W/images.txt" --policy "$W/policy.json" \
  --retry-times 0 -q >"$W/verify.txt" 2>"$W/verify.err" || rc=$?
assert_eq "verify --node-root: exit status (output: $(cat "$W/verify.txt" "$W/verify.err"))" 0 "$rc"
assert_eq "verify --node-root: images OK" 3 "$(grep -c '^OK ' "$W/verify.txt")"
ok "--node-root with the kubelet's pull secret: every image OK"

# A sync.yaml as the set: digests as listed; a tag filter lists the tags where the node's
# sources are (here the mirror, which the IDMS uses for digests only), and a node cannot pull
# those tags: the IDMS does not apply to tags and the upstream is unreachable.
cat >"$W/sync.yaml" <<YAML
images:
  - source: $UP/ns/app
    digests: ["$DA", "$DB"]
  - source: $UP/ns/app
    tag-regex: "^a\$"
YAML
rc=0
"$REGMIRROR_BIN" verify -f "$W/good" --config "$W/sync.yaml" --pull-secret "$W/pull-secret.json" \
  --retry-times 0 --json >"$W/verify.out" 2>"$W/verify.err" || rc=$?
assert_eq "verify --config: exit status" 1 "$rc"
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DA" OK ""
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DB" OK ""
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app:a" UNREACHABLE "$UP"

# The signature verifies with the policy's key; with another key it does not.
VERIFY_POLICY="$W/other-policy.json" verify_json "$W/good" "$W/pull-secret.json"
expect "$W/good" "$W/pull-secret.json" "$UP/ns/signed@$DC" UNSIGNED "no trusted key"
# Without use-sigstore-attachments the node does not read the attachment: no signature.
rc=0
"$REGMIRROR_BIN" verify -f "$W/good" --images "$W/images.txt" --pull-secret "$W/pull-secret.json" \
  --policy "$W/policy.json" --registries.d "$W/no-registries.d" --retry-times 0 --json \
  >"$W/verify.out" 2>"$W/verify.err" || rc=$?
expect "$W/good" "$W/pull-secret.json" "$UP/ns/signed@$DC" UNSIGNED "$SIG_TAG"

verify_json "$W/wrong-path" "$W/pull-secret.json"
assert_eq "exit status when images would not pull" 1 "$VERIFY_RC"
expect "$W/wrong-path" "$W/pull-secret.json" "$UP/ns/app@$DA" MISSING "$R/mirror/elsewhere/app"

verify_json "$W/no-ca" "$W/pull-secret.json"
expect "$W/no-ca" "$W/pull-secret.json" "$UP/ns/app@$DA" UNTRUSTED "TLS"

verify_json "$W/good" "$W/other-secret.json"
expect "$W/good" "$W/other-secret.json" "$UP/ns/app@$DA" DENIED ""

# Deleted on the mirror through the API, as ci.
delete() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA/ca.crt" -u "ci:$CI_PW" -X DELETE \
    "https://$R/v2/$1")
  [[ $code == 202 ]] || fail "DELETE /v2/$1: status $code, expected 202"
}
LAYER=$(layout_blob "$W/a" "$DA" | jq -r '.layers[-1].digest')
delete "mirror/ns/app/blobs/$LAYER"
ARM_CHILD=$(layout_children "$W/b" "$DB" | awk '$2 == "linux/arm64" {print $1}')
AMD_CHILD=$(layout_children "$W/b" "$DB" | awk '$2 == "linux/amd64" {print $1}')
delete "mirror/ns/app/manifests/$ARM_CHILD"
SIG_DIGEST=$(jq -r '.manifests[0].digest' "$W/sig/index.json")
delete "mirror/ns/signed/manifests/$SIG_DIGEST"

verify_json "$W/good" "$W/pull-secret.json"
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DA" MISSING "$LAYER"
expect "$W/good" "$W/pull-secret.json" "$UP/ns/signed@$DC" UNSIGNED "$SIG_TAG"
# Every child of an index by default (a cluster may have arm64 nodes); podman on this amd64
# machine pulls the amd64 child only, as verify --platform linux/amd64 checks.
NO_PODMAN=1 expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DB" MISSING "$ARM_CHILD"
verify_json "$W/good" "$W/pull-secret.json" --platform linux/amd64
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DB" OK ""
delete "mirror/ns/app/manifests/$AMD_CHILD"
verify_json "$W/good" "$W/pull-secret.json" --platform linux/amd64
expect "$W/good" "$W/pull-secret.json" "$UP/ns/app@$DB" MISSING "$AMD_CHILD"

# The text form names the culprit too, and exits 1.
rc=0
"$REGMIRROR_BIN" verify -f "$W/good" --images "$W/images.txt" --pull-secret "$W/pull-secret.json" \
  --policy "$W/policy.json" --retry-times 0 >"$W/verify.txt" 2>"$W/verify.err" || rc=$?
assert_eq "text mode exit status" 1 "$rc"
grep -q "^MISSING .*$LAYER" "$W/verify.txt" || fail "text output does not name $LAYER:\n$(cat "$W/verify.txt")"
ok "text output names the missing layer"
