#!/usr/bin/env bash
# Real clients over HTTPS with a private CA (tests/fixtures/test_ca.py), as a cluster's nodes
# and CI would talk to the mirror: no --tls-verify=false anywhere, the registry not marked
# insecure; the CA sits where `regmirror render` writes it,
# etc/containers/certs.d/<host:port>/ca.crt, given to podman, skopeo and buildah as
# --cert-dir and to regmirror copy as the certs.d root (--certs-d).
#   - skopeo copy (a multi-arch index) in and out, digests unchanged;
#   - podman pull, push (to another repository) and pull again;
#   - buildah push of an image it committed;
#   - regmirror copy between repositories, and into an OCI layout;
#   - once the server is given (SIGHUP) an expired certificate, or one for another host,
#     skopeo, podman and regmirror copy refuse it with their usual errors; skopeo without
#     the CA refuses the good one.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman buildah openssl python3

CA="$T/ca"
python3 "$REPO_ROOT/tests/fixtures/test_ca.py" "$CA" || fail "test_ca.py could not make the test CA"
REG_TLS_CA="$CA/ca.crt"
CERTS_D="$T/etc/containers/certs.d"

# The server's certificate and key where an administrator keeps them; replaced below.
LIVE="$T/live"
cp "$CA/server.crt" "$LIVE.crt"
cp "$CA/server.key" "$LIVE.key"
start_registry sut regmirror --tls-cert "$LIVE.crt" --tls-key "$LIVE.key"
R=${REG_ADDR[sut]}
CERT_DIR="$CERTS_D/$R"
mkdir -p "$CERT_DIR"
cp "$CA/ca.crt" "$CERT_DIR/ca.crt"
W="$T/work"
SRC="$W/src"
make_oci_index "$SRC" multi linux/amd64 linux/arm64
make_oci_image "$SRC" single linux/amd64
IDX=$(layout_digest "$SRC" multi)
SINGLE=$(layout_digest "$SRC" single)

# raw_digest REF: sha256 of the manifest skopeo reads at docker://REF, verifying TLS.
raw_digest() {
  skopeo_ inspect --raw --cert-dir "$CERT_DIR" "docker://$1" >"$W/raw"
  sha256_of "$W/raw"
}

# --- skopeo -----------------------------------------------------------------------------
skopeo_ copy --all --dest-cert-dir "$CERT_DIR" "oci:$SRC:multi" "docker://$R/tls/multi:v1" >/dev/null
skopeo_ copy --dest-cert-dir "$CERT_DIR" "oci:$SRC:single" "docker://$R/tls/single:v1" >/dev/null
assert_eq "skopeo inspect --raw tls/multi:v1 over TLS" "$IDX" "$(raw_digest "$R/tls/multi:v1")"
skopeo_ copy --all --src-cert-dir "$CERT_DIR" "docker://$R/tls/multi:v1" "oci:$W/out:multi" >/dev/null
assert_eq "index digest after registry -> OCI layout" "$IDX" "$(layout_digest "$W/out" multi)"
ok "skopeo copy in and out over TLS, digests unchanged"

# --- podman -----------------------------------------------------------------------------
CONFIG=$(layout_config_digest "$SRC" "$SINGLE")
out=$(podman_ pull -q --cert-dir "$CERT_DIR" "$R/tls/single:v1")
assert_eq "podman pull tls/single:v1: image id (= config digest)" "${CONFIG#sha256:}" "$(tail -n1 <<<"$out")"
podman_ tag "$R/tls/single:v1" "$R/tls/podman:v1"
podman_ push -q --cert-dir "$CERT_DIR" --digestfile "$W/podman.digest" "$R/tls/podman:v1"
assert_eq "podman push tls/podman:v1: what the registry serves" "$(cat "$W/podman.digest")" \
  "$(raw_digest "$R/tls/podman:v1")"
podman_ rmi -f "$R/tls/podman:v1" "$R/tls/single:v1" >/dev/null
out=$(podman_ pull -q --cert-dir "$CERT_DIR" "$R/tls/podman:v1")
assert_eq "podman pull tls/podman:v1 after its push: image id" "${CONFIG#sha256:}" "$(tail -n1 <<<"$out")"
ok "podman pull, push, pull over TLS"

# --- buildah ----------------------------------------------------------------------------
buildah_hello_image localhost/tls/buildah:latest "hello over TLS"
buildah_ push --cert-dir "$CERT_DIR" --signature-policy "$POLICY" --digestfile "$W/buildah.digest" \
  localhost/tls/buildah:latest "docker://$R/tls/buildah:v1"
assert_eq "buildah push tls/buildah:v1: what the registry serves" "$(cat "$W/buildah.digest")" \
  "$(raw_digest "$R/tls/buildah:v1")"
ok "buildah push over TLS"

# --- regmirror copy ---------------------------------------------------------------------
run "$REGMIRROR_BIN" copy --all --certs-d "$CERTS_D" "docker://$R/tls/multi:v1" "docker://$R/tls/copied:v1" >/dev/null
assert_eq "regmirror copy tls/multi:v1 -> tls/copied:v1" "$IDX" "$(raw_digest "$R/tls/copied:v1")"
run "$REGMIRROR_BIN" copy --all --certs-d "$CERTS_D" "docker://$R/tls/multi:v1" "oci:$W/rm-out:multi" >/dev/null
assert_eq "regmirror copy tls/multi:v1 -> OCI layout" "$IDX" "$(layout_digest "$W/rm-out" multi)"
ok "regmirror copy over TLS with the CA from certs.d"

# --- certificates the clients must refuse ----------------------------------------------
# serve_certificate NAME: certificate NAME of the test CA replaces the live one and the
# server reloads it (SIGHUP); returns once new connections get it, which is when curl,
# trusting the CA, accepts it (GOOD=1) or refuses it (exit 60).
serve_certificate() {
  local name=$1 i rc
  cp "$CA/$name.crt" "$LIVE.crt.new" && mv "$LIVE.crt.new" "$LIVE.crt"
  cp "$CA/$name.key" "$LIVE.key.new" && mv "$LIVE.key.new" "$LIVE.key"
  kill -HUP "${REG_PID[sut]}"
  for ((i = 0; i < 100; i++)); do
    rc=0
    curl -s -o /dev/null --max-time 5 --cacert "$CA/ca.crt" "https://$R/v2/" || rc=$?
    if [[ ${GOOD:-0} == 1 && $rc == 0 ]] || [[ ${GOOD:-0} == 0 && $rc == 60 ]]; then return 0; fi
    sleep 0.1
  done
  fail "the server did not take certificate $name after SIGHUP (curl exit $rc)"
}

# refused_by_all WHAT PATTERN: skopeo and podman refuse the live certificate with an
# error matching PATTERN, and so does regmirror copy.
refused_by_all() {
  local what=$1 pattern=$2
  must_fail "skopeo refuses $what" "$pattern" \
    "${SKOPEO[@]}" inspect --raw --cert-dir "$CERT_DIR" "docker://$R/tls/single:v1"
  must_fail "podman refuses $what" "$pattern" \
    "${PODMAN[@]}" pull -q --cert-dir "$CERT_DIR" "$R/tls/single:v1"
  must_fail "regmirror copy refuses $what" "$3" \
    "$REGMIRROR_BIN" copy --certs-d "$CERTS_D" "docker://$R/tls/single:v1" "oci:$W/never:single"
}

serve_certificate expired
refused_by_all "an expired certificate" 'x509: certificate has expired or is not yet valid' \
  'certificate has expired'
serve_certificate other-host
refused_by_all "a certificate for another host" \
  "x509: cannot validate certificate for 127\\.0\\.0\\.1 because it doesn't contain any IP SANs" \
  'no alternative certificate subject name matches target host name'
GOOD=1 serve_certificate server
mkdir -p "$W/no-ca"
must_fail "skopeo refuses a certificate whose CA it was not given" \
  'x509: certificate signed by unknown authority' \
  "${SKOPEO[@]}" inspect --raw --cert-dir "$W/no-ca" "docker://$R/tls/single:v1"
assert_eq "skopeo with the CA again, after the reloads" "$SINGLE" "$(raw_digest "$R/tls/single:v1")"

stop_registry sut
