#!/usr/bin/env bash
# GPG simple signing through a lookaside storage, with real tools: a throwaway key made by
# `gpg --batch` in a temporary GNUPGHOME, an image pushed to `regmirror serve` by
# `skopeo copy --sign-by KEY` with registries.d's lookaside-staging pointing at a directory;
# signature-1 appears where containers/image's layout puts it, and regmirror's registries.d,
# lookaside reader and gpgme verification (lookaside_gpg_check) accept it, over file:// and
# http://, with the signer's key only.
# shellcheck source=../transfer/transfer_lib.sh
source "$(dirname "$0")/../transfer/transfer_lib.sh"
require_cmd skopeo gpg gpgconf
require_regmirror_cmd serve
CHECK=${LOOKASIDE_GPG_CHECK:-$REPO_ROOT/build/tests/signatures/lookaside_gpg_check}
[[ -x $CHECK ]] || skip "lookaside_gpg_check not built: $CHECK (set LOOKASIDE_GPG_CHECK)"

# --- a throwaway signing key, and another one that signed nothing ---
export GNUPGHOME="$T/gnupg"
mkdir -m 700 "$GNUPGHOME"
# The agent gpg starts for the keys goes with the test; _cleanup gets the test's status.
stop_gpg_agent_then_cleanup() {
  local rc=$?
  gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null || true
  (exit "$rc")
  _cleanup
}
trap stop_gpg_agent_then_cleanup EXIT
gpg_() { run gpg --batch --pinentry-mode loopback --passphrase '' "$@"; }
gpg_ --quick-gen-key 'regmirror signer <signer@regmirror.test>' default default never
gpg_ --quick-gen-key 'someone else <other@regmirror.test>' default default never
fingerprint() { gpg --batch --with-colons --list-keys "$1" | awk -F: '$1 == "fpr" { print $10; exit }'; }
KEY=$(fingerprint signer@regmirror.test)
OTHER=$(fingerprint other@regmirror.test)
gpg_ --output "$T/work/signer.gpg" --export "$KEY"
gpg_ --output "$T/work/other.gpg" --export "$OTHER"
log "signing key $KEY"

# --- skopeo signs while pushing; the lookaside is a local directory ---
start_registry rm regmirror
R=${REG_ADDR[rm]}
LOOKASIDE="$T/lookaside"
cat >"$T/conf/registries.d/regmirror-test.yaml" <<YAML
docker:
  $R:
    lookaside: file://$LOOKASIDE
    lookaside-staging: file://$LOOKASIDE
YAML
SRC="$T/work/src"
make_oci_image "$SRC" app
skopeo_ copy --dest-tls-verify=false --sign-by "$KEY" "oci:$SRC:app" "docker://$R/signed/app:v1"
DIGEST=$(served_digest "$R" signed/app v1)
SIG="$LOOKASIDE/signed/app@sha256=${DIGEST#sha256:}/signature-1"
[[ -s $SIG ]] || fail "no signature-1 at $SIG; the lookaside holds: $(find "$LOOKASIDE" -type f 2>/dev/null)"
[[ ! -e ${SIG%-1}-2 ]] || fail "skopeo wrote more than one signature"
ok "skopeo --sign-by wrote signature-1 for $DIGEST in the lookaside"

# gpg's own reading of the signed message: skopeo's payload for this image.
gpg --batch --decrypt "$SIG" >"$T/work/payload.json" 2>/dev/null || fail "gpg cannot verify $SIG"
assert_eq "payload type" "atomic container signature" "$(jq -r '.critical.type' "$T/work/payload.json")"
assert_eq "payload manifest digest" "$DIGEST" "$(jq -r '.critical.image["docker-manifest-digest"]' "$T/work/payload.json")"
assert_eq "payload identity" "$R/signed/app:v1" "$(jq -r '.critical.identity["docker-reference"]' "$T/work/payload.json")"

# --- regmirror's reading and verification of the same signature ---
check() { timeout -k 5 "$CLIENT_TIMEOUT" "$CHECK" "$@" >"$T/work/check.out" 2>"$T/work/check.err"; }
check "$T/conf/registries.d" "$R/signed/app" "$DIGEST" "$T/work/signer.gpg" ||
  fail "lookaside_gpg_check refused skopeo's signature:\n$(cat "$T/work/check.err")"
assert_eq "the payload regmirror verified vs gpg's" "$(cat "$T/work/payload.json")" \
  "$(head -n 1 "$T/work/check.out")"
ok "regmirror reads the file:// lookaside and accepts skopeo's signature with the signer's key"

if check "$T/conf/registries.d" "$R/signed/app" "$DIGEST" "$T/work/other.gpg"; then
  fail "lookaside_gpg_check accepted the signature with another key"
fi
grep -q "not one of the requirement's keys" "$T/work/check.err" ||
  fail "unexpected refusal for another key:\n$(cat "$T/work/check.err")"
ok "the same signature is refused with another key ($(head -n 1 "$T/work/check.err"))"

# --- the same lookaside served over HTTP ---
PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$LOOKASIDE" "$PORT" >"$T/http.log" 2>&1 &
REG_PID[sigweb]=$! REG_KIND[sigweb]=http.server REG_LOG[sigweb]="$T/http.log"
_watch sigweb "${REG_PID[sigweb]}"
_wait_ready sigweb "http://127.0.0.1:$PORT/" || fail "python3 http.server did not start:\n$(cat "$T/http.log")"
mkdir -p "$T/conf/registries.d-http"
printf 'docker:\n  %s/signed:\n    lookaside: http://127.0.0.1:%s\n' "$R" "$PORT" \
  >"$T/conf/registries.d-http/http.yaml"
check "$T/conf/registries.d-http" "$R/signed/app" "$DIGEST" "$T/work/signer.gpg" ||
  fail "lookaside_gpg_check refused the signature over HTTP:\n$(cat "$T/work/check.err")"
ok "regmirror reads the http:// lookaside and accepts the signature"

# An image without signatures: none found, nothing accepted.
skopeo_ copy --dest-tls-verify=false "oci:$SRC:app" "docker://$R/unsigned/app:v1"
if check "$T/conf/registries.d" "$R/unsigned/app" "$DIGEST" "$T/work/signer.gpg"; then
  fail "lookaside_gpg_check accepted an image without signatures"
fi
grep -q "^0 signature(s)" "$T/work/check.err" || fail "unexpected output:\n$(cat "$T/work/check.err")"
ok "an unsigned repository has no lookaside signatures"
