#!/usr/bin/env python3
"""A registry behind Bearer token auth, the way Docker Hub, quay.io and Harbor do it.

A proxy (fault_proxy.py's, faults off) in front of a plain registry that forwards a /v2/
request only with "Authorization: Bearer <token>" for a token this server issued. Without
one it answers 401 with
    WWW-Authenticate: Bearer realm="http://HOST:PORT/token",service="SERVICE",scope="repository:NAME:pull[,push]"
and GET /token?service=...&scope=... answers {"token": ..., "access_token": ..., ...} to a
client with the right Basic credentials (--user/--password), 401 otherwise. A token is good
for the scopes it was issued for (a push needs "push" in its scope). With --anonymous-pull
a token request without credentials gets pull-only tokens.

Each request (including /token ones) is logged as a JSON line to --log.
"""

import argparse
import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_proxy  # noqa: E402

REPO_PATH = re.compile(r"^/v2/(.+?)/(blobs|manifests|tags|referrers)/")


class TokenHandler(fault_proxy.ProxyHandler):
    def _challenge(self, scope, error):
        body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": error}]}).encode()
        realm = "http://%s/token" % self.headers.get("Host", "127.0.0.1")
        value = 'Bearer realm="%s",service="%s"' % (realm, self.server.service)
        if scope:
            value += ',scope="%s"' % scope
        self.send_response_only(401)
        self.send_header("WWW-Authenticate", value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        # The unread request body (a push) would be taken for the next request.
        if self.headers.get("Content-Length", "0") != "0" or self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        self.record(status=401, req_bytes=0, resp_bytes=len(body), fault=error)

    def _needed_scope(self, path):
        m = REPO_PATH.match(path)
        if not m:
            return None, None  # /v2/, /v2/_catalog: any valid token
        action = "pull" if self.command in ("GET", "HEAD") else "push"
        return m.group(1), action

    def authorize(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/token":
            self._issue_token()
            return False
        repo, action = self._needed_scope(path)
        scope = None if repo is None else "repository:%s:%s" % (repo, "pull" if action == "pull" else "pull,push")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            self._challenge(scope, "authentication required")
            return False
        with self.server.token_lock:
            granted = self.server.tokens.get(auth[len("Bearer "):].strip())
        if granted is None:
            self._challenge(scope, "invalid or expired token")
            return False
        if repo is not None and action not in granted.get(repo, set()) and action not in granted.get("*", set()):
            self._challenge(scope, "token does not grant %s on %s" % (action, repo))
            return False
        return True

    def upstream_headers(self):
        # The upstream registry is unauthenticated: it must not see our Bearer token.
        return [(k, v) for k, v in super().upstream_headers() if k.lower() != "authorization"]

    def _issue_token(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = None, None
            if (user, password) != (self.server.user, self.server.password):
                return self._deny("wrong user name or password")
        elif not self.server.anonymous_pull:
            return self._deny("credentials required")
        granted = {}
        for scope in query.get("scope", []):
            for one in scope.split(" "):
                parts = one.split(":")
                if len(parts) < 3 or parts[0] != "repository":
                    continue
                repo, actions = ":".join(parts[1:-1]), set(parts[-1].split(","))
                if user is None:
                    actions &= {"pull"}
                granted.setdefault(repo, set()).update(actions & {"pull", "push", "*"})
        token = secrets.token_urlsafe(24)
        with self.server.token_lock:
            self.server.tokens[token] = granted
        body = json.dumps({"token": token, "access_token": token, "expires_in": 600,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        self.send_response_only(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.record(status=200, req_bytes=0, resp_bytes=len(body), user=user,
                    granted={k: sorted(v) for k, v in granted.items()})

    def _deny(self, why):
        body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": why}]}).encode()
        self.send_response_only(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.record(status=401, req_bytes=0, resp_bytes=len(body), fault=why)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    fault_proxy.add_proxy_arguments(p)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--service", default="regmirror-test-registry")
    p.add_argument("--anonymous-pull", action="store_true")
    args = p.parse_args()
    # No faults: the proxy only forwards.
    server = fault_proxy.make_server(TokenHandler, args, fault_proxy.Faults(
        fault_proxy.parse_args(["--upstream", args.upstream])))
    server.user, server.password = args.user, args.password
    server.service, server.anonymous_pull = args.service, args.anonymous_pull
    server.tokens, server.token_lock = {}, threading.Lock()
    fault_proxy.serve(server, args)

if __name__ == "__main__":
    main()
