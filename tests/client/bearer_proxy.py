#!/usr/bin/env python3
"""A Bearer token front for a registry, for tests: the Docker token flow on loopback.

Sits in front of a real registry (--upstream) and answers 401 with
  WWW-Authenticate: Bearer realm="http://HOST:PORT/token",service="test",scope="repository:NAME:ACTIONS"
unless the request carries a token this proxy issued, not expired, whose scopes cover the
request (GET/HEAD: pull; POST/PUT/PATCH: push; DELETE: delete; a cross-repository mount also
needs pull on ?from=). /token issues such tokens for the scopes asked, after checking Basic
credentials (--user/--password; without them anyone gets tokens) or, with a POST
grant_type=refresh_token, the refresh token (--identity-token). Everything else is forwarded
to the upstream as it streams, Host header included so that absolute Locations point here.

Blob GETs are redirected (307) to another origin, http://localhost:PORT/_storage/..., the way
Docker Hub sends clients to a storage bucket; that origin refuses requests that carry an
Authorization header (a client must not leak the registry's token to it).

Python 3 standard library only. Prints "listening on PORT" once it accepts connections.
--log FILE gets one JSON line per token request: {"method", "scopes", "account", "granted"}.
"""

import argparse
import base64
import http.client
import http.server
import json
import secrets
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "proxy-authenticate", "proxy-authorization"}
PIECE = 256 * 1024


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (expiry, set of (name, action))

    def issue(self, scopes):
        token = secrets.token_urlsafe(24)
        granted = set()
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                name = ":".join(parts[1:-1])
                for action in parts[-1].split(","):
                    granted.add((name, action))
        with self.lock:
            self.tokens[token] = (time.monotonic() + self.args.expires_in, granted)
        return token

    def allows(self, token, needs):
        with self.lock:
            entry = self.tokens.get(token)
        if entry is None or time.monotonic() >= entry[0]:
            return False
        granted = entry[1]
        return all((name, action) in granted or (name, "*") in granted for name, action in needs)

    def log(self, record):
        if self.args.log:
            with self.lock, open(self.args.log, "a") as f:
                f.write(json.dumps(record) + "\n")


def required_access(method, path, query):
    """(name, action) pairs the request needs; [] for /v2/ itself."""
    if not path.startswith("/v2/") or path == "/v2/":
        return []
    rest = path[len("/v2/"):]
    for marker in ("/manifests/", "/blobs/", "/tags/", "/referrers/"):
        i = rest.find(marker)
        if i > 0:
            name = rest[:i]
            break
    else:
        return []
    if method in ("GET", "HEAD"):
        needs = [(name, "pull")]
    elif method == "DELETE":
        needs = [(name, "delete")]
    else:
        needs = [(name, "pull"), (name, "push")]
    source = urllib.parse.parse_qs(query).get("from")
    if method == "POST" and source:
        needs.append((source[0], "pull"))
    return needs


def scope_of(needs):
    by_name = {}
    for name, action in needs:
        by_name.setdefault(name, []).append(action)
    return " ".join(f"repository:{n}:{','.join(a)}" for n, a in by_name.items())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bearer-proxy"

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("%s\n" % (fmt % args))

    def parse_request(self):
        self.continue_pending = False
        self.body_read = False
        return super().parse_request()

    # Like Go's net/http: "100 Continue" only once the body is wanted, so that a client
    # refused with 401 never sends it.
    def handle_expect_100(self):
        self.continue_pending = True
        return True

    def send_continue(self):
        if self.continue_pending:
            self.continue_pending = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    def body_pieces(self):
        """The request body as it arrives (Content-Length or chunked)."""
        self.body_read = True
        self.send_continue()
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left:
                    data = self.rfile.read(min(left, PIECE))
                    if not data:
                        raise ConnectionError("client closed mid-body")
                    left -= len(data)
                    yield data
                self.rfile.readline()
        left = int(self.headers.get("Content-Length") or 0)
        while left:
            data = self.rfile.read(min(left, PIECE))
            if not data:
                raise ConnectionError("client closed mid-body")
            left -= len(data)
            yield data

    def has_body(self):
        return int(self.headers.get("Content-Length") or 0) > 0 or "chunked" in self.headers.get(
            "Transfer-Encoding", "").lower()

    def reply(self, status, body=b"", headers=()):
        if self.has_body() and not self.body_read:
            if self.continue_pending:
                self.close_connection = True  # the body was never asked for: do not read it
            else:
                for _ in self.body_pieces():
                    pass
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def basic_user(self):
        value = self.headers.get("Authorization", "")
        if not value.lower().startswith("basic "):
            return None, None
        try:
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        except Exception:
            return None, None
        return user, password

    def token_endpoint(self, query):
        args = self.server.state.args
        if self.command == "POST":
            form = urllib.parse.parse_qs(b"".join(self.body_pieces()).decode())
            scopes = " ".join(form.get("scope", [])).split()
            ok = (form.get("grant_type") == ["refresh_token"] and args.identity_token and
                  form.get("refresh_token") == [args.identity_token])
            account = None
        else:
            params = urllib.parse.parse_qs(query)
            scopes = params.get("scope", [])
            account, password = self.basic_user()
            ok = args.user is None or (account == args.user and password == args.password)
        self.server.state.log({"method": self.command, "scopes": scopes, "account": account,
                               "granted": bool(ok)})
        if not ok:
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                           "message": "invalid username/password"}]}).encode()
            return self.reply(401, body, [("Content-Type", "application/json")])
        token = self.server.state.issue(scopes)
        body = json.dumps({"token": token, "access_token": token,
                           "expires_in": args.expires_in}).encode()
        self.reply(200, body, [("Content-Type", "application/json")])

    def storage(self, path):
        if "Authorization" in self.headers:
            body = b"Authorization sent to the storage origin\n"
            return self.reply(400, body, [("Content-Type", "text/plain")])
        self.path = "/v2/" + path[len("/_storage/"):]
        self.forward()

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            return self.token_endpoint(url.query)
        if url.path.startswith("/_storage/") and self.command == "GET":
            return self.storage(url.path)
        needs = required_access(self.command, url.path, url.query)
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        if token is None or not self.server.state.allows(token, needs):
            host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
            challenge = f'Bearer realm="http://{host}/token",service="test"'
            if needs:
                challenge += f',scope="{scope_of(needs)}"'
            if token is not None:
                challenge += ',error="invalid_token"'
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                           "message": "authentication required"}]}).encode()
            return self.reply(401, body, [("WWW-Authenticate", challenge),
                                          ("Content-Type", "application/json"),
                                          ("Docker-Distribution-API-Version", "registry/2.0")])
        if self.command == "GET" and "/blobs/sha256:" in url.path:
            target = f"http://localhost:{self.server.server_port}/_storage/{url.path[len('/v2/'):]}"
            return self.reply(307, b"", [("Location", target)])
        self.forward()

    def forward(self):
        up = urllib.parse.urlsplit(self.server.state.args.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        # A list, not a dict: clients send some fields (Accept) several times.
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() not in ("authorization", "expect")]
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if self.has_body():
            for piece in self.body_pieces():
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        self.send_response(resp.status, resp.reason)
        length = resp.getheader("Content-Length")
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("date", "server"):
                self.send_header(k, v)
        no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        if length is None and not no_body:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body:
            while True:
                data = resp.read(PIECE)
                if not data:
                    break
                self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the registry")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--identity-token", help="refresh token accepted by POST /token")
    parser.add_argument("--expires-in", type=int, default=60, help="token lifetime in seconds")
    parser.add_argument("--log", help="append a JSON line per token request here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print(f"listening on {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
