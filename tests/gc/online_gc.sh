#!/usr/bin/env bash
# Online garbage collection against real clients (docs/gc.md): skopeo pushes that move tags
# and skopeo pulls of a stable tag go on while `regmirror gc` runs again and again beside
# `serve` (grace 2s); then every tag pulls whole with skopeo and podman, every manifest a
# tag no longer keeps is gone, and the bytes under blobs/ are exactly what the database
# records. Then: a dry run changes nothing; runs killed with SIGKILL (and a blob left
# 'deleting' as a dead run leaves it) are finished by the next run; POST /regmirror/v1/gc
# is refused to a non-admin and answers an admin with the report.
source "$(dirname "$0")/../clients/lib.sh"
require_cmd skopeo podman sqlite3

GRACE=2
printf 'gc:\n  schedule: ""\n  grace: %ss\n' "$GRACE" >"$T/work/config.yaml"
start_registry sut regmirror --config "$T/work/config.yaml"
R=${REG_ADDR[sut]}
DATA="$T/sut/data"
DB="$DATA/metadata.sqlite"
gc_() { run "$REGMIRROR_BIN" gc --storage "$DATA" --grace "${GRACE}s" "$@"; }

# Images: two stable ones, and for each of two pushers a series that moves one tag.
SRC="$T/work/src"
make_oci_index "$SRC" stable-multi linux/amd64 linux/arm64
make_oci_image "$SRC" stable-single
for p in 1 2; do
  for i in 1 2 3 4; do make_oci_image "$SRC" "churn-$p-$i"; done
done
skopeo_ copy --all --dest-tls-verify=false "oci:$SRC:stable-multi" "docker://$R/gc/stable:multi" >/dev/null
skopeo_ copy --dest-tls-verify=false "oci:$SRC:stable-single" "docker://$R/gc/stable:single" >/dev/null
ok "stable images pushed"

# --- (a) pushers and pullers while GC runs repeatedly
pusher() {
  local p=$1 i
  for i in 1 2 3 4; do
    # A push loses its layers' links to a run when more than the grace passes between its
    # blobs and its manifest: that push may fail (the client sees it), nothing else may.
    "${SKOPEO[@]}" copy --dest-tls-verify=false "oci:$SRC:churn-$p-$i" "docker://$R/gc/churn-$p:latest" \
      >/dev/null 2>>"$T/work/pusher-$p.err" || echo "push $p-$i failed" >>"$T/work/push-failures"
    sleep 0.5
  done
}
puller() {
  local n=0
  while [[ ! -e $T/work/stop ]]; do
    n=$((n + 1))
    "${SKOPEO[@]}" copy --all --src-tls-verify=false "docker://$R/gc/stable:multi" "oci:$T/work/pull-$n:x" \
      >/dev/null 2>>"$T/work/puller.err" || echo "pull $n failed" >>"$T/work/pull-failures"
    rm -rf "$T/work/pull-$n"
  done
}
collector() {
  while [[ ! -e $T/work/stop ]]; do
    "$REGMIRROR_BIN" gc --storage "$DATA" --grace "${GRACE}s" >>"$T/work/gc.out" 2>&1 ||
      echo "gc exit $?" >>"$T/work/gc-failures"
    sleep 0.2
  done
}
puller &
PULLER=$!
collector &
COLLECTOR=$!
pusher 1 &
P1=$!
pusher 2 &
P2=$!
wait "$P1" "$P2"
touch "$T/work/stop"
wait "$PULLER" "$COLLECTOR"
[[ ! -s $T/work/pull-failures ]] ||
  fail "pulls of a stable tag failed while GC ran:\n$(tail -n 20 "$T/work/puller.err")"
[[ ! -s $T/work/gc-failures ]] || fail "regmirror gc failed beside serve:\n$(tail -n 20 "$T/work/gc.out")"
if [[ -s $T/work/push-failures ]]; then
  log "pushes that lost to the grace: $(wc -l <"$T/work/push-failures")"
  tail -n 5 "$T"/work/pusher-*.err >&2
fi
runs=$(grep -c 'manifests, .* blobs' "$T/work/gc.out" || true)
((runs > 0)) || fail "regmirror gc printed no report:\n$(tail -n 20 "$T/work/gc.out")"
ok "pushes, pulls and $runs GC runs went on together"

# Everything the churn left behind is older than the grace now: one more run collects it.
sleep $((GRACE + 1))
gc_ >/dev/null

# pull_all REPO...: every tag of every REPO pulls whole (skopeo verifies every digest).
tags_of() { curl -fsS "http://$R/v2/$1/tags/list" | jq -r '.tags // [] | .[]'; }
pull_all() {
  local repo tag
  for repo in "$@"; do
    for tag in $(tags_of "$repo"); do
      rm -rf "$T/work/check"
      skopeo_ copy --all --src-tls-verify=false "docker://$R/$repo:$tag" "oci:$T/work/check:x" >/dev/null
    done
  done
}
pull_all gc/stable gc/churn-1 gc/churn-2
podman_ pull -q --platform linux/arm64 "$R/gc/stable:multi" >/dev/null
ok "every tag pulls whole with skopeo, and with podman"

# The manifests a moved tag left behind are gone; the one it names now is there.
digest_of_tag() {
  curl -fsSI -H "Accept: $MANIFEST_ACCEPT" "http://$R/v2/$1/manifests/$2" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}
manifest_status() {
  curl -s -o /dev/null -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" "http://$R/v2/$1/manifests/$2"
}
for p in 1 2; do
  current=$(digest_of_tag "gc/churn-$p" latest)
  [[ -n $current ]] || fail "gc/churn-$p:latest is gone"
  for i in 1 2 3 4; do
    d=$(layout_digest "$SRC" "churn-$p-$i")
    [[ $d == "$current" ]] && continue
    assert_eq "gc/churn-$p@$d (churn-$p-$i, untagged)" 404 "$(manifest_status "gc/churn-$p" "$d")"
  done
done
ok "untagged manifests are gone"

# The bytes under blobs/ are exactly those the database records: one file per row, sizes
# equal, nothing left 'deleting', no row that nothing references.
check_storage_matches_database() {
  local files rows
  files=$(cd "$DATA/blobs" && find . -type f -printf '%f %s\n' | sort)
  rows=$(sqlite3 "$DB" "SELECT substr(digest, 8) || ' ' || size FROM blobs" | sort)
  [[ $files == "$rows" ]] ||
    fail "$1: blob files and blob rows differ:\n$(diff <(echo "$rows") <(echo "$files") | head -n 20)"
  assert_eq "$1: rows left deleting" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM blobs WHERE state = 'deleting'")"
  assert_eq "$1: blob rows nothing references" 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM blobs b WHERE
    NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)
    AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)
    AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)")"
}
check_storage_matches_database "after the churn"
ok "bytes under blobs/ are what the database records ($(du -sb "$DATA/blobs" | cut -f1) bytes)"

# --- (c) a dry run changes nothing
skopeo_ copy --dest-tls-verify=false "oci:$SRC:churn-1-1" "docker://$R/gc/dry:v1" >/dev/null
skopeo_ copy --dest-tls-verify=false "oci:$SRC:churn-1-2" "docker://$R/gc/dry:v1" >/dev/null
sleep $((GRACE + 1))
snapshot() {
  (cd "$DATA/blobs" && find . -type f | sort)
  sqlite3 "$DB" .dump | grep -v 'gc_runs'
}
before=$(snapshot)
report=$("$REGMIRROR_BIN" gc --storage "$DATA" --grace "${GRACE}s" --dry-run --json)
after=$(snapshot)
assert_eq "dry run: manifests it would remove" 1 "$(jq .manifests_removed <<<"$report")"
assert_eq "dry run: links it would remove" 3 "$(jq .links_removed <<<"$report")"
assert_eq "dry run: reported as one" true "$(jq .dry_run <<<"$report")"
[[ $before == "$after" ]] ||
  fail "a dry run changed storage or database:\n$(diff <(echo "$before") <(echo "$after") | head)"
ok "a dry run reports $(jq -c '{manifests_removed, links_removed}' <<<"$report") and changes nothing"

# --- (b) runs killed mid-way, and a blob left 'deleting' by a dead run
for delay in 0.02 0.05 0.1 0.2; do
  "$REGMIRROR_BIN" gc --storage "$DATA" --grace "${GRACE}s" >/dev/null 2>&1 &
  sleep "$delay"
  kill -9 $! 2>/dev/null || true
  wait $! 2>/dev/null || true
done
# What a run killed between marking a blob and removing its bytes leaves: a blob nothing
# references any more, marked.
orphan=$(sqlite3 "$DB" "SELECT digest FROM blobs b WHERE state = 'live'
  AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)
  AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)
  AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest) LIMIT 1")
if [[ -n $orphan ]]; then sqlite3 "$DB" "UPDATE blobs SET state = 'deleting' WHERE digest = '$orphan'"; fi
# The last killed run's lease lapses within 10 s: until then a run exits 3 (another runs).
for _ in $(seq 30); do
  rc=0
  "$REGMIRROR_BIN" gc --storage "$DATA" --grace "${GRACE}s" >"$T/work/gc-after-kill.out" 2>&1 || rc=$?
  ((rc == 3)) || break
  sleep 0.5
done
((rc == 0)) || fail "regmirror gc after the killed runs exited $rc:\n$(cat "$T/work/gc-after-kill.out")"
pull_all gc/stable gc/churn-1 gc/churn-2 gc/dry
check_storage_matches_database "after killed runs"
ok "runs killed with SIGKILL lost nothing; the next run finished their work"

# --- (d) POST /regmirror/v1/gc: admins only
stop_registry sut
HT="$T/work/htpasswd"
printf 'alice-password' | "$REGMIRROR_BIN" passwd alice --htpasswd "$HT" --password-stdin --cost 4
printf 'bob-password' | "$REGMIRROR_BIN" passwd bob --htpasswd "$HT" --password-stdin --cost 4
printf 'gc: {schedule: "", grace: %ss}\nauth:\n  htpasswd: %s\n  admins: [alice]\n' "$GRACE" "$HT" \
  >"$T/work/auth.yaml"
start_registry authed regmirror --config "$T/work/auth.yaml"
A=${REG_ADDR[authed]}
post() { curl -s -o "$T/work/post.json" -w '%{http_code}' -X POST "$@" "http://$A/regmirror/v1/gc"; }
assert_eq "POST without credentials" 401 "$(post)"
assert_eq "POST as bob (no admin)" 403 "$(post -u bob:bob-password)"
assert_eq "POST as alice, dry run" 200 "$(post -u alice:alice-password -d '{"dry_run": true}')"
assert_eq "the report says dry run" true "$(jq .dry_run "$T/work/post.json")"
assert_eq "POST as alice" 200 "$(post -u alice:alice-password)"
assert_eq "the report says it removed" false "$(jq .dry_run "$T/work/post.json")"
assert_eq "POST with a bad body" 400 "$(post -u alice:alice-password -d '{"dry_run": "yes"}')"
assert_eq "GET" 405 "$(curl -s -o /dev/null -w '%{http_code}' -u alice:alice-password "http://$A/regmirror/v1/gc")"
ok "POST /regmirror/v1/gc: 401 anonymous, 403 non-admin, 200 with the report for an admin"
# The two runs in /metrics (open to anyone by default).
gc_runs_ok=$(curl -fsS "http://$A/metrics" | awk '$1 == "regmirror_gc_runs_total{result=\"ok\"}" {print $2}')
assert_eq "regmirror_gc_runs_total{result=\"ok\"}" 2 "$gc_runs_ok"
ok "/metrics counts the runs"
