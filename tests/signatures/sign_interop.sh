#!/usr/bin/env bash
# Signing while promoting, against what real clients read. A key pair from `regmirror key
# generate`; `regmirror copy --sign-by-sigstore-private-key` from one regmirror serve into
# another; then:
#   - the signature is checked without regmirror (check_sigstore_signature.py: the attachment
#     layout containers/image reads, the payload byte for byte in containers/image's form, the
#     ECDSA signature with `openssl dgst -verify`): good under the key's .pub, not under another
#     key's; its identity is the destination reference (--sign-identity overrides);
#   - skopeo reads regmirror's attachment (use-sigstore-attachments in --registries.d) and
#     carries the very signature to docker-registry;
#   - skopeo (--policy, --registries.d) and podman (--signature-policy; registries.d from
#     $HOME/.config/containers/registries.d, which containers/image prefers to /etc's when it
#     exists) accept the image under a sigstoreSigned policy with the key's .pub and refuse it
#     with another key's. Debian 12's containers/image is patched to refuse every sigstore
#     signature ("Debian-local change: sigstore disabled"): there, that part is reported as not
#     checkable and the rest still runs;
#   - a signed copy of an image already signed adds a signature, keeping the first; again,
#     it adds none;
#   - `regmirror sync --sign-by-sigstore-private-key` to two destinations (regmirror and
#     docker-registry): each destination's signature names its own reference and verifies; a
#     second run copies nothing and signs nothing again.
source "$(dirname "$0")/../transfer/transfer_lib.sh"
require_cmd skopeo podman docker-registry openssl python3 jq
require_regmirror_cmd copy sync key
CHECK="$(dirname "$0")/check_sigstore_signature.py"

start_registry src regmirror
start_registry dst regmirror
start_peer peer
S=${REG_ADDR[src]}
D=${REG_ADDR[dst]}
P=${REG_ADDR[peer]}
SRC="$T/work/src"
make_oci_image "$SRC" app linux/amd64
APP=$(layout_digest "$SRC" app)
push_layout "$SRC" app "$S" team/app:1

KEYS="$T/work/keys"
mkdir -p "$KEYS"
REGMIRROR_KEY_PASSPHRASE=release-pass rm_ok key generate release --output-dir "$KEYS"
REGMIRROR_KEY_PASSPHRASE=other-pass rm_ok key generate other --output-dir "$KEYS"
printf 'release-pass\n' >"$KEYS/passphrase"
SIGN=(--sign-by-sigstore-private-key "$KEYS/release.key" --sign-passphrase-file "$KEYS/passphrase")

# signatures ADDR REPO DIGEST PUBKEY: "verified|unverified IDENTITY" per signature.
signatures() { python3 "$CHECK" "$@" || fail "check_sigstore_signature.py $*: malformed"; }

# --- regmirror copy --sign-by-sigstore-private-key --------------------------------------------
rm_ok copy --tls-verify=false "${SIGN[@]}" "docker://$S/team/app:1" "docker://$D/prod/app:1"
grep -q "^Signed $APP as $D/prod/app:1 " "$RM_OUT" || fail "copy: no 'Signed' line:\n$(rm_output)"
assert_eq "the signature under release.pub" "verified $D/prod/app:1" \
  "$(signatures "$D" prod/app "$APP" "$KEYS/release.pub")"
assert_eq "the signature under other.pub" "unverified $D/prod/app:1" \
  "$(signatures "$D" prod/app "$APP" "$KEYS/other.pub")"
ok "copy signs as the destination reference; openssl verifies it with release.pub only"

rm_fails "a wrong passphrase" "passphrase" copy --tls-verify=false \
  --sign-by-sigstore-private-key "$KEYS/other.key" --sign-passphrase-file "$KEYS/passphrase" \
  "docker://$S/team/app:1" "docker://$D/wrong/app:1"
assert_manifest_absent "nothing copied with a wrong passphrase" "$D" wrong/app 1
rm_ok copy --tls-verify=false "${SIGN[@]}" --sign-identity "prod.example.com/shop/app:1" \
  "docker://$S/team/app:1" "docker://$D/named/app:1"
assert_eq "--sign-identity" "verified prod.example.com/shop/app:1" \
  "$(signatures "$D" named/app "$APP" "$KEYS/release.pub")"
ok "a wrong passphrase copies nothing; --sign-identity names the identity"

# --- skopeo reads the attachment --------------------------------------------------------------
RD="$T/work/registries.d"
mkdir -p "$RD"
printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$RD/default.yaml"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/work/any.json"
skopeo_ --policy "$T/work/any.json" --registries.d "$RD" copy --preserve-digests \
  --src-tls-verify=false --dest-tls-verify=false "docker://$D/prod/app:1" "docker://$P/carried/app:1" >/dev/null
assert_eq "the signature skopeo carried to docker-registry" "verified $D/prod/app:1" \
  "$(signatures "$P" carried/app "$APP" "$KEYS/release.pub")"
ok "skopeo reads regmirror's attachment and carries the signature unchanged"

# --- skopeo and podman under a sigstoreSigned policy ------------------------------------------
# policy PUBKEY: a policy requiring a signature by PUBKEY for the destination registry.
policy() {
  jq -n --arg scope "$D" --arg key "$1" '{default: [{type: "reject"}], transports: {docker: {
    ($scope): [{type: "sigstoreSigned", keyPath: $key,
                signedIdentity: {type: "matchRepoDigestOrExact"}}]}}}' >"$T/work/policy.json"
}
HOME_DIR="$T/home"
mkdir -p "$HOME_DIR/.config/containers/registries.d"
cp "$RD/default.yaml" "$HOME_DIR/.config/containers/registries.d/"
# pull_with CLIENT REF: 0 accepted, 1 refused; "disabled" on stdout when the client cannot
# check sigstore signatures at all.
pull_with() {
  local client=$1 ref=$2 out="$T/tmp/pull.out" rc=0
  rm -rf "$T/work/pulled"
  case $client in
    skopeo) "${SKOPEO[@]}" --policy "$T/work/policy.json" --registries.d "$RD" copy \
      --src-tls-verify=false "docker://$ref" "oci:$T/work/pulled:x" >"$out" 2>&1 || rc=$? ;;
    podman)
      "${PODMAN[@]}" rmi -a -f >/dev/null 2>&1 || true
      HOME="$HOME_DIR" "${PODMAN[@]}" pull -q --tls-verify=false \
        --signature-policy "$T/work/policy.json" "$ref" >"$out" 2>&1 || rc=$? ;;
  esac
  grep -q "sigstore disabled" "$out" && echo disabled
  log "$client $ref: exit $rc: $(tail -n 2 "$out")"
  return $((rc == 0 ? 0 : 1))
}
# accepts WHAT CLIENT REF PUBKEY: CLIENT accepts REF under PUBKEY and refuses it under
# other.pub (skipped, said once, when the client cannot check sigstore signatures).
accepts() {
  local what=$1 client=$2 ref=$3 key=$4 said
  policy "$key"
  if said=$(pull_with "$client" "$ref"); then
    policy "$KEYS/other.pub"
    said=$(pull_with "$client" "$ref") && fail "$what: $client accepted $ref under other.pub"
    ok "$what: $client accepts $ref with the signer's key, refuses it with another"
  elif [[ $said == disabled ]]; then
    log "NOT CHECKED: $what: this $client is built without sigstore verification" \
      "(Debian-local change: sigstore disabled); the signatures were checked with openssl above"
  else
    fail "$what: $client refused $ref under the signer's key"
  fi
}
accepts "copy" skopeo "$D/prod/app:1" "$KEYS/release.pub"
accepts "copy" podman "$D/prod/app:1" "$KEYS/release.pub"

# --- a signed copy of a signed image adds its signature ---------------------------------------
rm_ok copy --tls-verify=false "${SIGN[@]}" "docker://$D/prod/app:1" "docker://$D/again/app:1"
assert_eq "signatures after a second signed copy" "verified $D/prod/app:1
verified $D/again/app:1" "$(signatures "$D" again/app "$APP" "$KEYS/release.pub")"
rm_ok copy --tls-verify=false "${SIGN[@]}" "docker://$D/prod/app:1" "docker://$D/again/app:1"
assert_eq "signatures after the same signed copy again" "verified $D/prod/app:1
verified $D/again/app:1" "$(signatures "$D" again/app "$APP" "$KEYS/release.pub")"
ok "signing a copy of a signed image keeps the source's signature and adds its own, once"

# --- regmirror sync --sign-by-sigstore-private-key to two destinations ------------------------
cat >"$T/work/sync.yaml" <<YAML
registries:
  - $D/synced
  - $P/synced
images:
  - source: $S/team/app:1
YAML
RM_TIMEOUT=180
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false "${SIGN[@]}" --output-dir "$T/work/sets"
# A second run: nothing to copy, and no second signature.
rm_ok sync --config "$T/work/sync.yaml" --tls-verify=false "${SIGN[@]}" --output-dir "$T/work/sets"
grep -q "nothing to copy" "$RM_OUT" "$RM_ERR" || fail "sync again: copied something:\n$(rm_output)"
for addr in "$D" "$P"; do
  assert_eq "sync: the signature at $addr" "verified $addr/synced/team/app:1" \
    "$(signatures "$addr" synced/team/app "$APP" "$KEYS/release.pub")"
done
jq -n --arg d "$D" --arg p "$P" --arg key "$KEYS/release.pub" '{default: [{type: "reject"}],
  transports: {docker: {($d): [{type: "sigstoreSigned", keyPath: $key}],
                        ($p): [{type: "sigstoreSigned", keyPath: $key}]}}}' >"$T/work/policy.json"
for addr in "$D" "$P"; do
  if said=$(pull_with skopeo "$addr/synced/team/app:1"); then
    ok "sync: skopeo accepts $addr/synced/team/app:1"
  elif [[ $said != disabled ]]; then
    fail "sync: skopeo refused $addr/synced/team/app:1"
  fi
done
ok "sync signs each destination's image as its own reference"
