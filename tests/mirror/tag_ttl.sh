#!/usr/bin/env bash
# Tag freshness through a pull-through mirror (config `tag_ttl`), with a counting proxy
# between the mirror and the upstream (a plain regmirror serve):
#   - tag_ttl 1h: after the tag moves upstream the mirror still serves the old digest, and
#     asks the upstream nothing about the tag meanwhile;
#   - the same mirror (same storage and port) restarted with tag_ttl 2s: the new digest
#     is served within a few seconds (polled, no timing asserted);
#   - the upstream gone: the cached tag is still served once stale, and the log says so.
source "$(dirname "$0")/mirror_lib.sh"
require_cmd skopeo

start_registry up regmirror
UP=${REG_ADDR[up]}
start_proxy count up
PROXY=${REG_ADDR[count]}

make_oci_image "$T/work/a" v1
make_oci_image "$T/work/b" v1
A=$(layout_digest "$T/work/a" v1) B=$(layout_digest "$T/work/b" v1)
push_layout "$T/work/a" v1 "$UP" ns/app:v1

# mirror_config TTL: a serve config with one namespaced upstream `up` (through the proxy).
mirror_config() {
  cat >"$T/work/mirror-$1.yaml" <<YAML
mirror:
  upstreams:
    - prefix: up
      url: http://$PROXY
      tag_ttl: $1
YAML
  echo "$T/work/mirror-$1.yaml"
}

start_mirror m "" "$T/m-data" --config "$(mirror_config 1h)"
M=${REG_ADDR[m]}
check_served_manifest "$M" up/ns/app v1 "$A"
ok "the tag is fetched through the mirror: $A"

# Move the tag upstream (straight to the upstream, not through the proxy).
push_layout "$T/work/b" v1 "$UP" ns/app:v1
check_served_manifest "$UP" ns/app v1 "$B"
mark=$(proxy_mark count)
for _ in 1 2 3 4 5; do
  check_served_manifest "$M" up/ns/app v1 "$A"
  assert_eq "HEAD through the mirror while the tag is fresh" 200 "$(manifest_status "$M" up/ns/app v1)"
  sleep 0.2
done
asked=$(proxy_requests_since count "$mark" '.path | test("/manifests/")')
assert_eq "requests about manifests sent upstream while the tag is fresh" "" "$asked"
ok "before tag_ttl (1h) the old digest is served and the upstream is not asked"

stop_registry m
start_mirror m "${M##*:}" "$T/m-data" --config "$(mirror_config 2s)"
got=""
for ((i = 0; i < 60; i++)); do
  got=$(served_digest "$M" up/ns/app v1)
  [[ $got == "$B" ]] && break
  sleep 0.5
done
assert_eq "digest served for the moved tag after tag_ttl (2s)" "$B" "$got"
# The old image stays reachable by digest.
check_served_manifest "$M" up/ns/app "$A" "$A"
ok "after tag_ttl (2s) the moved tag is seen"

# Stale if error: with the upstream unreachable, the cached tag outlives its TTL.
stop_proxy count
sleep 2.5
check_served_manifest "$M" up/ns/app v1 "$B"
check_served_manifest "$M" up/ns/app "$A" "$A"
grep -qE 'stale|serving the cached' "$T/m.log" || fail "no 'stale' log line after serving a tag the upstream could not confirm:\n$(tail -n 20 "$T/m.log")"
ok "upstream down: the stale tag is served and logged"
