#!/usr/bin/env bash
# regmirror login / logout against docker-registry with htpasswd (Basic) auth: a wrong
# password fails with one clear line, exit 1, and leaves the auth file byte for byte as it
# was; the right one writes an entry (other entries and unknown keys kept, mode 0600) that
# skopeo accepts; login without credentials reuses valid stored ones; the default file is
# $REGISTRY_AUTH_FILE, and registries.conf's insecure entry stands in for --tls-verify=false;
# logout removes the entry (skopeo is refused again), a second logout fails, --all empties.
# The same check through Bearer token auth (token_server.py in front of a plain registry).
source "$(dirname "$0")/transfer_lib.sh"
require_cmd skopeo docker-registry
require_regmirror_cmd login logout

USER_NAME=alice
PASSWORD='s3cret pw:with colon'
make_htpasswd "$T/htpasswd" "$USER_NAME" "$PASSWORD"
start_peer auth --htpasswd "$T/htpasswd"
R=${REG_ADDR[auth]}
AUTH="$T/work/auth.json"

make_oci_image "$T/work/src" v1
WANT=$(layout_digest "$T/work/src" v1)
skopeo_ copy --dest-tls-verify=false --dest-creds "$USER_NAME:$PASSWORD" \
  "oci:$T/work/src:v1" "docker://$R/team/app:v1" >/dev/null
ok "image pushed to the htpasswd registry with skopeo --dest-creds"

# An auth file with someone else's entry and a key regmirror does not know.
printf '%s\n' '{"auths": {"other.example": {"auth": "b3RoZXI6b3RoZXI="}}, "HttpHeaders": {"X-Test": "1"}}' >"$AUTH"
chmod 600 "$AUTH"
BEFORE=$(sha256sum <"$AUTH")

must_fail "skopeo inspect before login is refused" 'unauthorized|authentication required|invalid username' \
  "${SKOPEO[@]}" inspect --authfile "$AUTH" --tls-verify=false "docker://$R/team/app:v1"

# --- wrong credentials ----------------------------------------------------------------
rm_fails "login with a wrong password" 'invalid username/password' \
  login --authfile "$AUTH" --tls-verify=false -u "$USER_NAME" -p wrong "$R"
assert_eq "exit status of a refused login" 1 "$RM_RC"
assert_eq "lines on stderr of a refused login" 1 "$(wc -l <"$RM_ERR")"
assert_match "the error names the registry" "\"$R\"" "$(cat "$RM_ERR")"
grep -q 'Login Succeeded' "$RM_OUT" && fail "a refused login printed Login Succeeded"
assert_eq "auth file after a refused login" "$BEFORE" "$(sha256sum <"$AUTH")"
rm_fails "login as an unknown user" 'invalid username/password' \
  login --authfile "$AUTH" --tls-verify=false -u mallory -p "$PASSWORD" "$R"
assert_eq "auth file after an unknown user's login" "$BEFORE" "$(sha256sum <"$AUTH")"
rm_fails "login to a port nobody listens on" '' \
  login --authfile "$AUTH" --tls-verify=false -u "$USER_NAME" -p "$PASSWORD" "127.0.0.1:$(free_port)"
assert_eq "auth file after a failed connection" "$BEFORE" "$(sha256sum <"$AUTH")"
rm_fails "--password with --password-stdin" 'mutually exclusive' \
  login --authfile "$AUTH" -u "$USER_NAME" -p x --password-stdin "$R"

# --- right credentials (password on stdin) --------------------------------------------
rm_ok login --authfile "$AUTH" --tls-verify=false -u "$USER_NAME" --password-stdin "$R" <<<"$PASSWORD"
assert_eq "login output" "Login Succeeded!" "$(cat "$RM_OUT")"
assert_eq "stored auth for $R" "$USER_NAME:$PASSWORD" \
  "$(jq -r --arg k "$R" '.auths[$k].auth' "$AUTH" | base64 -d)"
assert_eq "other entry kept" "b3RoZXI6b3RoZXI=" "$(jq -r '.auths["other.example"].auth' "$AUTH")"
assert_eq "unknown key kept" "1" "$(jq -r '.HttpHeaders["X-Test"]' "$AUTH")"
assert_eq "auth file mode" 600 "$(stat -c %a "$AUTH")"
ok "login wrote the entry and kept the rest"

skopeo_ inspect --authfile "$AUTH" --tls-verify=false "docker://$R/team/app:v1" >"$T/work/inspect.json"
assert_eq "skopeo inspect --authfile (our file) .Digest" "$WANT" "$(jq -r .Digest "$T/work/inspect.json")"
ok "skopeo accepts the auth file regmirror wrote"

# No credentials given: the stored ones are checked and reused, nothing is prompted for.
rm_ok login --authfile "$AUTH" --tls-verify=false "$R" </dev/null
assert_match "login with stored credentials" "Already logged in to $R" "$(cat "$RM_OUT")"

# --- the default file and registries.conf ---------------------------------------------
# lib.sh points REGISTRY_AUTH_FILE into $T and start_peer listed the registry as insecure
# in $CONTAINERS_REGISTRIES_CONF: no --authfile, no --tls-verify.
DEFAULT_BEFORE=$(cat "$REGISTRY_AUTH_FILE")
rm_ok login -u "$USER_NAME" -p "$PASSWORD" "$R/team"
assert_eq "namespaced key in \$REGISTRY_AUTH_FILE" "$USER_NAME:$PASSWORD" \
  "$(jq -r --arg k "$R/team" '.auths[$k].auth' "$REGISTRY_AUTH_FILE" | base64 -d)"
skopeo_ inspect --tls-verify=false "docker://$R/team/app:v1" >/dev/null
ok "login wrote \$REGISTRY_AUTH_FILE (namespace key), skopeo uses it by default"
rm_ok logout "$R/team"
assert_eq "\$REGISTRY_AUTH_FILE after logout" "$(jq -S . <<<"$DEFAULT_BEFORE")" "$(jq -S . "$REGISTRY_AUTH_FILE")"

# --- logout ---------------------------------------------------------------------------
rm_ok logout --authfile "$AUTH" "$R"
assert_eq "logout output" "Removed login credentials for $R" "$(cat "$RM_OUT")"
assert_eq "entry after logout" "null" "$(jq -c --arg k "$R" '.auths[$k]' "$AUTH")"
assert_eq "other entry after logout" "b3RoZXI6b3RoZXI=" "$(jq -r '.auths["other.example"].auth' "$AUTH")"
must_fail "skopeo inspect after logout is refused" 'unauthorized|authentication required|invalid username' \
  "${SKOPEO[@]}" inspect --authfile "$AUTH" --tls-verify=false "docker://$R/team/app:v1"
rm_fails "a second logout" "not logged into $R" logout --authfile "$AUTH" "$R"
assert_eq "exit status of a second logout" 1 "$RM_RC"

rm_ok logout --authfile "$AUTH" --all
assert_eq "auths after logout --all" "{}" "$(jq -c .auths "$AUTH")"
assert_eq "unknown key after logout --all" "1" "$(jq -r '.HttpHeaders["X-Test"]' "$AUTH")"
ok "logout removed the entry; --all emptied the file"

# --- Bearer token auth ----------------------------------------------------------------
start_peer plain
start_token_server tok plain bob 'token-pw'
B=${REG_ADDR[tok]}
TOKEN_AUTH="$T/work/token-auth.json"
rm_fails "login with a wrong password (Bearer)" 'invalid username/password' \
  login --authfile "$TOKEN_AUTH" --tls-verify=false -u bob -p wrong "$B"
[[ ! -e $TOKEN_AUTH ]] || fail "a refused login created $TOKEN_AUTH"
rm_ok login --authfile "$TOKEN_AUTH" --tls-verify=false -u bob -p token-pw "$B"
assert_eq "login output (Bearer)" "Login Succeeded!" "$(cat "$RM_OUT")"
assert_eq "stored auth for $B" "bob:token-pw" "$(jq -r --arg k "$B" '.auths[$k].auth' "$TOKEN_AUTH" | base64 -d)"
assert_eq "new auth file mode" 600 "$(stat -c %a "$TOKEN_AUTH")"
ok "login through a token server: refused with a wrong password, stored with the right one"
