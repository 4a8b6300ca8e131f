#!/usr/bin/env bash
# policy.json's sigstoreSigned verified by regmirror against a real `regmirror serve` on
# loopback: the policy (sigstoreSigned, keyPath to an openssl-made P-256 public key) and a
# registries.d with use-sigstore-attachments: true. A correctly signed image is accepted; a
# signature of another manifest (tampered), one by another key, one for another identity, and
# no signature are each refused by `regmirror pull`. Then a mirror: the signature read from
# the mirror, the identity checked against the reference asked for. `regmirror copy
# --verify-policy` and `regmirror resolve --verify` (text and --json) on the same images.
#
# podman takes part only where its verdict is real here: the unsigned image ("no signature
# exists"). Debian's podman 4.3 verifies no sigstore signature at all ("Debian-local change:
# sigstore disabled" for every one it finds), so it can neither accept nor refuse the signed
# cases for their own reason. containers/image's verdicts on those (accepted, wrong key,
# other manifest, other identity), with sigstore restored, are tests/signatures/
# sigstore_oracle.sh's; GPG's are gpg_policy.sh's, where podman's verdict is real.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman openssl jq python3 curl

start_registry sut regmirror
R=${REG_ADDR[sut]}
SRC="$T/work/src"
RD="$T/conf/registries.d"
PUSH=(python3 "$(dirname "$0")/push_sigstore.py")

# Keys, as `openssl` makes them (cosign's are the same P-256 kind).
mkdir -p "$T/keys"
for k in good bad; do
  openssl ecparam -genkey -name prime256v1 -noout -out "$T/keys/$k.key" 2>/dev/null
  openssl ec -in "$T/keys/$k.key" -pubout -out "$T/keys/$k.pub" 2>/dev/null
done

# The policy and registries.d, for podman too (its per-user registries.d).
jq -n --arg scope "$R/sig" --arg key "$T/keys/good.pub" '{
  default: [{type: "insecureAcceptAnything"}],
  transports: {docker: {($scope): [{type: "sigstoreSigned", keyPath: $key,
                                    signedIdentity: {type: "matchRepoDigestOrExact"}}]}}}' >"$POLICY"
printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$RD/default.yaml"
mkdir -p "$HOME/.config/containers/registries.d"
cp "$RD/default.yaml" "$HOME/.config/containers/registries.d/default.yaml"

make_oci_image "$SRC" img linux/amd64
make_oci_image "$SRC" other linux/arm64
for repo in good tampered wrongkey wrongid unsigned mirror/app; do
  skopeo_ copy --dest-tls-verify=false "oci:$SRC:img" "docker://$R/sig/$repo:v1" >/dev/null
done
D="sha256:$(curl -fsS -H "Accept: $MT_OCI_MANIFEST" "http://$R/v2/sig/good/manifests/v1" |
  sha256sum | cut -d' ' -f1)"
OTHER=$(layout_digest "$SRC" other)
"${PUSH[@]}" "$R" sig/good "$T/keys/good.key" "$R/sig/good:v1" "$D"
"${PUSH[@]}" "$R" sig/tampered "$T/keys/good.key" "$R/sig/tampered:v1" "$OTHER" "$D"
"${PUSH[@]}" "$R" sig/wrongkey "$T/keys/bad.key" "$R/sig/wrongkey:v1" "$D"
"${PUSH[@]}" "$R" sig/wrongid "$T/keys/good.key" "$R/sig/good:v1" "$D"
# The mirror holds the image and a signature naming the logical reference.
"${PUSH[@]}" "$R" sig/mirror/app "$T/keys/good.key" "$R/sig/logical/app:v1" "$D"
printf '[[registry]]\nprefix = "%s"\nlocation = "%s"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\n\n' \
  "$R/sig/logical" "$R/sig/logical" "$R/sig/mirror" >>"$CONTAINERS_REGISTRIES_CONF"
ok "images pushed with skopeo, sigstore attachments for $D"

REGMIRROR=("$REGMIRROR_BIN")
PULL=(pull --policy "$POLICY" --registries.d "$RD" --quiet)

# The signature is valid for openssl too: ECDSA P-256 over SHA-256 of the payload, as cosign.
sig_manifest=$(curl -fsS -H "Accept: $MT_OCI_MANIFEST" "http://$R/v2/sig/good/manifests/${D/:/-}.sig")
curl -fsS "http://$R/v2/sig/good/blobs/$(jq -r '.layers[0].digest' <<<"$sig_manifest")" >"$T/work/payload"
jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' <<<"$sig_manifest" |
  base64 -d >"$T/work/signature"
run openssl dgst -sha256 -verify "$T/keys/good.pub" -signature "$T/work/signature" "$T/work/payload" >/dev/null
ok "openssl verifies the attachment's signature with the policy's key"

# Accepted by both.
run "${REGMIRROR[@]}" "${PULL[@]}" --dest "oci:$T/work/pulled-good" "$R/sig/good:v1"
[[ -f $T/work/pulled-good/index.json ]] || fail "regmirror pull of the signed image wrote nothing"
ok "regmirror pull accepts the correctly signed image"

# refused NAME PATTERN: regmirror refuses $R/sig/NAME:v1 with PATTERN and writes nothing.
refused() {
  local name=$1 ours=$2
  must_fail "regmirror pull refuses $name" "$ours" \
    "${REGMIRROR[@]}" "${PULL[@]}" --dest "oci:$T/work/pulled-$name" "$R/sig/$name:v1"
  [[ ! -e $T/work/pulled-$name ]] || fail "regmirror pull wrote $T/work/pulled-$name for a refused image"
}
refused tampered "sigstoreSigned.*signature for digest $OTHER does not match"
refused wrongkey "sigstoreSigned.*cryptographic signature verification failed"
refused wrongid "sigstoreSigned.*identity \"$R/sig/good:v1\" is not accepted"
refused unsigned "sigstoreSigned.*no sigstore signature exists"
# podman's verdict on the unsigned image is upstream's, Debian's build or not.
must_fail "podman pull refuses unsigned" "A signature was required, but no signature exists" \
  "${PODMAN[@]}" pull -q --signature-policy "$POLICY" "$R/sig/unsigned:v1"

# Without use-sigstore-attachments nobody reads the attachment: refused as unsigned.
mkdir -p "$T/conf/no-attachments.d"
must_fail "regmirror pull without use-sigstore-attachments sees no signature" \
  "no sigstore signature exists" "${REGMIRROR[@]}" pull --policy "$POLICY" \
  --registries.d "$T/conf/no-attachments.d" --dest "oci:$T/work/pulled-x" "$R/sig/good:v1"

# A mirror serves the image and its signature; the identity is the logical reference.
run "${REGMIRROR[@]}" "${PULL[@]}" --dest "oci:$T/work/pulled-logical" "$R/sig/logical/app:v1"
ok "regmirror pull through a mirror checks the identity against the reference asked for"

# copy --verify-policy: the source checked against the policy for its own reference.
COPY=(copy --verify-policy --policy "$POLICY" --registries.d "$RD" --quiet)
run "${REGMIRROR[@]}" "${COPY[@]}" "docker://$R/sig/good:v1" "oci:$T/work/copied:good"
ok "regmirror copy --verify-policy copies the signed image"
must_fail "regmirror copy --verify-policy refuses a signature by another key" \
  "refused by policy.json.*cryptographic signature verification failed" \
  "${REGMIRROR[@]}" "${COPY[@]}" "docker://$R/sig/wrongkey:v1" "oci:$T/work/copied-bad:v1"
[[ ! -e $T/work/copied-bad ]] || fail "regmirror copy wrote a refused image"
run "${REGMIRROR[@]}" copy --quiet "docker://$R/sig/wrongkey:v1" "oci:$T/work/copied-unchecked:v1"
ok "regmirror copy without --verify-policy does not check"

# resolve --verify: per requirement, text and JSON; exit 1 when one is refused.
mkdir -p "$T/conf/none"
RESOLVE=(resolve --verify --policy "$POLICY" --registries.d "$RD"
  --registries-conf "$CONTAINERS_REGISTRIES_CONF" --registries-conf-dir "$T/conf/none")
rc=0
"${REGMIRROR[@]}" "${RESOLVE[@]}" "$R/sig/good:v1" "$R/sig/wrongid:v1" >"$T/work/resolve.txt" 2>&1 || rc=$?
assert_eq "resolve --verify exit status with one refused image" 1 "$rc"
grep -qF "1. sigstoreSigned: satisfied: signature for \"$R/sig/good:v1\" at $D verified" "$T/work/resolve.txt" ||
  fail "resolve --verify text lacks the satisfied requirement:\n$(cat "$T/work/resolve.txt")"
grep -qF "1. sigstoreSigned: not satisfied (identity-mismatch): " "$T/work/resolve.txt" ||
  fail "resolve --verify text lacks the identity mismatch:\n$(cat "$T/work/resolve.txt")"
grep -qF "=> signatures: refused" "$T/work/resolve.txt" ||
  fail "no refusal verdict in:\n$(cat "$T/work/resolve.txt")"
ok "resolve --verify text reports each requirement"
rc=0
"${REGMIRROR[@]}" "${RESOLVE[@]}" --json "$R/sig/good:v1" "$R/sig/tampered:v1" >"$T/work/resolve.json" || rc=$?
assert_eq "resolve --verify --json exit status with one refused image" 1 "$rc"
assert_eq "resolve --verify --json: allowed per image" "true false" \
  "$(jq -r .verification.allowed "$T/work/resolve.json" | paste -sd' ')"
assert_eq "resolve --verify --json: refusal of the tampered image" "digest-mismatch" \
  "$(jq -r 'select(.input | endswith("tampered:v1")) | .verification.requirements[0].refusal' "$T/work/resolve.json")"
assert_eq "resolve --verify --json: the digest read" "$D" \
  "$(jq -r 'select(.input | endswith("good:v1")) | .verification.digest' "$T/work/resolve.json")"
ok "resolve --verify --json reports each requirement"
