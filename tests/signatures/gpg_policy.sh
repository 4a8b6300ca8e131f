#!/usr/bin/env bash
# policy.json's signedBy (GPGKeys) verified by `regmirror pull` against a real
# `regmirror serve` on loopback: a throwaway key made with gpg --batch, the image pushed with
# `skopeo copy --sign-by KEYID` (its simple-signing signature written to a lookaside-staging
# file:// directory), the lookaside named in registries.d. Accepted with the signer's key,
# refused with another key and without the lookaside; podman agrees on both.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman gpg gpgconf jq

start_registry sut regmirror
R=${REG_ADDR[sut]}
SRC="$T/work/src"
RD="$T/conf/registries.d"

# Two throwaway keyrings: the signer's (also skopeo's, through GNUPGHOME) and another one.
# Their agents are stopped on exit, before lib.sh's cleanup removes $T.
export GNUPGHOME="$T/gnupg"
mkdir -p "$GNUPGHOME" "$T/gnupg-other" "$T/keys"
chmod 700 "$GNUPGHOME" "$T/gnupg-other"
# stop_agents_then_cleanup: lib.sh's _cleanup, with the exit status it would have seen.
stop_agents_then_cleanup() {
  local status=$?
  gpgconf --homedir "$T/gnupg" --kill all
  gpgconf --homedir "$T/gnupg-other" --kill all
  (exit "$status")
  _cleanup
}
trap stop_agents_then_cleanup EXIT
new_key() {
  gpg --homedir "$1" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "$2 <$2@example.com>" default default never 2>/dev/null
  gpg --homedir "$1" --batch --with-colons --list-keys "<$2@example.com>" 2>/dev/null |
    awk -F: '/^fpr/ {print $10; exit}'
}
SIGNER=$(new_key "$GNUPGHOME" signer)
OTHER=$(new_key "$T/gnupg-other" other)
gpg --homedir "$GNUPGHOME" --batch --export "$SIGNER" >"$T/keys/signer.gpg"
gpg --homedir "$T/gnupg-other" --batch --export "$OTHER" >"$T/keys/other.gpg"
ok "throwaway keys $SIGNER (signer) and $OTHER (other)"

# registries.d: the lookaside for writing (skopeo) and reading (regmirror, podman).
mkdir -p "$T/lookaside"
printf 'default-docker:\n  lookaside: file://%s\n  lookaside-staging: file://%s\n' \
  "$T/lookaside" "$T/lookaside" >"$RD/default.yaml"
mkdir -p "$HOME/.config/containers/registries.d"
cp "$RD/default.yaml" "$HOME/.config/containers/registries.d/default.yaml"

make_oci_image "$SRC" img linux/amd64
skopeo_ copy --dest-tls-verify=false --sign-by "$SIGNER" "oci:$SRC:img" "docker://$R/gpg/app:v1" >/dev/null
sigs=$(find "$T/lookaside" -name 'signature-*' | wc -l)
assert_eq "skopeo --sign-by wrote one lookaside signature" 1 "$sigs"
ok "image pushed and signed by skopeo --sign-by"

# policy_for KEYFILE: signedBy with that key for $R/gpg, anything else accepted.
policy_for() {
  jq -n --arg scope "$R/gpg" --arg key "$1" '{
    default: [{type: "insecureAcceptAnything"}],
    transports: {docker: {($scope): [{type: "signedBy", keyType: "GPGKeys", keyPath: $key}]}}}'
}
policy_for "$T/keys/signer.gpg" >"$T/conf/signer-policy.json"
policy_for "$T/keys/other.gpg" >"$T/conf/other-policy.json"

run "$REGMIRROR_BIN" pull --quiet --policy "$T/conf/signer-policy.json" --registries.d "$RD" \
  --dest "oci:$T/work/pulled" "$R/gpg/app:v1"
[[ -f $T/work/pulled/index.json ]] || fail "regmirror pull of the signed image wrote nothing"
ok "regmirror pull accepts the image signed by the policy's key"
podman_ pull -q --signature-policy "$T/conf/signer-policy.json" "$R/gpg/app:v1" >/dev/null
ok "podman pull accepts it too"

must_fail "regmirror pull refuses a signature by a key the policy does not name" \
  "signedBy" "$REGMIRROR_BIN" pull --quiet --policy "$T/conf/other-policy.json" \
  --registries.d "$RD" --dest "oci:$T/work/pulled-other" "$R/gpg/app:v1"
[[ ! -e $T/work/pulled-other ]] || fail "regmirror pull wrote a refused image"
must_fail "podman pull refuses it too" "" \
  "${PODMAN[@]}" pull -q --signature-policy "$T/conf/other-policy.json" "$R/gpg/app:v1"

mkdir -p "$T/conf/no-lookaside.d"
must_fail "regmirror pull without the lookaside finds no signature" \
  "signedBy.*no GPG signature exists" "$REGMIRROR_BIN" pull --quiet \
  --policy "$T/conf/signer-policy.json" --registries.d "$T/conf/no-lookaside.d" \
  --dest "oci:$T/work/pulled-none" "$R/gpg/app:v1"

# resolve --verify reports the signedBy requirement satisfied.
out=$("$REGMIRROR_BIN" resolve --verify --policy "$T/conf/signer-policy.json" --registries.d "$RD" \
  --registries-conf "$CONTAINERS_REGISTRIES_CONF" --registries-conf-dir "$T/conf/no-lookaside.d" \
  "$R/gpg/app:v1")
grep -qF "1. signedBy: satisfied" <<<"$out" || fail "resolve --verify output:\n$out"
ok "resolve --verify reports signedBy satisfied"
