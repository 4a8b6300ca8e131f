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
#      signature by another key and one for another digest.
# Needs SIGSTORE_ORACLE (the oracle binary) and REGMIRROR_BIN.
source "$(dirname "$0")/../transfer/transfer_lib.sh"
require_cmd skopeo jq curl
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
