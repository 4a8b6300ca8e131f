#!/usr/bin/env bash
# An upstream as companies run one: HTTPS with a private CA and users (another regmirror with
# htpasswd and its token server). The mirror reaches it with the CA in `tls.ca` and a robot
# account in `credentials` (and, separately, an auth.json in `auth_file`); pulls through the
# mirror need neither. A mirror without the CA, or with a wrong password, fails the pull
# with an error, caches nothing, and says why in its status.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo openssl python3 jq

CA="$T/ca"
python3 "$REPO_ROOT/tests/fixtures/test_ca.py" "$CA" || fail "test_ca.py could not make the test CA"
# shellcheck disable=SC2034  # read by start_registry for the HTTPS upstream
REG_TLS_CA="$CA/ca.crt"
HTPASSWD="$T/htpasswd"
PW=robot-Secret-0815
printf %s "$PW" | run "$REGMIRROR_BIN" passwd robot --htpasswd "$HTPASSWD" --password-stdin --cost 4
start_registry up regmirror --tls-cert "$CA/server.crt" --tls-key "$CA/server.key" \
  --htpasswd "$HTPASSWD"
UP=${REG_ADDR[up]}
mkdir -p "$T/work/certs" && cp "$CA/ca.crt" "$T/work/certs/ca.crt"
SRC="$T/work/src"
make_oci_image "$SRC" single linux/amd64
SINGLE=$(layout_digest "$SRC" single)
skopeo_ copy --dest-cert-dir "$T/work/certs" --dest-creds "robot:$PW" "oci:$SRC:single" \
  "docker://$UP/team/app:v1" >/dev/null
ok "upstream https://$UP holds team/app:v1 ($SINGLE), behind a login"

# mirror_config NAME EXTRA_YAML: a mirror config for the upstream at prefix "corp".
mirror_config() {
  printf 'mirror:\n  upstreams:\n    - prefix: corp\n      url: https://%s\n%s\n' "$UP" "$2" \
    >"$T/work/$1.yaml"
}

mirror_config good "      tls: {ca: $CA/ca.crt}
      credentials: {username: robot, password: $PW}"
start_registry good regmirror --config "$T/work/good.yaml"
G=${REG_ADDR[good]}
skopeo_ copy --src-tls-verify=false "docker://$G/corp/team/app:v1" "oci:$T/work/out:v1" >/dev/null
assert_eq "pulled through the mirror with the CA and the robot's password" "$SINGLE" \
  "$(layout_digest "$T/work/out" v1)"

printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$UP" "$(printf 'robot:%s' "$PW" | base64 -w0)" \
  >"$T/work/auth.json"
mirror_config authfile "      tls: {ca: $CA/ca.crt}
      auth_file: $T/work/auth.json"
start_registry authfile regmirror --config "$T/work/authfile.yaml"
skopeo_ copy --src-tls-verify=false "docker://${REG_ADDR[authfile]}/corp/team/app@$SINGLE" \
  "oci:$T/work/out2:v1" >/dev/null
assert_eq "pulled through the mirror with an auth.json" "$SINGLE" "$(layout_digest "$T/work/out2" v1)"

mirror_config noca "      credentials: {username: robot, password: $PW}"
start_registry noca regmirror --config "$T/work/noca.yaml"
N=${REG_ADDR[noca]}
must_fail "a mirror that does not trust the upstream's CA" "500" \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://$N/corp/team/app:v1"
status=$(curl -sf "http://$N/regmirror/v1/upstreams")
grep -qi "certificate" <<<"$(jq -r '.upstreams[0].last_error' <<<"$status")" ||
  fail "the status does not name the certificate problem: $status"
assert_eq "nothing cached without the CA" "0" "$(jq -r '.upstreams[0].cached_bytes' <<<"$status")"

mirror_config badpw "      tls: {ca: $CA/ca.crt}
      credentials: {username: robot, password: wrong}"
start_registry badpw regmirror --config "$T/work/badpw.yaml"
must_fail "a mirror with a wrong upstream password" "500" \
  "${SKOPEO[@]}" inspect --raw --tls-verify=false "docker://${REG_ADDR[badpw]}/corp/team/app:v1"
ok "the mirror's status names the refusal: $(curl -sf "http://${REG_ADDR[badpw]}/regmirror/v1/upstreams" | jq -c '.upstreams[0] | {reachable, last_error}')"
