#!/usr/bin/env bash
# regmirror's sigstore signatures against containers/image's own sigstore code. Debian 12's
# containers/image (skopeo, podman) has it patched out; the sigstore oracle
# (sigstore_oracle/, built by the signatures.sigstore_oracle_build fixture) is Debian's
# 5.23.1 with the stubbed functions written anew. Against one `regmirror serve`:
#   0. the oracle itself: an unsigned image refused with upstream's "A signature was
#      required, but no signature exists";
#   1. regmirror signs (key generate, copy --sign-by-sigstore-private-key); the oracle's
#      policy check (skopeo copy's) accepts it under the key's .pub, refuses it under another
#      key's and for another identity; regmirror pull gives the same verdicts;
#   2. the oracle signs (skopeo copy --sign-by-sigstore-private-key's code) with a
#      regmirror-generated key; regmirror pull and the oracle accept it, and both refuse a
#      signature by another key and one for another digest;
#   3. a multi-arch index: what is checked is the instance copied (the oracle's check
#      --instance: copy.Image's check of each instance), never the index: signed at the index
#      only is refused, an instance signed is accepted; copy --all --sign-by-... signs every
#      instance and the index; a copy to a destination named by digest signs
#      host/repo@<digest>, which matchRepoDigestOrExact accepts.
# Needs SIGSTORE_ORACLE (the oracle binary) and REGMIRROR_BIN.
source "$(dirname "$0")/../transfer/transfer_lib.sh"
require_cmd skopeo jq curl openssl python3
require_regmirror_cmd copy pull key
ORACLE=${SIGSTORE_ORACLE:?the sigstore oracle binary (tests/signatures/sigstore_oracle/build.sh)}
[[ -x $ORACLE ]] || fail "no sigstore oracle at $ORACLE"

start_registry reg regmirror
R=${REG_ADDR[reg]}
SRC="$T/work/src"
make_oci_image "$SRC" app linux/amd64
make_oci_image "$SRC" other linux/arm64
APP=$(layout_digest "$SRC" app)
OTHER=$(layout_digest "$SRC" other)
push_layout "$SRC" app "$R" team/app:1
push_layout "$SRC" app "$R" tampered/app:1
push_layout "$SRC" other "$R" tampered/app:other

KEYS="$T/work/keys"
mkdir -p "$KEYS"
REGMIRROR_KEY_PASSPHRASE=release-pass rm_ok key generate release --output-dir "$KEYS"
REGMIRROR_KEY_PASSPHRASE=other-pass rm_ok key generate other --output-dir "$KEYS"
printf 'release-pass\n' >"$KEYS/passphrase"

RD="$T/work/registries.d"
mkdir -p "$RD"
printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$RD/default.yaml"

# policy NAME PUBKEY [IDENTITY]: $T/work/NAME.json, a sigstoreSigned requirement for the
# registry with PUBKEY, signedIdentity matchRepoDigestOrExact or exactReference IDENTITY.
policy() {
  local identity='{"type": "matchRepoDigestOrExact"}'
  [[ -n ${3:-} ]] && identity=$(jq -n --arg r "$3" '{type: "exactReference", dockerReference: $r}')
  jq -n --arg scope "$R" --arg key "$2" --argjson id "$identity" '{default: [{type: "reject"}],
    transports: {docker: {($scope): [{type: "sigstoreSigned", keyPath: $key, signedIdentity: $id}]}}}' \
    >"$T/work/$1.json"
}
policy release "$KEYS/release.pub"
policy other "$KEYS/other.pub"

# accepted REF POLICY: the oracle's policy check and regmirror pull both accept REF.
accepted() {
  local ref=$1 pol="$T/work/$2.json" out
  out=$(timeout -k 5 "$CLIENT_TIMEOUT" "$ORACLE" check --policy "$pol" --registries.d "$RD" "docker://$ref" 2>&1) ||
    fail "containers/image refused $ref under $2.json:\n$out"
  assert_eq "containers/image's verdict on $ref under $2.json" accepted "$out"
  ok "containers/image accepts $ref under $2.json"
  rm_ok pull --policy "$pol" --registries.d "$RD" --quiet --dest "oci:$T/work/pulled" "$ref"
  rm -rf "$T/work/pulled"
  ok "regmirror pull accepts $ref under $2.json"
}
# refused REF POLICY ORACLE_PATTERN REGMIRROR_PATTERN: both refuse REF, each for the reason
# given (REGMIRROR_PATTERN empty: regmirror is not asked).
refused() {
  local ref=$1 pol="$T/work/$2.json"
  must_fail "containers/image refuses $ref under $2.json: /$3/" "$3" \
    "$ORACLE" check --policy "$pol" --registries.d "$RD" "docker://$ref"
  [[ -n $4 ]] || return 0
  rm_fails "regmirror pull refuses $ref under $2.json" "$4" \
    pull --policy "$pol" --registries.d "$RD" --quiet --dest "oci:$T/work/refused" "$ref"
  [[ ! -e $T/work/refused ]] || fail "regmirror pull wrote an image it refused"
}

# --- 0. the oracle refuses what it must ---------------------------------------------------------
refused "$R/team/app:1" release "A signature was required, but no signature exists" \
  "no sigstore signature exists"

# --- 1. regmirror signs, containers/image verifies ----------------------------------------------
rm_ok copy --tls-verify=false --sign-by-sigstore-private-key "$KEYS/release.key" \
  --sign-passphrase-file "$KEYS/passphrase" "docker://$R/team/app:1" "docker://$R/signed/app:1"
accepted "$R/signed/app:1" release
refused "$R/signed/app:1" other "cryptographic signature verification failed" \
  "sigstoreSigned.*cryptographic signature verification failed"
policy wrong-identity "$KEYS/release.pub" "$R/signed/app:2"
refused "$R/signed/app:1" wrong-identity "Signature for identity $R/signed/app:1 is not accepted" \
  "sigstoreSigned.*identity \"$R/signed/app:1\" is not accepted"

# --- 2. containers/image signs, regmirror verifies ----------------------------------------------
SIGN=("$ORACLE" sign --passphrase-file "$KEYS/passphrase" --registries.d "$RD")
# The key file as `regmirror key generate` wrote it: "ENCRYPTED COSIGN PRIVATE KEY", the only
# label containers/image 5.23.1 reads.
run "${SIGN[@]}" --key "$KEYS/release.key" "docker://$R/team/app:1" "docker://$R/theirs/app:1" >/dev/null
sig_manifest=$(curl -fsS -H "Accept: $MT_OCI_MANIFEST" "http://$R/v2/theirs/app/manifests/${APP/:/-}.sig")
payload_digest=$(jq -r '.layers[0].digest' <<<"$sig_manifest")
assert_eq "the signature's creator" "containers/image 5.23.1" \
  "$(curl -fsS "http://$R/v2/theirs/app/blobs/$payload_digest" | jq -r .optional.creator)"
ok "containers/image signs with regmirror's key file"
accepted "$R/theirs/app:1" release
refused "$R/theirs/app:1" other "cryptographic signature verification failed" \
  "sigstoreSigned.*cryptographic signature verification failed"

# Another digest's signature: containers/image signs the other image in place, and that
# signature manifest becomes the attachment of the app image in the same repository.
run "${SIGN[@]}" --key "$KEYS/release.key" "docker://$R/tampered/app:other" \
  "docker://$R/tampered/app:other" >/dev/null
curl -fsS -H "Accept: $MT_OCI_MANIFEST" "http://$R/v2/tampered/app/manifests/${OTHER/:/-}.sig" >"$T/work/other.sig"
curl -fsS -X PUT -H "Content-Type: $MT_OCI_MANIFEST" --data-binary "@$T/work/other.sig" \
  "http://$R/v2/tampered/app/manifests/${APP/:/-}.sig" >/dev/null
refused "$R/tampered/app:1" release "Signature for digest $OTHER does not match" \
  "sigstoreSigned.*signature for digest $OTHER does not match"
accepted "$R/tampered/app:other" release

# --- 3. a multi-arch image -----------------------------------------------------------------------
MSRC="$T/work/multi-src"
make_oci_index "$MSRC" multi linux/amd64 linux/arm64
MULTI=$(layout_digest "$MSRC" multi)
instance() {
  layout_blob "$MSRC" "$MULTI" | jq -r --arg a "$1" '.manifests[] | select(.platform.architecture == $a) | .digest'
}
AMD=$(instance amd64)
ARM=$(instance arm64)
push_layout "$MSRC" multi "$R" team/multi:1 --all
# A plain EC key for push_sigstore.py (which signs as skopeo would, with openssl).
openssl ecparam -name prime256v1 -genkey -noout -out "$KEYS/index.key" 2>/dev/null
openssl ec -in "$KEYS/index.key" -pubout -out "$KEYS/index.pub" 2>/dev/null
policy index "$KEYS/index.pub"
PUSH=(python3 "$(dirname "$0")/push_sigstore.py")

# oracle_check POLICY INSTANCE REF: the oracle's verdict ("accepted", else its error).
oracle_check() {
  timeout -k 5 "$CLIENT_TIMEOUT" "$ORACLE" check --policy "$T/work/$1.json" --registries.d "$RD" \
    ${2:+--instance "$2"} "docker://$3" 2>&1 || true
}
# pulled POLICY REF [ARGS...]: regmirror pull accepts REF.
pulled() {
  local pol=$1 ref=$2
  shift 2
  rm_ok pull --policy "$T/work/$pol.json" --registries.d "$RD" --quiet --dest "oci:$T/work/pulled" "$@" "$ref"
  rm -rf "$T/work/pulled"
  ok "regmirror pull${*:+ $*} accepts $ref under $pol.json"
}
# identities REPO DIGEST: the docker-reference of every signature in DIGEST's attachment.
identities() {
  local manifest layer
  manifest=$(curl -fsS -H "Accept: $MT_OCI_MANIFEST" "http://$R/v2/$1/manifests/${2/:/-}.sig") ||
    fail "no signature attachment of $2 in $1"
  for layer in $(jq -r '.layers[].digest' <<<"$manifest"); do
    curl -fsS "http://$R/v2/$1/blobs/$layer" | jq -r '.critical.identity["docker-reference"]'
  done
}

# (a) Signed at the index only: containers/image's copy checks the instance and refuses; so
# does regmirror pull, though the index's own signature is good.
"${PUSH[@]}" "$R" team/multi "$KEYS/index.key" "$R/team/multi:1" "$MULTI"
assert_eq "the oracle on the index itself (a check copy.Image never makes)" accepted \
  "$(oracle_check index "" "$R/team/multi:1")"
out=$(oracle_check index "$AMD" "$R/team/multi:1")
[[ $out == *"A signature was required, but no signature exists"* ]] ||
  fail "containers/image accepted the unsigned instance of an index signed at the index: $out"
ok "containers/image refuses the instance of an index signed at the index only"
rm_fails "regmirror pull refuses an index signed at the index only" \
  "no sigstore signature exists" \
  pull --policy "$T/work/index.json" --registries.d "$RD" --quiet --dest "oci:$T/work/refused" "$R/team/multi:1"
[[ ! -e $T/work/refused ]] || fail "regmirror pull wrote an image it refused"
rm_fails "regmirror copy --verify-policy refuses it too" "no sigstore signature exists" \
  copy --tls-verify=false --verify-policy --policy "$T/work/index.json" --registries.d "$RD" \
  "docker://$R/team/multi:1" "oci:$T/work/refused:1"

# The amd64 instance signed (for the reference asked for): both accept it for that platform;
# with --all the arm64 instance still refuses it.
"${PUSH[@]}" "$R" team/multi "$KEYS/index.key" "$R/team/multi:1" "$AMD"
assert_eq "the oracle on the signed instance" accepted "$(oracle_check index "$AMD" "$R/team/multi:1")"
pulled index "$R/team/multi:1"
rm_fails "regmirror pull --all refuses the unsigned arm64 instance" "$ARM" \
  pull --all --policy "$T/work/index.json" --registries.d "$RD" --quiet --dest "oci:$T/work/refused" "$R/team/multi:1"

# (b) copy --all signs each instance and the index, for the destination reference.
rm_ok copy --all --tls-verify=false --sign-by-sigstore-private-key "$KEYS/release.key" \
  --sign-passphrase-file "$KEYS/passphrase" "docker://$R/team/multi:1" "docker://$R/signed/multi:1"
for d in "$MULTI" "$AMD" "$ARM"; do
  identities signed/multi "$d" | grep -qxF "$R/signed/multi:1" ||
    fail "copy --all did not sign $d as $R/signed/multi:1: $(identities signed/multi "$d")"
done
ok "copy --all signed the index and both instances"
for d in "$AMD" "$ARM"; do
  assert_eq "the oracle on instance $d of signed/multi" accepted \
    "$(oracle_check release "$d" "$R/signed/multi:1")"
done
ok "containers/image accepts both instances regmirror signed"
pulled release "$R/signed/multi:1"
pulled release "$R/signed/multi:1" --platform linux/arm64
pulled release "$R/signed/multi:1" --all

# (c) A destination named by digest: the identity is host/repo@<digest> (the index's, for the
# instances too, as containers/image), which matchRepoDigestOrExact accepts; never a bare name.
rm_ok copy --all --tls-verify=false --sign-by-sigstore-private-key "$KEYS/release.key" \
  --sign-passphrase-file "$KEYS/passphrase" "docker://$R/team/multi:1" "docker://$R/bydigest/multi@$MULTI"
for d in "$MULTI" "$AMD" "$ARM"; do
  identities bydigest/multi "$d" | grep -qxF "$R/bydigest/multi@$MULTI" ||
    fail "$d at bydigest/multi is not signed as $R/bydigest/multi@$MULTI: $(identities bydigest/multi "$d")"
done
ok "a copy by digest signs $R/bydigest/multi@<digest>"
assert_eq "the oracle on an instance signed by digest" accepted \
  "$(oracle_check release "$AMD" "$R/bydigest/multi@$MULTI")"
pulled release "$R/bydigest/multi@$MULTI"
rm_ok copy --tls-verify=false --sign-by-sigstore-private-key "$KEYS/release.key" \
  --sign-passphrase-file "$KEYS/passphrase" "docker://$R/team/app:1" "docker://$R/bydigest/app@$APP"
assert_eq "a single image copied by digest" "$R/bydigest/app@$APP" "$(identities bydigest/app "$APP" | tail -n 1)"
assert_eq "the oracle on it" accepted "$(oracle_check release "" "$R/bydigest/app@$APP")"
rm_fails "--sign-identity without a tag or digest is a usage error" "tag or digest|fully specified" \
  copy --tls-verify=false --sign-by-sigstore-private-key "$KEYS/release.key" \
  --sign-passphrase-file "$KEYS/passphrase" --sign-identity "$R/bydigest/app" \
  "docker://$R/team/app:1" "docker://$R/bydigest/app:2"
((RM_RC == 2)) || fail "--sign-identity without a tag or digest: exit $RM_RC, not 2"
