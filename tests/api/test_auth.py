"""Auth: users from htpasswd, Docker's token protocol (/token), access rules by repository
pattern, anonymous rules, catalog filtering, mounts across repositories, tokens from an
external issuer, refresh tokens, reloads of the user file, and what the logs keep.

Users and what the rules give them (see CONFIG):
  alice   everything everywhere
  robot   pull on team-a/** and mirror/** (a node's pull secret)
  ci      pull and push on team-a/** through the group `builders`
  nobody  pull on public/**
"""

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import (PEER, Server, add_query, add_user, check_error, descriptor, image_config, image_manifest,
                     location, regmirror_binary, request, sha256)

CONFIG = """\
auth:
  htpasswd: {htpasswd}
  groups:
    builders: [ci]
  access:
    - repositories: "**"
      actions: [pull, push, delete]
      subjects: [alice]
    - repositories: team-a/**
      actions: pull
      subjects: [robot]
    - repositories: mirror/**
      actions: [pull]
      subjects: [robot]
    - repositories: team-a/**
      actions: [pull, push]
      subjects: ["group:builders"]
    - repositories: public/**
      actions: [pull]
      subjects: [anonymous]
  token:
    trusted_keys: [{external_key}]
    trusted_issuer: external-issuer
"""

PASSWORDS = {"alice": "alice-secret-1", "robot": "robot-secret-2", "ci": "ci-secret-3"}


def basic(user, password=None):
    password = PASSWORDS[user] if password is None else password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token):
    return {"Authorization": "Bearer " + token}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def der_to_raw_ecdsa(der):
    """An ECDSA signature as OpenSSL writes it (DER SEQUENCE of r, s) in JWS form (r || s)."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def sign_jwt(claims, key_file, alg, kid=None):
    """A compact JWS signed with the openssl CLI (ES256 or RS256)."""
    header = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_file], input=signing_input,
                         check=True, capture_output=True).stdout
    if alg == "ES256":
        sig = der_to_raw_ecdsa(sig)
    return signing_input.decode() + "." + b64url(sig)


def challenge_params(resp):
    value = resp.header("WWW-Authenticate") or ""
    scheme = value.split(" ", 1)[0]
    return scheme, dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', value))


@unittest.skipIf(PEER, "regmirror's own auth configuration")
class AuthTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-auth-")
        cls.htpasswd = os.path.join(cls.workdir, "htpasswd")
        for user, password in PASSWORDS.items():
            add_user(cls.htpasswd, user, password)
        cls.external_key = os.path.join(cls.workdir, "external.key")
        subprocess.run(["openssl", "genrsa", "-out", cls.external_key, "2048"], check=True, capture_output=True)
        external_pub = os.path.join(cls.workdir, "external.pem")
        subprocess.run(["openssl", "rsa", "-in", cls.external_key, "-pubout", "-out", external_pub],
                       check=True, capture_output=True)
        config = os.path.join(cls.workdir, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(htpasswd=cls.htpasswd, external_key=external_pub))
        cls.server = Server(workdir=cls.workdir, extra_args=["--config", config])
        cls.server.start()
        # alice pushes one image into each area the rules name
        cls.images = {}
        for repo in ("team-a/app", "private/secret", "public/base", "mirror/ubi"):
            cls.images[repo] = cls.push_image(repo, "v1")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.workdir, ignore_errors=True)

    # ---- helpers

    @classmethod
    def token(cls, user, *scopes, password=None, **params):
        headers = basic(user, password) if user else {}
        query = urllib.parse.urlencode({"service": "regmirror", "scope": list(scopes), **params}, doseq=True)
        resp = request(cls.server, "GET", "/token?" + query, headers=headers)
        if resp.status != 200:
            raise AssertionError(f"expected a token:\n{resp}")
        return resp.json()

    @classmethod
    def push_image(cls, repo, tag):
        token = cls.token("alice", f"repository:{repo}:pull,push")["token"]
        layer = os.urandom(64) + repo.encode()
        config = image_config(author=repo)
        for blob in (layer, config):
            post = request(cls.server, "POST", f"/v2/{repo}/blobs/uploads/", headers=bearer(token))
            assert post.status == 202, str(post)
            put = request(cls.server, "PUT", add_query(location(post), digest=sha256(blob)), blob,
                          {**bearer(token), "Content-Type": "application/octet-stream"})
            assert put.status == 201, str(put)
        manifest = image_manifest(descriptor("application/vnd.oci.image.config.v1+json", config),
                                  [descriptor("application/vnd.oci.image.layer.v1.tar", layer)])
        put = request(cls.server, "PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                      {**bearer(token), "Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert put.status == 201, str(put)
        return {"manifest": sha256(manifest), "layer": sha256(layer)}

    def req(self, method, target, headers=None, body=None):
        return request(self.server, method, target, body, headers)

    def assertChallenge(self, resp, scope=None, error=None):
        self.assertEqual(resp.status, 401, str(resp))
        check_error(resp, [401], ["UNAUTHORIZED"]) if resp.body else None
        scheme, params = challenge_params(resp)
        self.assertEqual(scheme, "Bearer", str(resp))
        self.assertEqual(params.get("realm"), f"http://127.0.0.1:{self.server.port}/token")
        self.assertEqual(params.get("service"), "regmirror")
        self.assertEqual(params.get("scope"), scope)
        self.assertEqual(params.get("error"), error)

    # ---- challenges and tokens

    def test_base_asks_for_credentials(self):
        self.assertChallenge(self.req("GET", "/v2/"))
        self.assertEqual(self.req("GET", "/v2/", basic("robot")).status, 200)
        anonymous = self.token(None)["token"]
        self.assertEqual(self.req("GET", "/v2/", bearer(anonymous)).status, 200)

    def test_healthz_needs_nothing(self):
        self.assertEqual(self.req("GET", "/healthz").status, 200)

    def test_token_carries_the_asked_scopes_the_rules_grant(self):
        body = self.token("alice", "repository:team-a/app:pull,push", "repository:private/secret:pull")
        self.assertEqual(body["token"], body["access_token"])
        self.assertEqual(body["expires_in"], 300)
        self.assertRegex(body["issued_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        claims = jwt_payload(body["token"])
        self.assertEqual(claims["sub"], "alice")
        self.assertEqual(claims["aud"], "regmirror")
        self.assertEqual(claims["iss"], "regmirror")
        self.assertEqual(claims["exp"] - claims["iat"], 300)
        self.assertEqual(claims["access"], [
            {"type": "repository", "name": "team-a/app", "actions": ["pull", "push"]},
            {"type": "repository", "name": "private/secret", "actions": ["pull"]}])

    def test_token_leaves_out_what_is_not_granted(self):
        claims = jwt_payload(self.token("robot", "repository:team-a/app:pull,push,delete",
                                        "repository:private/secret:pull")["token"])
        self.assertEqual(claims["access"], [{"type": "repository", "name": "team-a/app", "actions": ["pull"]}])
        anonymous = jwt_payload(self.token(None, "repository:public/base:pull,push",
                                           "repository:team-a/app:pull")["token"])
        self.assertEqual(anonymous["sub"], "")
        self.assertEqual(anonymous["access"], [{"type": "repository", "name": "public/base", "actions": ["pull"]}])

    def test_wrong_password_is_401(self):
        resp = self.req("GET", "/token?scope=repository:team-a/app:pull", basic("alice", "wrong"))
        self.assertEqual(resp.status, 401, str(resp))
        self.assertEqual(resp.header("WWW-Authenticate"), 'Basic realm="regmirror"')
        check_error(resp, [401], ["UNAUTHORIZED"])
        unknown = self.req("GET", "/token?scope=repository:team-a/app:pull", basic("mallory", "x"))
        self.assertEqual(unknown.status, 401)
        self.assertEqual(unknown.body, resp.body, "an unknown user and a wrong password look the same")
        # Basic credentials on the registry itself are checked too
        self.assertChallenge(self.req("GET", f"/v2/team-a/app/manifests/v1", basic("alice", "wrong")),
                             scope="repository:team-a/app:pull")

    def test_pull_only_user_cannot_push(self):
        token = self.token("robot", "repository:team-a/app:pull,push")["token"]
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(token)).status, 200)
        resp = self.req("POST", "/v2/team-a/app/blobs/uploads/", bearer(token))
        check_error(resp, [403], ["DENIED"])
        resp = self.req("DELETE", f"/v2/team-a/app/manifests/{self.images['team-a/app']['manifest']}",
                        basic("robot"))
        check_error(resp, [403], ["DENIED"])
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1", basic("alice")).status, 200)

    def test_token_for_one_repository_does_not_open_another(self):
        token = self.token("alice", "repository:team-a/app:pull")["token"]
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(token)).status, 200)
        # alice may pull there: a new token would do
        self.assertChallenge(self.req("GET", "/v2/private/secret/manifests/v1", bearer(token)),
                             scope="repository:private/secret:pull", error="insufficient_scope")
        self.assertChallenge(self.req("POST", "/v2/team-a/app/blobs/uploads/", bearer(token)),
                             scope="repository:team-a/app:pull,push", error="insufficient_scope")
        # robot may not: denied
        robot = self.token("robot", "repository:team-a/app:pull")["token"]
        check_error(self.req("GET", "/v2/private/secret/manifests/v1", bearer(robot)), [403], ["DENIED"])

    def test_anonymous_pull_only_where_a_rule_allows_it(self):
        manifest = self.images["public/base"]["manifest"]
        self.assertEqual(self.req("GET", f"/v2/public/base/manifests/{manifest}").status, 200)
        self.assertEqual(self.req("GET", f"/v2/public/base/blobs/{self.images['public/base']['layer']}").status, 200)
        self.assertEqual(self.req("GET", "/v2/public/base/tags/list").json()["tags"], ["v1"])
        self.assertChallenge(self.req("GET", "/v2/team-a/app/manifests/v1"), scope="repository:team-a/app:pull")
        self.assertChallenge(self.req("GET", "/v2/team-a/app/tags/list"), scope="repository:team-a/app:pull")
        self.assertChallenge(self.req("POST", "/v2/public/base/blobs/uploads/"),
                             scope="repository:public/base:pull,push")
        anonymous = self.token(None, "repository:team-a/app:pull")["token"]
        self.assertChallenge(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(anonymous)),
                             scope="repository:team-a/app:pull")

    def catalog(self, headers, n=None):
        names, target = [], "/v2/_catalog" + (f"?n={n}" if n else "")
        while target:
            resp = self.req("GET", target, headers)
            self.assertEqual(resp.status, 200, str(resp))
            names += resp.json()["repositories"]
            link = resp.header("Link")
            target = re.match(r"<([^>]+)>", link).group(1) if link else None
        return names

    def test_catalog_lists_only_what_the_caller_may_pull(self):
        everything = self.catalog(basic("alice"))
        self.assertTrue({"team-a/app", "private/secret", "public/base", "mirror/ubi"} <= set(everything))
        self.assertEqual(self.catalog(basic("robot")), ["mirror/ubi", "team-a/app"])
        self.assertEqual(self.catalog(basic("robot"), n=1), ["mirror/ubi", "team-a/app"])
        self.assertEqual(self.catalog(basic("ci")), ["team-a/app"])
        token = self.token("robot", "registry:catalog:*")["token"]
        self.assertEqual(self.catalog(bearer(token)), ["mirror/ubi", "team-a/app"])
        self.assertChallenge(self.req("GET", "/v2/_catalog"), scope="registry:catalog:*")
        no_catalog = self.token("robot", "repository:team-a/app:pull")["token"]
        self.assertChallenge(self.req("GET", "/v2/_catalog", bearer(no_catalog)),
                             scope="registry:catalog:*", error="insufficient_scope")

    def test_mount_from_a_forbidden_repository_is_a_plain_upload(self):
        layer = self.images["private/secret"]["layer"]
        target = f"/v2/team-a/mounted/blobs/uploads/?mount={layer}&from=private/secret"
        resp = self.req("POST", target, basic("ci"))
        self.assertEqual(resp.status, 202, f"no hint that the blob exists:\n{resp}")
        self.assertIn("/blobs/uploads/", resp.header("Location"))
        self.assertEqual(self.req("HEAD", f"/v2/team-a/mounted/blobs/{layer}", basic("ci")).status, 404)
        # with pull on the source the mount happens
        mine = self.images["team-a/app"]["layer"]
        resp = self.req("POST", f"/v2/team-a/mounted/blobs/uploads/?mount={mine}&from=team-a/app", basic("ci"))
        self.assertEqual(resp.status, 201, str(resp))
        resp = self.req("POST", target, basic("alice"))
        self.assertEqual(resp.status, 201, str(resp))

    def test_tampered_and_expired_tokens_are_refused(self):
        token = self.token("alice", "repository:team-a/app:pull")["token"]
        header, payload, signature = token.split(".")
        claims = jwt_payload(token)
        claims["access"][0]["name"] = "private/secret"
        forged = ".".join([header, b64url(json.dumps(claims).encode()), signature])
        self.assertChallenge(self.req("GET", "/v2/private/secret/manifests/v1", bearer(forged)),
                             scope="repository:private/secret:pull", error="invalid_token")
        flipped = header + "." + payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
        self.assertChallenge(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(flipped)),
                             scope="repository:team-a/app:pull", error="invalid_token")
        key = os.path.join(self.server.storage, "auth", "token-key.pem")
        now = int(time.time())
        expired = dict(jwt_payload(token), iat=now - 7200, nbf=now - 7200, exp=now - 3600)
        kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
        resp = self.req("GET", "/v2/team-a/app/manifests/v1", bearer(sign_jwt(expired, key, "ES256", kid)))
        self.assertChallenge(resp, scope="repository:team-a/app:pull", error="invalid_token")
        self.assertIn("expired", resp.json()["errors"][0]["message"])
        # the same claims, still valid, pass: the signing above is right
        valid = dict(expired, exp=now + 600, nbf=now - 10, iat=now - 10)
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1",
                                  bearer(sign_jwt(valid, key, "ES256", kid))).status, 200)

    def test_external_issuer_tokens(self):
        now = int(time.time())
        claims = {"iss": "external-issuer", "sub": "someone", "aud": "regmirror", "exp": now + 300,
                  "iat": now, "access": [{"type": "repository", "name": "private/secret", "actions": ["pull"]}]}
        token = sign_jwt(claims, self.external_key, "RS256")
        self.assertEqual(self.req("GET", "/v2/private/secret/manifests/v1", bearer(token)).status, 200)
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(token)).status, 403)
        for bad in (dict(claims, iss="another"), dict(claims, aud="elsewhere"), dict(claims, exp=now - 3600)):
            resp = self.req("GET", "/v2/private/secret/manifests/v1", bearer(sign_jwt(bad, self.external_key, "RS256")))
            self.assertEqual(resp.status, 401, str(resp))

    def test_refresh_tokens(self):
        body = self.token("ci", "repository:team-a/app:pull", offline_token="true")
        refresh = body["refresh_token"]
        self.assertNotIn("refresh_token", self.token("ci", "repository:team-a/app:pull"))
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": refresh, "service": "regmirror",
                                       "scope": "repository:team-a/app:pull,push repository:private/secret:pull",
                                       "client_id": "containers/image"})
        resp = self.req("POST", "/token", {"Content-Type": "application/x-www-form-urlencoded"}, form)
        self.assertEqual(resp.status, 200, str(resp))
        claims = jwt_payload(resp.json()["access_token"])
        self.assertEqual(claims["sub"], "ci")
        self.assertEqual(claims["access"], [{"type": "repository", "name": "team-a/app", "actions": ["pull", "push"]}])
        # a refresh token opens nothing by itself, and an access token refreshes nothing
        self.assertEqual(self.req("GET", "/v2/team-a/app/manifests/v1", bearer(refresh)).status, 401)
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": body["token"]})
        self.assertEqual(self.req("POST", "/token", {"Content-Type": "application/x-www-form-urlencoded"}, form).status, 401)
        form = urllib.parse.urlencode({"grant_type": "password", "username": "ci", "password": PASSWORDS["ci"],
                                       "scope": "repository:team-a/app:pull", "access_type": "offline"})
        resp = self.req("POST", "/token", {"Content-Type": "application/x-www-form-urlencoded"}, form)
        self.assertEqual(resp.status, 200, str(resp))
        self.assertIn("refresh_token", resp.json())
        form = urllib.parse.urlencode({"grant_type": "password", "username": "ci", "password": "wrong"})
        self.assertEqual(self.req("POST", "/token", {"Content-Type": "application/x-www-form-urlencoded"}, form).status, 401)

    def test_users_file_is_reloaded(self):
        add_user(self.htpasswd, "temp", "temp-password")
        # The file is looked at every 2 s; each try before that is a failed login, and past 5
        # of those (auth.failed_logins.burst) the limit would answer 429: try slowly.
        deadline = time.monotonic() + 15
        while self.req("GET", "/v2/", basic("temp", "temp-password")).status != 200:
            self.assertLess(time.monotonic(), deadline, "a new user was not picked up")
            time.sleep(1.5)
        subprocess.run([regmirror_binary(), "passwd", "temp", "--htpasswd", self.htpasswd, "--delete"],
                       check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while self.req("GET", "/v2/", basic("temp", "temp-password")).status != 401:
            self.assertLess(time.monotonic(), deadline, "a deleted user could still sign in")
            time.sleep(0.2)

    def test_hostile_credentials_and_token_requests(self):
        for header in ("Garbage", "Basic !!!notbase64", "Basic " + base64.b64encode(b"nocolon").decode(),
                       "Bearer ", "Bearer a.b", "Bearer " + "x" * 10000, "Basic " + "QUFB" * 3000,
                       "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."):
            resp = self.req("GET", "/v2/team-a/app/manifests/v1", {"Authorization": header})
            self.assertIn(resp.status, (401, 431), f"{header[:40]}: {resp}")
        bad = {"scope=repository:team-a/app": 400, "scope=" + "%20".join(["repository:a:pull"] * 65): 400,
               "service=other": 400, "scope=repository::pull": 400}
        for query, status in bad.items():
            resp = self.req("GET", "/token?" + query, basic("alice"))
            self.assertEqual(resp.status, status, f"{query[:60]}: {resp}")
            check_error(resp, [400], ["UNSUPPORTED"])
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        self.assertEqual(self.req("POST", "/token", form, "grant_type=client_credentials").status, 400)
        self.assertEqual(self.req("POST", "/token", form, "x=" + "a" * 20000).status, 413)
        self.assertEqual(self.req("DELETE", "/token", basic("alice")).status, 405)
        self.assertEqual(self.req("GET", "/v2/", basic("robot")).status, 200, "the server is still up")

    def test_logs_name_the_user_and_hold_no_secret(self):
        token = self.token("robot", "repository:team-a/app:pull")["token"]
        self.req("GET", "/v2/team-a/app/tags/list", bearer(token))
        time.sleep(0.2)
        with open(self.server.log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertRegex(log, r'"path":"/v2/team-a/app/tags/list".*"user":"robot"')
        for secret in list(PASSWORDS.values()) + [token, token.split(".")[2]]:
            self.assertNotIn(secret, log)
        for word in ("Authorization", "Basic ", "Bearer "):
            self.assertNotIn(word, log)


@unittest.skipIf(PEER, "regmirror's own auth configuration")
class BasicModeTest(unittest.TestCase):
    """auth: basic — the password on every request, no token endpoint."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-auth-basic-")
        htpasswd = os.path.join(cls.workdir, "htpasswd")
        add_user(htpasswd, "alice", PASSWORDS["alice"])
        cls.server = Server(workdir=cls.workdir,
                            extra_args=["--htpasswd", htpasswd, "--auth-mode", "basic", "--anonymous-pull"])
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.workdir, ignore_errors=True)

    def test_basic_challenge_and_credentials(self):
        resp = request(self.server, "GET", "/v2/")
        self.assertEqual(resp.status, 401)
        self.assertEqual(resp.header("WWW-Authenticate"), 'Basic realm="regmirror"')
        self.assertEqual(request(self.server, "GET", "/v2/", headers=basic("alice")).status, 200)
        resp = request(self.server, "POST", "/v2/any/blobs/uploads/", headers=basic("alice", "wrong"))
        self.assertEqual(resp.status, 401)
        self.assertEqual(request(self.server, "POST", "/v2/any/blobs/uploads/", headers=basic("alice")).status, 202)

    def test_anonymous_pull_shortcut(self):
        self.assertEqual(request(self.server, "GET", "/v2/any/tags/list").status, 404)
        self.assertEqual(request(self.server, "POST", "/v2/any/blobs/uploads/").status, 401)

    def test_no_token_endpoint(self):
        self.assertEqual(request(self.server, "GET", "/token", headers=basic("alice")).status, 404)


@unittest.skipIf(PEER, "regmirror's own auth configuration")
class FailedLoginsTest(unittest.TestCase):
    """Wrong passwords are limited per user and address; past the limit even the right one waits."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-auth-logins-")
        htpasswd = os.path.join(cls.workdir, "htpasswd")
        for user in ("alice", "robot"):
            add_user(htpasswd, user, PASSWORDS[user])
        config = os.path.join(cls.workdir, "config.yaml")
        with open(config, "w") as f:
            f.write(f"auth:\n  htpasswd: {htpasswd}\n  failed_logins:\n    burst: 3\n    per_minute: 1\n")
        cls.server = Server(workdir=cls.workdir, extra_args=["--config", config])
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.workdir, ignore_errors=True)

    def test_wrong_passwords_then_a_wait(self):
        for attempt in range(3):
            resp = request(self.server, "GET", "/token?scope=repository:a:pull", headers=basic("alice", f"guess{attempt}"))
            self.assertEqual(resp.status, 401, str(resp))
        for headers in (basic("alice", "guess4"), basic("alice")):
            for target in ("/token?scope=repository:a:pull", "/v2/a/tags/list"):
                resp = request(self.server, "GET", target, headers=headers)
                check_error(resp, [429], ["TOOMANYREQUESTS"])
                self.assertGreaterEqual(int(resp.header("Retry-After")), 1)
        form = urllib.parse.urlencode({"grant_type": "password", "username": "alice", "password": PASSWORDS["alice"]})
        resp = request(self.server, "POST", "/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(resp.status, 429, str(resp))
        # another user from the same address is not held up
        self.assertEqual(request(self.server, "GET", "/v2/", headers=basic("robot")).status, 200)


@unittest.skipIf(PEER, "regmirror's own auth configuration")
class StartupErrorTest(unittest.TestCase):
    """A configuration auth cannot use stops the server before it listens, naming the problem."""

    def start(self, config_text=None, args=(), files=None):
        workdir = tempfile.mkdtemp(prefix="regmirror-auth-bad-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        for name, text in (files or {}).items():
            with open(os.path.join(workdir, name), "w") as f:
                f.write(text)
        cmd = [regmirror_binary(), "serve", "--listen", "127.0.0.1:0", "--storage", os.path.join(workdir, "s")]
        if config_text is not None:
            with open(os.path.join(workdir, "config.yaml"), "w") as f:
                f.write(config_text)
            cmd += ["--config", "config.yaml"]
        return subprocess.run(cmd + list(args), cwd=workdir, capture_output=True, text=True, timeout=30)

    def test_errors(self):
        cases = [
            ({"htpasswd": "alice:$apr1$abc$def\n"}, "auth:\n  htpasswd: htpasswd\n", "line 1"),
            ({"htpasswd": ""}, "auth:\n  htpasswd: htpasswd\n  access:\n    - repositories: '**'\n"
                               "      actions: pull\n      subjects: group:nope\n", "unknown group"),
            ({"htpasswd": ""}, "auth:\n  htpasswd: htpasswd\n  access:\n    - repositories: '**'\n"
                               "      actions: fly\n      subjects: alice\n", "unknown action"),
            ({"htpasswd": ""}, "auth:\n  htpasswd: htpasswd\n  access: {}\n", "auth.access"),
            ({"htpasswd": ""}, "auth:\n  htpasswd: htpasswd\n  mode: kerberos\n", "auth.mode"),
            ({"k.pem": "not a key"}, "auth:\n  token:\n    trusted_keys: k.pem\n    trusted_issuer: x\n", "k.pem"),
            ({"k.pem": "x"}, "auth:\n  token:\n    trusted_keys: k.pem\n", "trusted_issuer"),
            ({}, "auth:\n  htpasswd: missing-file\n", "missing-file"),
        ]
        for files, config, needle in cases:
            with self.subTest(needle=needle):
                done = self.start(config, files=files)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(needle, done.stderr)
        done = self.start(args=["--anonymous-pull"])
        self.assertEqual(done.returncode, 2, done.stderr)


if __name__ == "__main__":
    unittest.main()
