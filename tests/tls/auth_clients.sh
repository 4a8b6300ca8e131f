#!/usr/bin/env bash
# Real clients against the mirror as a company runs it: HTTPS with a private CA (the CA where
# `regmirror render` writes it, etc/containers/certs.d/<host:port>/ca.crt, no
# --tls-verify=false anywhere), users from htpasswd, the built-in token server, and rules:
# `ci` may do everything, `robot` (the nodes' pull secret) may only pull, anyone may pull
# public/**.
#   - podman login and skopeo: a wrong password fails with their usual error;
#     podman push and pull as ci; as robot, pull works and push is denied;
#   - skopeo copy with --authfile (the file podman login wrote) in and out; without
#     credentials only public/** can be read;
#   - buildah push with --creds;
#   - regmirror login (wrong and right password) and regmirror copy;
#   - the access log names the users and holds no password, token or Authorization header.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman buildah openssl python3

CA="$T/ca"
python3 "$REPO_ROOT/tests/fixtures/test_ca.py" "$CA" || fail "test_ca.py could not make the test CA"
REG_TLS_CA="$CA/ca.crt"
CERTS_D="$T/etc/containers/certs.d"
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
    - repositories: public/**
      actions: pull
      subjects: [anonymous]
YAML
start_registry sut regmirror --tls-cert "$CA/server.crt" --tls-key "$CA/server.key" \
  --config "$T/config.yaml"
R=${REG_ADDR[sut]}
CERT_DIR="$CERTS_D/$R"
mkdir -p "$CERT_DIR"
cp "$CA/ca.crt" "$CERT_DIR/ca.crt"
W="$T/work"
SRC="$W/src"
make_oci_image "$SRC" single linux/amd64
SINGLE=$(layout_digest "$SRC" single)
CONFIG=$(layout_config_digest "$SRC" "$SINGLE")

# --- podman login, push, pull ------------------------------------------------------------
must_fail "podman login with a wrong password" 'invalid username/password' \
  "${PODMAN[@]}" login --cert-dir "$CERT_DIR" -u ci -p wrong-password "$R"
podman_ login --cert-dir "$CERT_DIR" -u ci -p "$CI_PW" "$R"
must_fail "skopeo with a wrong password" 'invalid username/password' \
  "${SKOPEO[@]}" inspect --cert-dir "$CERT_DIR" --creds ci:wrong-password "docker://$R/team/app:v1"
jq -e --arg r "$R" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" >/dev/null ||
  fail "podman login wrote no credentials for $R into $REGISTRY_AUTH_FILE"
skopeo_ copy --authfile "$REGISTRY_AUTH_FILE" --dest-cert-dir "$CERT_DIR" \
  "oci:$SRC:single" "docker://$R/team/app:v1" >/dev/null
skopeo_ copy --authfile "$REGISTRY_AUTH_FILE" --dest-cert-dir "$CERT_DIR" \
  "oci:$SRC:single" "docker://$R/public/app:v1" >/dev/null
out=$(podman_ pull -q --cert-dir "$CERT_DIR" "$R/team/app:v1")
assert_eq "podman pull team/app:v1 as ci: image id" "${CONFIG#sha256:}" "$(tail -n1 <<<"$out")"
podman_ tag "$R/team/app:v1" "$R/team/podman:v1"
podman_ push -q --cert-dir "$CERT_DIR" --digestfile "$W/podman.digest" "$R/team/podman:v1"
ok "podman login, then skopeo (its --authfile) and podman push and pull as ci"

# --- the nodes' pull-only user -------------------------------------------------------------
podman_ logout "$R"
podman_ login --cert-dir "$CERT_DIR" -u robot -p "$ROBOT_PW" "$R"
podman_ rmi -f "$R/team/podman:v1" "$R/team/app:v1" >/dev/null
out=$(podman_ pull -q --cert-dir "$CERT_DIR" "$R/team/podman:v1")
assert_eq "podman pull team/podman:v1 as robot: image id" "${CONFIG#sha256:}" "$(tail -n1 <<<"$out")"
podman_ tag "$R/team/podman:v1" "$R/team/robot:v1"
must_fail "podman push as the pull-only robot" 'denied' \
  "${PODMAN[@]}" push --cert-dir "$CERT_DIR" "$R/team/robot:v1"
must_fail "skopeo copy into the registry as robot" 'denied' \
  "${SKOPEO[@]}" copy --authfile "$REGISTRY_AUTH_FILE" --dest-cert-dir "$CERT_DIR" \
  "oci:$SRC:single" "docker://$R/team/robot:v1"
skopeo_ copy --authfile "$REGISTRY_AUTH_FILE" --src-cert-dir "$CERT_DIR" \
  "docker://$R/team/app:v1" "oci:$W/out:robot"
assert_eq "skopeo copy out as robot: digest unchanged" "$SINGLE" "$(layout_digest "$W/out" robot)"
ok "robot pulls and is denied pushes"

# --- no credentials --------------------------------------------------------------------------
podman_ logout --all
skopeo_ copy --src-cert-dir "$CERT_DIR" "docker://$R/public/app:v1" "oci:$W/out:anonymous" >/dev/null
assert_eq "anonymous skopeo copy of public/app:v1" "$SINGLE" "$(layout_digest "$W/out" anonymous)"
must_fail "anonymous skopeo inspect of team/app" 'unauthorized|authentication required' \
  "${SKOPEO[@]}" inspect --cert-dir "$CERT_DIR" "docker://$R/team/app:v1"
ok "without credentials only public/** can be read"

# --- buildah -----------------------------------------------------------------------------------
buildah_hello_image localhost/auth/buildah:latest "hello with auth"
must_fail "buildah push as robot" 'denied' \
  "${BUILDAH[@]}" push --cert-dir "$CERT_DIR" --creds "robot:$ROBOT_PW" --signature-policy "$POLICY" \
  localhost/auth/buildah:latest "docker://$R/team/buildah:v1"
buildah_ push --cert-dir "$CERT_DIR" --creds "ci:$CI_PW" --signature-policy "$POLICY" \
  --digestfile "$W/buildah.digest" localhost/auth/buildah:latest "docker://$R/team/buildah:v1"
served=$(skopeo_ inspect --raw --creds "robot:$ROBOT_PW" --cert-dir "$CERT_DIR" "docker://$R/team/buildah:v1" | sha256sum | cut -d' ' -f1)
assert_eq "buildah push team/buildah:v1: what the registry serves" "$(cat "$W/buildah.digest")" "sha256:$served"
ok "buildah push with --creds"

# --- regmirror login and copy ------------------------------------------------------------------
printf %s wrong-password >"$W/wrong"
must_fail "regmirror login with a wrong password" 'invalid username/password' \
  "$REGMIRROR_BIN" login --cert-dir "$CERT_DIR" -u ci --password-stdin "$R" <"$W/wrong"
printf %s "$CI_PW" | run "$REGMIRROR_BIN" login --cert-dir "$CERT_DIR" -u ci --password-stdin "$R"
run "$REGMIRROR_BIN" copy --certs-d "$CERTS_D" "docker://$R/team/app:v1" "docker://$R/team/copied:v1" >/dev/null
run "$REGMIRROR_BIN" copy --certs-d "$CERTS_D" "docker://$R/team/copied:v1" "oci:$W/rm:copied" >/dev/null
assert_eq "regmirror copy as ci, then out" "$SINGLE" "$(layout_digest "$W/rm" copied)"
ok "regmirror login and copy"

# --- what the server logged ------------------------------------------------------------------
LOG=${REG_LOG[sut]}
stop_registry sut
grep -q '"user":"ci"' "$LOG" || fail "the access log names no request of ci"
grep -q '"user":"robot"' "$LOG" || fail "the access log names no request of robot"
for secret in "$CI_PW" "$ROBOT_PW" Authorization "Bearer " "Basic "; do
  if grep -qF -- "$secret" "$LOG"; then fail "the server log holds '$secret'"; fi
done
ok "the access log names users and holds no secret"
