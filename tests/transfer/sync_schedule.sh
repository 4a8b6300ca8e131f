#!/usr/bin/env bash
# regmirror serve with mirror.sync sets (docs/serve.md, "Scheduled mirroring"): a set on a
# 2 s interval copies its sync.yaml's images from a source registry into the serving
# registry itself (the sync.yaml's `registries` are ignored; names from its rewrite rules and
# the set's prefix), runs again on its interval (a tag pushed later arrives), and a second
# set whose source is down keeps failing without stopping the first. GET /regmirror/v1/sync
# and `regmirror sync status --server` (text and --json) report the runs. Everything is
# polled: no timing is asserted.
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo jq curl
require_regmirror_cmd sync serve

start_registry src regmirror
S=${REG_ADDR[src]}
SRC="$T/work/src"
make_oci_image "$SRC" a linux/amd64
make_oci_image "$SRC" b linux/amd64
A=$(layout_digest "$SRC" a)
B=$(layout_digest "$SRC" b)
push_layout "$SRC" a "$S" team/app:1.0
push_layout "$SRC" b "$S" team/app:1.1
push_layout "$SRC" a "$S" team/app:dev
push_layout "$SRC" b "$S" team/tool:latest

DEAD=127.0.0.1:$(free_port) # nothing listens there
printf '%s\n' "registries:" "  - registry.example.com/never-used" "images:" \
  "  - source: $S/team/app" "    tag-regex: '^1\.[0-9]+\$'" "  - source: $S/team/tool:latest" \
  "rewrite:" "  - from: $S/team/tool" "    to: tools/tool" >"$T/work/team.yaml"
printf '%s\n' "images:" "  - source: $DEAD/team/app:1.0" >"$T/work/down.yaml"
printf '%s\n' "mirror:" "  sync:" "    - config: $T/work/team.yaml" "      interval: 2s" \
  "      prefix: mirror" "    - name: down" "      config: $T/work/down.yaml" \
  "      interval: 2s" >"$T/work/serve.yaml"
start_registry m regmirror --config "$T/work/serve.yaml"
M=${REG_ADDR[m]}

# poll WHAT SECONDS COMMAND...: until COMMAND succeeds.
poll() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "$what: not within ${seconds}s\n$(tail -n 30 "${REG_LOG[m]}")"
}

status_json() { curl -s --max-time 10 "http://$M/regmirror/v1/sync"; }
set_field() { status_json | jq -r --arg n "$1" ".sets[] | select(.name == \$n) | $2"; }
has_run() { [[ $(set_field "$1" .last_run.finished) == 20* ]]; }

# --- the first run copies the set into the serving registry --------------------------------
poll "the first run of set team" 60 has_run team
check_served_manifest "$M" mirror/team/app 1.0 "$A"
check_served_manifest "$M" mirror/team/app 1.1 "$B"
check_served_manifest "$M" mirror/tools/tool latest "$B"
assert_manifest_absent "mirror/team/app:dev (not picked by tag-regex)" "$M" mirror/team/app dev
for ref in team/app:1.1 tools/tool:latest; do
  digest=$(skopeo_ inspect --tls-verify=false --format '{{.Digest}}' "docker://$M/mirror/$ref")
  assert_eq "skopeo inspect docker://$M/mirror/$ref" "$B" "$digest"
done
assert_eq "nothing written under the sync.yaml's registries' prefix" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://$M/v2/never-used/team/app/tags/list")"
ok "the first run of set team copied its images into the serving registry under mirror/"

# --- the status endpoint ------------------------------------------------------------------------
json=$(status_json)
assert_eq "set names" '["team","down"]' "$(jq -c '[.sets[].name]' <<<"$json")"
assert_eq "team: interval" 2s "$(jq -r '.sets[0].interval' <<<"$json")"
assert_eq "team: config" "$T/work/team.yaml" "$(jq -r '.sets[0].config' <<<"$json")"
assert_eq "team: images ok" 3 "$(jq -r '.sets[0].last_run.images_ok' <<<"$json")"
assert_eq "team: images failed" 0 "$(jq -r '.sets[0].last_run.images_failed' <<<"$json")"
assert_eq "team: errors" '[]' "$(jq -c '.sets[0].last_run.errors' <<<"$json")"
assert_match "team: started is RFC 3339 UTC" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
  "$(jq -r '.sets[0].last_run.started' <<<"$json")"
poll "the first run of set down" 60 has_run down
json=$(status_json)
assert_eq "down: images failed" 1 "$(jq -r '.sets[1].last_run.images_failed' <<<"$json")"
jq -r '.sets[1].last_run.errors[0]' <<<"$json" | grep -qF "$DEAD/team/app:1.0" ||
  fail "down: the error does not name the image: $(jq -c '.sets[1].last_run' <<<"$json")"
ok "GET /regmirror/v1/sync: each set's schedule, last run (images, errors) and next run"

# --- runs again on its interval -----------------------------------------------------------------
first_started=$(set_field team .last_run.started)
push_layout "$SRC" a "$S" team/app:1.2
later_run() { [[ $(set_field team .last_run.started) > "$first_started" ]]; }
served_12() { [[ $(served_digest "$M" mirror/team/app 1.2) == "$A" ]]; }
down_runs_on() { [[ $(set_field down .last_run.started) > "$first_started" ]]; }
poll "a later run of set team" 60 later_run
poll "team/app:1.2, pushed after the first run, in the serving registry" 60 served_12
poll "a later run of the failing set down" 60 down_runs_on
ok "set team runs again on its interval (1.2 arrived); the failing set keeps running beside it"

# --- regmirror sync status --server ----------------------------------------------------------------
rm_ok sync status --server "http://$M"
out=$(rm_output)
grep -qE '^team: every 2s, .*team\.yaml, into mirror/$' <<<"$out" || fail "sync status: no line for set team\n$out"
grep -qE '^  last run: 20.* to 20.*: [34] images ok, 0 failed, .* copied, 0 errors$' <<<"$out" ||
  fail "sync status: no last run line for set team\n$out"
grep -qE '^down: every 2s, ' <<<"$out" || fail "sync status: no line for set down\n$out"
grep -qE '^  last run: .* 0 images ok, 1 failed, .* 1 errors$' <<<"$out" || fail "sync status: no failed run for set down\n$out"
grep -qF "    $DEAD/team/app:1.0" <<<"$out" || fail "sync status: the error of set down is not listed\n$out"
grep -qE '^  next run: (20.*Z|when the current run ends)$' <<<"$out" || fail "sync status: no next run\n$out"
rm_ok sync status --server "http://$M" --json
assert_eq "sync status --json: the endpoint's sets" '["team","down"]' "$(jq -c '[.sets[].name]' "$RM_OUT")"
rm_fails "sync status --server with a path" 'not a registry address' sync status --server "http://$M/v2/"
rm_fails "sync status against nothing" "$DEAD" sync status --server "http://$DEAD" --retry-times 0
ok "regmirror sync status --server prints each set's runs, --json the endpoint's JSON"

stop_registry m
stop_registry src
