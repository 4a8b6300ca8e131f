"""Harness for the HTTP API tests: start a registry, talk HTTP to it, push content, check errors.

Python 3 standard library only. The registry under test is regmirror by default
(REGMIRROR_BIN, else build/src/cli/regmirror); REGISTRY_UNDER_TEST=docker-registry runs the
same tests against Debian's docker-registry (CNCF distribution 2.8) so the tests themselves
can be validated; tests for features that peer lacks are skipped with the reason.

Every server runs on a free loopback port in its own temporary directory, is ready when its
health endpoint answers 200, and is stopped with SIGTERM; a non-zero exit fails the test.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

# ---------------------------------------------------------------------------------------------
# Which registry

REGISTRY = (os.environ.get("REGISTRY_UNDER_TEST") or "regmirror").strip()
if REGISTRY not in ("regmirror", "docker-registry"):
    raise SystemExit(f"REGISTRY_UNDER_TEST must be regmirror or docker-registry, not {REGISTRY!r}")
PEER = REGISTRY == "docker-registry"

# REGMIRROR_API_AUTH=token (or basic) runs the same tests with auth on: regmirror starts with a
# user of its own (the only one, so it may do everything) and every request goes through the
# client side of the token protocol, as containers/image does it: a 401 challenge, a token for
# the challenge's scope from its realm, the request again with the token.
AUTH_MODE = (os.environ.get("REGMIRROR_API_AUTH") or "").strip()
if AUTH_MODE not in ("", "token", "basic"):
    raise SystemExit(f"REGMIRROR_API_AUTH must be token or basic, not {AUTH_MODE!r}")
AUTH_USER, AUTH_PASSWORD = "conformance", "conformance-password"

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def regmirror_binary():
    path = os.environ.get("REGMIRROR_BIN") or os.path.join(REPO_ROOT, "build", "src", "cli", "regmirror")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(f"regmirror binary not found or not executable: {path} "
                           "(build it, or set REGMIRROR_BIN, or REGISTRY_UNDER_TEST=docker-registry)")
    return path


# Features docker-registry 2.8 does not have, with the reason a skipped test reports.
PEER_LACKS = {
    "referrers": "docker-registry 2.8 does not implement the OCI 1.1 referrers API",
    "tag_pagination": "docker-registry 2.8 has no n/last pagination or Link header on tags/list",
    "single_post": "docker-registry 2.8 does not complete an upload in a single POST ?digest= (answers 202)",
    "upload_limits": "docker-registry 2.8 has no upload size limit: it waits for an announced body however large",
    "manifest_limit": "docker-registry 2.8 does not limit manifest size",
    "subject": "docker-registry 2.8 does not process the subject field (no OCI-Subject header)",
    "healthz": "docker-registry serves no /healthz",
}


def peer_skip_case(tc, case, failures):
    """Inside a subTest: skip `case` against docker-registry when `failures` names it (a dict of
    case -> what 2.8 does instead)."""
    if PEER and case in failures:
        tc.skipTest(f"docker-registry 2.8 {failures[case]}")


def requires(feature):
    """Skip the test (or class) when the registry under test lacks `feature`."""
    return unittest.skipIf(PEER and feature in PEER_LACKS, PEER_LACKS.get(feature, ""))


def direct_only(reason):
    """Skip a test of what the registry's own HTTP parser does with bytes no balancer passes
    on unchanged, when the registry runs as replicas behind HAProxy."""
    return unittest.skipIf(os.environ.get("REGMIRROR_TOPOLOGY") == "replicas",
                           f"behind HAProxy: {reason}")


def peer_bug(reason):
    """The check is right but docker-registry 2.8 fails it: expected failure against that peer
    (an unexpected success is reported), an ordinary test against regmirror."""
    def wrap(fn):
        if not PEER:
            return fn
        fn.__doc__ = f"docker-registry bug: {reason}"
        return unittest.expectedFailure(fn)
    return wrap


# ---------------------------------------------------------------------------------------------
# Media types and error codes

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
ALL_MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
ACCEPT_ALL = ", ".join(ALL_MANIFEST_TYPES)

# The conformance suite's list (setup.go) plus the spec's TOOMANYREQUESTS.
SPEC_ERROR_CODES = frozenset({
    "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED",
    "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED", "DENIED",
    "UNSUPPORTED", "TOOMANYREQUESTS",
})

API_VERSION_HEADER = "Docker-Distribution-API-Version"
API_VERSION = "registry/2.0"
MiB = 1024 * 1024

# ---------------------------------------------------------------------------------------------
# Digests and content


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


EMPTY_DIGEST = sha256(b"")
EMPTY_JSON = b"{}"
EMPTY_JSON_DIGEST = sha256(EMPTY_JSON)
assert EMPTY_JSON_DIGEST == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
DUMMY_DIGEST = sha256(b"hello world")  # the conformance suite's digest of nothing stored


def go_json(obj):
    """What Go's json.MarshalIndent(obj, "", "\\t") writes, for the conformance data."""
    return json.dumps(obj, indent="\t", ensure_ascii=False).encode()


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def descriptor(media_type, data=None, *, digest=None, size=None, **extra):
    d = {"mediaType": media_type,
         "digest": digest if digest is not None else sha256(data),
         "size": size if size is not None else len(data)}
    d.update(extra)
    return d


def image_config(author=None):
    return go_json({"author": author or uuid.uuid4().hex, "architecture": "amd64", "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": []}})


def image_manifest(config_desc, layer_descs, *, media_type=OCI_MANIFEST, subject=None, artifact_type=None,
                   annotations=None, encode=go_json):
    m = {"schemaVersion": 2}
    if media_type:
        m["mediaType"] = media_type
    if artifact_type:
        m["artifactType"] = artifact_type
    m["config"] = config_desc
    m["layers"] = list(layer_descs)
    if subject:
        m["subject"] = subject
    if annotations:
        m["annotations"] = annotations
    return encode(m)


def image_index(manifest_descs, *, media_type=OCI_INDEX, subject=None, artifact_type=None, annotations=None,
                encode=go_json):
    m = {"schemaVersion": 2}
    if media_type:
        m["mediaType"] = media_type
    if artifact_type:
        m["artifactType"] = artifact_type
    m["manifests"] = list(manifest_descs)
    if subject:
        m["subject"] = subject
    if annotations:
        m["annotations"] = annotations
    return encode(m)


def unique_repo(hint="repo"):
    return f"{hint}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------------------------
# Processes


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PEER_HTTP_SECRET = "regmirror-api-tests-shared-secret"



def add_user(htpasswd, user, password):
    """Adds `user` to the htpasswd file with `regmirror passwd` (bcrypt cost 4: tests need speed)."""
    subprocess.run([regmirror_binary(), "passwd", user, "--htpasswd", htpasswd, "--password-stdin",
                    "--cost", "4"], input=password.encode(), check=True, capture_output=True)

class Server:
    """One registry process on a free loopback port, storage in a temporary directory.

    `workdir` may be shared by successive servers (restart on the same storage)."""

    def __init__(self, workdir=None, read_only=False, extra_args=()):
        self.own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="regmirror-api-")
        self.storage = os.path.join(self.workdir, "storage")
        self.read_only = read_only
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log_path = None
        self.starts = 0
        self.tokens = {}  # repository (or "" for the catalog and /v2/) -> Bearer token

    # ---- lifecycle

    def command(self):
        if PEER:
            config = os.path.join(self.workdir, f"config-{self.port}.yml")
            readonly = "  maintenance:\n    readonly:\n      enabled: true\n" if self.read_only else ""
            with open(config, "w") as f:
                f.write("version: 0.1\n"
                        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                        "storage:\n"
                        f"  filesystem:\n    rootdirectory: {self.storage}\n"
                        "  delete:\n    enabled: true\n"
                        f"{readonly}"
                        "http:\n"
                        f"  addr: 127.0.0.1:{self.port}\n"
                        f"  secret: {PEER_HTTP_SECRET}\n"
                        "  draintimeout: 30s\n"
                        "validation:\n  manifests:\n    urls:\n      allow:\n        - ^https?://\n")
            return ["docker-registry", "serve", config]
        cmd = [regmirror_binary(), "serve", "--listen", f"127.0.0.1:{self.port}", "--storage", self.storage,
               "--log-level", "warn"]
        if self.read_only:
            cmd.append("--read-only")
        if AUTH_MODE:
            cmd += ["--htpasswd", self.make_htpasswd(), "--auth-mode", AUTH_MODE]
        return cmd + self.extra_args

    def make_htpasswd(self):
        path = os.path.join(self.workdir, "htpasswd")
        if not os.path.exists(path):
            add_user(path, AUTH_USER, AUTH_PASSWORD)
        return path

    @property
    def health_path(self):
        return "/v2/" if PEER else "/healthz"

    def start(self, timeout=30):
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        os.makedirs(self.storage, exist_ok=True)
        self.port = free_port()
        self.starts += 1
        self.log_path = os.path.join(self.workdir, f"server-{self.starts}.log")
        cmd = self.command()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with {self.proc.returncode} before it was ready\n"
                                   f"{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.health_path)
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    return self
                last = f"{self.health_path} answered {r.status}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{' '.join(cmd)} not ready within {timeout}s ({last})\n{self.log_tail()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """The exit code, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=20):
        """SIGTERM and wait; raises AssertionError unless it exits 0 in time."""
        if self.proc is None or self.proc.poll() is not None:
            rc = None if self.proc is None else self.proc.returncode
            raise AssertionError(f"server was not running at stop (exit code {rc})\n{self.log_tail()}")
        self.signal(signal.SIGTERM)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
            raise AssertionError(f"server did not exit within {timeout}s of SIGTERM\n{self.log_tail()}")
        if rc != 0:
            raise AssertionError(f"server exited with {rc} after SIGTERM, expected 0\n{self.log_tail()}")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines=40):
        if not self.log_path or not os.path.exists(self.log_path):
            return "(no server log)"
        with open(self.log_path, "rb") as f:
            text = f.read().decode(errors="replace").splitlines()
        return "--- server log (tail) ---\n" + "\n".join(text[-lines:])

    def files_outside_storage(self):
        """Paths under the work directory that the server may not have created."""
        found = []
        for root, dirs, files in os.walk(self.workdir):
            if os.path.abspath(root).startswith(os.path.abspath(self.storage)):
                continue
            for name in files + dirs:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, self.workdir)
                if rel == "storage" or re.fullmatch(r"(server-\d+\.log|config-\d+\.yml|canary.*)", rel):
                    continue
                found.append(rel)
        return found


class ReplicatedServer(Server):
    """regmirror as replicas behind HAProxy sharing an S3 bucket and a PostgreSQL database
    (tests/fixtures/replicas.py), with Server's lifecycle: REGMIRROR_TOPOLOGY=replicas runs the
    tests against it. `proc` is the cluster, which polls as running while every replica and
    the balancer are."""

    def start(self, timeout=30):
        import replicas

        if self.proc is None:
            args = ["--htpasswd", self.make_htpasswd(), "--auth-mode", AUTH_MODE] if AUTH_MODE else []
            self.proc = replicas.Replicas(regmirror_binary(), self.workdir, read_only=self.read_only,
                                          extra_args=args + self.extra_args)
        self.starts += 1
        self.proc.start(timeout)
        self.port = self.proc.port
        return self

    def running(self):
        return self.proc is not None and self.proc.running()

    def signal(self, sig=signal.SIGTERM):
        self.proc.signal(sig)

    def stop(self, timeout=20):
        self.proc.stop(timeout)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()

    def log_tail(self, lines=40):
        return self.proc.log_tail(lines // 2) if self.proc else "(no replica log)"

    def files_outside_storage(self):
        # the cluster's own files, and each replica's local root (its scratch space)
        ours = re.compile(r"(replica-\d+(\.log)?|haproxy\.(log|cfg)|replicas\.yml)(/.*)?")
        return [f for f in super().files_outside_storage() if not ours.fullmatch(f)]


TOPOLOGY = (os.environ.get("REGMIRROR_TOPOLOGY") or "single").strip()
if TOPOLOGY == "replicas":
    sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "fixtures"))
    Server = ReplicatedServer  # noqa: F811 (every test's server becomes a cluster)
elif TOPOLOGY != "single":
    raise SystemExit(f"REGMIRROR_TOPOLOGY must be single or replicas, not {TOPOLOGY!r}")


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, method, target, req_headers, status, reason, headers, body):
        self.method = method
        self.target = target
        self.req_headers = req_headers
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(f"response body is not JSON ({e}):\n{self}") from None

    def __str__(self):
        req = "".join(f"\n    > {k}: {v}" for k, v in (self.req_headers or {}).items())
        hdrs = "".join(f"\n    < {k}: {v}" for k, v in self.headers)
        body = self.body[:800]
        more = f" ... ({len(self.body)} bytes)" if len(self.body) > 800 else ""
        return (f"{self.method} {self.target[:300]}{req}\n  -> {self.status} {self.reason}{hdrs}\n"
                f"  body: {body!r}{more}")


def _is_api_path(target):
    return target == "/v2" or target.startswith("/v2/") or target.startswith("/v2?")


def _basic_credentials():
    return "Basic " + base64.b64encode(f"{AUTH_USER}:{AUTH_PASSWORD}".encode()).decode()


def _challenge_params(value):
    return dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', value))


_REPOSITORY_PATH = re.compile(r"^/v2/(.+?)/(?:manifests/|blobs/|tags/list|referrers/)")


def _token_key(target):
    """The repository a request is about ("" for the catalog and /v2/), and for a mount the
    source as well, which a token must also open (`repository:FROM:pull`), as clients ask."""
    path, _, query = target.partition("?")
    m = _REPOSITORY_PATH.match(path)
    if not m:
        return ""
    source = urllib.parse.parse_qs(query).get("from")
    return m.group(1) + ("|" + source[0] if source else "")


def _fetch_token(server, challenge, key):
    """A token for everything on `key`'s repository (or the catalog), from the challenge's realm."""
    params = _challenge_params(challenge)
    realm = urllib.parse.urlsplit(params["realm"])
    repository, _, source = key.partition("|")
    scopes = [f"repository:{repository}:pull,push,delete" if repository else "registry:catalog:*"]
    if source:
        scopes.append(f"repository:{source}:pull")
    query = urllib.parse.urlencode({"service": params.get("service", ""), "scope": scopes}, doseq=True)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", f"{realm.path}?{query}", headers={"Authorization": _basic_credentials()})
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    if r.status != 200:
        raise AssertionError(f"token request for {scopes} answered {r.status}: {data[:300]!r}")
    return json.loads(data)["token"]


def request(server, method, target, body=None, headers=None, *, timeout=60, check_api_version=True):
    """One request on a fresh connection. `target` is a path (with query) or an absolute URL.

    Every answer under /v2/ must carry Docker-Distribution-API-Version: registry/2.0."""
    target = path_of(target)
    headers = dict(headers or {})
    if AUTH_MODE and not PEER and "Authorization" not in headers and _is_api_path(target):
        key = _token_key(target)
        if AUTH_MODE == "basic":
            headers["Authorization"] = _basic_credentials()
        elif key in server.tokens:
            headers["Authorization"] = "Bearer " + server.tokens[key]
        resp = _send(server, method, target, body, headers, timeout, check_api_version)
        challenge = resp.header("WWW-Authenticate") or ""
        if resp.status != 401 or not challenge.startswith("Bearer "):
            return resp
        server.tokens[key] = _fetch_token(server, challenge, key)
        headers["Authorization"] = "Bearer " + server.tokens[key]
    return _send(server, method, target, body, headers, timeout, check_api_version)


def _send(server, method, target, body, headers, timeout, check_api_version):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        try:
            conn.request(method, target, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading the body: it may still have answered, read that
        r = conn.getresponse()
        data = r.read()
        resp = Response(method, target, headers, r.status, r.reason, r.getheaders(), data)
    except (OSError, http.client.HTTPException) as e:
        raise AssertionError(f"{method} {target[:300]}: no complete HTTP response ({e!r})\n{server.log_tail(15)}") from None
    finally:
        conn.close()
    if check_api_version and _is_api_path(target) and resp.header(API_VERSION_HEADER) != API_VERSION:
        raise AssertionError(f"expected header {API_VERSION_HEADER}: {API_VERSION} on every /v2/ response:\n{resp}")
    check_spec_codes(resp)
    return resp


def check_spec_codes(resp):
    """Spec: a 4xx body that is JSON MUST be {"errors":[...]} with codes from the spec's table.
    Applied to every response the tests receive."""
    if not 400 <= resp.status < 500 or not resp.body:
        return
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errors, list):
        raise AssertionError(f"a JSON 4xx body must be {{\"errors\": [...]}}:\n{resp}")
    for e in errors:
        code = e.get("code") if isinstance(e, dict) else None
        if code not in SPEC_ERROR_CODES:
            raise AssertionError(f"error code {code!r} is not one of the spec's codes {sorted(SPEC_ERROR_CODES)}:\n{resp}")


def path_of(location):
    """A Location (absolute or relative) as a request target: path plus query."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme or parts.netloc:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return location


def add_query(target, **params):
    """Append query parameters, keeping whatever the registry put in the location verbatim."""
    target = path_of(target)
    sep = "&" if "?" in target else "?"
    return target + sep + urllib.parse.urlencode(params)


def location(resp):
    loc = resp.header("Location")
    if not loc:
        raise AssertionError(f"expected a Location header:\n{resp}")
    return path_of(loc)


class RawConnection:
    """A bare TCP connection, for requests http.client will not send."""

    def __init__(self, server, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)

    def send(self, data):
        self.sock.sendall(data)

    def try_send(self, data):
        """Send; False if the server already closed or reset the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def read_response(self, timeout=10):
        """(status, headers, body) of the next response; status None if the connection closed
        without one. Raises socket.timeout if nothing complete arrives in time."""
        self.sock.settimeout(timeout)
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return (None, {}, buf)
                buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return (None, {}, buf)
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
        if not m:
            raise AssertionError(f"not an HTTP status line: {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        try:
            while len(body) < length:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
        return (int(m.group(1)), headers, body)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_request_head(method, target, headers):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def upload_blob(server, repo, data):
    """POST then PUT ?digest= outside a test method (e.g. in setUpClass); returns the digest."""
    digest = sha256(data)
    post = request(server, "POST", f"/v2/{repo}/blobs/uploads/")
    if post.status != 202:
        raise AssertionError(f"expected 202 starting an upload:\n{post}")
    resp = request(server, "PUT", add_query(location(post), digest=digest), data,
                   {"Content-Type": "application/octet-stream"})
    if resp.status != 201:
        raise AssertionError(f"expected 201 completing an upload:\n{resp}")
    return digest


# ---------------------------------------------------------------------------------------------
# Errors


def check_error(resp, statuses, codes):
    """Raise AssertionError unless `resp` has one of `statuses` and (except for HEAD) a body
    {"errors":[{"code","message","detail"}, ...]} whose first code is one of `codes`."""
    statuses = {statuses} if isinstance(statuses, int) else set(statuses)
    codes = {codes} if isinstance(codes, str) else set(codes)
    want = f"status {sorted(statuses)} with error code {sorted(codes)}"
    if resp.status not in statuses:
        raise AssertionError(f"expected {want}, got:\n{resp}")
    if resp.method == "HEAD":
        return
    if PEER and (resp.header("Content-Type") or "").startswith("text/plain"):
        return  # docker-registry's router answers what it cannot route (404, 405) in plain text
    try:
        doc = json.loads(resp.body)
    except ValueError:
        raise AssertionError(f"expected {want} in a JSON error body, got:\n{resp}") from None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errors, list) or not errors:
        raise AssertionError(f"expected a non-empty \"errors\" list ({want}), got:\n{resp}")
    for e in errors:
        if not isinstance(e, dict) or not isinstance(e.get("code"), str) or not re.fullmatch(r"[A-Z_]+", e["code"]):
            raise AssertionError(f"each error needs a \"code\" of uppercase letters and underscores:\n{resp}")
        if "message" in e and not isinstance(e["message"], str):
            raise AssertionError(f"an error's \"message\" must be a string:\n{resp}")
        if not PEER and not ("message" in e and "detail" in e):
            raise AssertionError(f"regmirror errors carry \"code\", \"message\" and \"detail\":\n{resp}")
    if errors[0]["code"] not in codes:
        raise AssertionError(f"expected {want}, got code {errors[0]['code']!r}:\n{resp}")
    if not PEER:
        ctype = resp.header("Content-Type") or ""
        if not ctype.startswith("application/json"):
            raise AssertionError(f"an error body should be served as application/json:\n{resp}")


# ---------------------------------------------------------------------------------------------
# Test case base


class RegistryTestCase(unittest.TestCase):
    """Starts one registry for the class; tests use their own repository names."""

    server = None
    server_kwargs = {}
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.crashes = []
        cls.server = Server(**cls.server_kwargs)
        try:
            cls.server.start()
            if hasattr(cls, "seed_content"):
                # content the whole class reads, pushed with the same helpers the tests use
                cls("seed_content").seed_content()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.server.running():
                cls.server.stop()
        finally:
            cls.server.cleanup()
        if cls.crashes:
            raise AssertionError("the registry died during: " + ", ".join(cls.crashes))

    def setUp(self):
        # a registry that died in an earlier test is restarted on the same storage, so one crash
        # is reported where it happened instead of failing every later test
        srv = type(self).server
        if srv is not None and srv.proc is not None and not srv.running():
            srv.start()

    def tearDown(self):
        srv = type(self).server
        if srv is not None and srv.proc is not None and not srv.running():
            type(self).crashes.append(self.id().rsplit(".", 1)[-1])
            self.fail(f"the registry died during this test (exit code {srv.proc.returncode})\n{srv.log_tail(25)}")

    # ---- HTTP

    def req(self, method, target, body=None, headers=None, **kw):
        return request(self.server, method, target, body, headers, **kw)

    def get(self, target, headers=None, **kw):
        return self.req("GET", target, None, headers, **kw)

    def head(self, target, headers=None, **kw):
        return self.req("HEAD", target, None, headers, **kw)

    def delete(self, target, headers=None, **kw):
        return self.req("DELETE", target, None, headers, **kw)

    def post(self, target, body=None, headers=None, **kw):
        return self.req("POST", target, body, headers, **kw)

    def put(self, target, body=None, headers=None, **kw):
        return self.req("PUT", target, body, headers, **kw)

    def patch(self, target, body=None, headers=None, **kw):
        return self.req("PATCH", target, body, headers, **kw)

    # ---- assertions

    def assertStatus(self, resp, *statuses, msg=""):
        if resp.status not in statuses:
            self.fail(f"{msg + ': ' if msg else ''}expected status {' or '.join(map(str, statuses))}, got:\n{resp}")

    def assert2xx(self, resp, msg=""):
        if not 200 <= resp.status < 300:
            self.fail(f"{msg + ': ' if msg else ''}expected a 2xx status, got:\n{resp}")

    def assertHeader(self, resp, name, expected, msg=""):
        got = resp.header(name)
        if got != expected:
            self.fail(f"{msg + ': ' if msg else ''}expected header {name}: {expected!r}, got {got!r}:\n{resp}")

    def assertError(self, resp, statuses, codes):
        check_error(resp, statuses, codes)

    def assertAlive(self):
        resp = self.get("/v2/")
        self.assertStatus(resp, 200, msg="the registry must still answer GET /v2/")

    def assertBlob(self, repo, digest, data):
        resp = self.get(f"/v2/{repo}/blobs/{digest}")
        self.assertStatus(resp, 200, msg=f"blob {digest} in {repo}")
        self.assertEqual(resp.body, data, f"blob {digest} bytes differ:\n{resp}")

    def assertNoBlob(self, repo, digest):
        for method in ("HEAD", "GET"):
            resp = self.req(method, f"/v2/{repo}/blobs/{digest}")
            self.assertError(resp, 404, {"BLOB_UNKNOWN", "NAME_UNKNOWN"})

    def assertNoManifest(self, repo, ref):
        resp = self.get(f"/v2/{repo}/manifests/{ref}", {"Accept": ACCEPT_ALL})
        self.assertError(resp, 404, {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"})

    # ---- push helpers

    def start_upload(self, repo, headers=None):
        resp = self.post(f"/v2/{repo}/blobs/uploads/", headers=headers)
        self.assertStatus(resp, 202, msg="POST /blobs/uploads/ starts a session")
        location(resp)
        return resp

    def upload_blob(self, repo, data):
        """POST then PUT ?digest=; returns the digest."""
        digest = sha256(data)
        post = self.start_upload(repo)
        resp = self.put(add_query(location(post), digest=digest), data,
                        {"Content-Type": "application/octet-stream"})
        self.assertStatus(resp, 201, msg="PUT <location>?digest= completes the upload")
        return digest

    def put_manifest(self, repo, ref, body, media_type=OCI_MANIFEST):
        return self.put(f"/v2/{repo}/manifests/{ref}", body, {"Content-Type": media_type})

    def push_manifest(self, repo, ref, body, media_type=OCI_MANIFEST):
        resp = self.put_manifest(repo, ref, body, media_type)
        self.assertStatus(resp, 201, msg="manifest PUT")
        return sha256(body)

    def push_image(self, repo, tag=None, n_layers=1, media_type=OCI_MANIFEST, layer_size=64, annotations=None):
        """Config, layers and a manifest (pushed by tag, or by digest without one)."""
        docker = media_type == DOCKER_MANIFEST
        config = image_config()
        config_desc = descriptor(DOCKER_CONFIG if docker else OCI_CONFIG, config)
        self.upload_blob(repo, config)
        layers, layer_descs = [], []
        for _ in range(n_layers):
            data = os.urandom(layer_size)
            self.upload_blob(repo, data)
            layers.append(data)
            layer_descs.append(descriptor(DOCKER_LAYER if docker else OCI_LAYER_GZIP, data))
        body = image_manifest(config_desc, layer_descs, media_type=media_type, annotations=annotations)
        digest = sha256(body)
        self.push_manifest(repo, tag or digest, body, media_type)
        return Image(repo, tag, config, layers, body, digest, media_type)


class Image:
    def __init__(self, repo, tag, config, layers, manifest, digest, media_type):
        self.repo, self.tag, self.config, self.layers = repo, tag, config, layers
        self.manifest, self.digest, self.media_type = manifest, digest, media_type

    @property
    def blobs(self):
        return [self.config] + self.layers

    def desc(self, **extra):
        return descriptor(self.media_type, self.manifest, **extra)
