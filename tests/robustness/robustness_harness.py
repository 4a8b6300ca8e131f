"""Helpers for the robustness tests: start and stop regmirror, talk HTTP to it, push content.

Python 3 standard library only. Independent of tests/api/harness.py on purpose: these tests
kill servers, restart them on the same storage and watch their memory, which the API harness
does not need.

The binary is REGMIRROR_BIN, else build/src/cli/regmirror under the repository root. Each
server listens on a free 127.0.0.1 port and logs (stdout and stderr) to a file in its working
directory, numbered per start, so that a failing test can quote what the server said.
"""

import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.parse

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MiB = 1024 * 1024

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"


def regmirror_binary():
    path = os.environ.get("REGMIRROR_BIN") or os.path.join(REPO_ROOT, "build", "src", "cli", "regmirror")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(f"regmirror binary not found or not executable: {path} (set REGMIRROR_BIN)")
    return path


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def content(seed, size):
    """Deterministic pseudo-random bytes: the same (seed, size) always gives the same blob."""
    return random.Random(seed).randbytes(size)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError as e:
        return f"<no log: {e}>"
    return "\n".join(text.splitlines()[-lines:])


class ServerError(AssertionError):
    pass


class RequestFailed(Exception):
    """A request that got no HTTP response. `sent` tells whether the whole request (headers and
    body) had been handed to the kernel before the failure: when False, the server cannot have
    received all of it."""

    def __init__(self, method, path, cause, sent):
        super().__init__(f"{method} {path}: {'no response' if sent else 'send failed'}: {cause!r}")
        self.cause = cause
        self.sent = sent


class Server:
    """One regmirror process. `storage` is kept across start()/stop() so a test can restart on
    the same data; a new free port is taken at each start."""

    def __init__(self, workdir, storage=None, config_text=None, log_level="warn"):
        self.workdir = workdir
        self.storage = storage or os.path.join(workdir, "storage")
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(workdir, "config.yaml")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.log_level = log_level
        self.proc = None
        self.port = None
        self.starts = 0
        self.log_path = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, ready_timeout=15.0):
        assert self.proc is None, "server already running"
        self.starts += 1
        self.port = free_port()
        self.log_path = os.path.join(self.workdir, f"server-{self.starts}.log")
        args = [regmirror_binary(), "serve", "--listen", f"127.0.0.1:{self.port}",
                "--storage", self.storage, "--log-level", self.log_level]
        if self.config_path:
            args += ["--config", self.config_path]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self._reap()
                raise ServerError(f"regmirror exited with {rc} before it was ready; log:\n{tail(self.log_path)}")
            try:
                status, _, _ = self.client(timeout=2).request("GET", "/healthz")
                if status == 200:
                    return self
            except RequestFailed:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(f"regmirror not ready within {ready_timeout}s; log:\n{tail(self.log_path)}")
            time.sleep(0.02)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def state(self):
        """"running", or how the process ended (for failure messages)."""
        if self.proc is None:
            return "stopped"
        rc = self.proc.poll()
        if rc is None:
            return "running"
        name = f" ({signal.Signals(-rc).name})" if rc < 0 else ""
        return f"exited by itself with status {rc}{name}"

    def kill(self):
        """SIGKILL and reap; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        rc = self.proc.wait()
        self._reap()
        return rc

    def terminate(self, timeout=30.0):
        """SIGTERM; returns (exit status, seconds it took). Kills after `timeout`, status None."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        took = time.monotonic() - started
        self._reap()
        return rc, took

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Waits for the process to end by itself; returns its status or None on timeout."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reap()
        return rc

    def _reap(self):
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def log_tail(self, lines=40):
        return tail(self.log_path, lines) if self.log_path else "<no log>"

    def client(self, timeout=30.0):
        return Client(self.port, timeout)

    # -- /proc -------------------------------------------------------------------------------

    def proc_status(self, field):
        """A kB value from /proc/PID/status (VmHWM, VmRSS), in bytes."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise KeyError(field)


class ServerCase(unittest.TestCase):
    """A test with its own temporary directory and servers, killed and removed afterwards
    (KEEP_WORKDIR=1 keeps the directory)."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix=f"regmirror-{self._testMethodName}-")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.kill()
        if not os.environ.get("KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def new_server(self, **kw):
        server = Server(self.workdir, **kw)
        self.servers.append(server)
        return server

    def call(self, server, fn, *args, **kw):
        """fn(*args) -> (status, headers, body); no answer fails the test with the server's state
        and log."""
        try:
            return fn(*args, **kw)
        except RequestFailed as e:
            failure = e
        time.sleep(0.1)  # let a dying server finish dying, for an accurate state
        self.fail(f"{failure}\nserver: {server.state()}\nserver log (tail):\n{server.log_tail(15)}")

    def expect(self, server, what, response, status, **headers):
        """Asserts the status (and given headers) of a response, quoting it and the log if not."""
        got, h, body = response
        bad = got != status or any(h.get(k.replace("_", "-")) != v for k, v in headers.items())
        if bad:
            time.sleep(0.1)
            self.fail(f"{what}: expected {status} {headers or ''}, got: {describe('', '', got, h, body)}\n"
                      f"server: {server.state()}\nserver log (tail):\n{server.log_tail(15)}")
        return h, body


class Client:
    """HTTP/1.1 to one server: one fresh connection per request (robust against kills)."""

    def __init__(self, port, timeout=30.0):
        self.port = port
        self.timeout = timeout

    def connection(self, timeout=None):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=self.timeout if timeout is None else timeout)

    def request(self, method, path, body=None, headers=None):
        """-> (status, headers with lower-case names, body bytes); RequestFailed when no
        response came."""
        conn = self.connection()
        try:
            try:
                conn.request(method, path, body=body, headers=headers or {})
            except (OSError, http.client.HTTPException) as e:
                raise RequestFailed(method, path, e, sent=False) from e
            try:
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as e:
                raise RequestFailed(method, path, e, sent=True) from e
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    # -- registry operations: each returns (status, headers, body) ----------------------------

    def post_upload(self, repo, digest=None, data=None):
        path = f"/v2/{repo}/blobs/uploads/"
        headers = {}
        if digest is not None:
            path += "?digest=" + urllib.parse.quote(digest, safe="")
            headers = {"Content-Type": "application/octet-stream"}
        return self.request("POST", path, body=data if data is not None else b"", headers=headers)

    def patch(self, location, chunk, offset):
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Range": f"{offset}-{offset + len(chunk) - 1}"}
        return self.request("PATCH", location, body=chunk, headers=headers)

    def put_upload(self, location, digest, data=b"", headers=None):
        sep = "&" if "?" in location else "?"
        path = location + sep + "digest=" + urllib.parse.quote(digest, safe="")
        return self.request("PUT", path, body=data,
                            headers={"Content-Type": "application/octet-stream", **(headers or {})})

    def upload_status(self, location):
        return self.request("GET", location)

    def put_manifest(self, repo, reference, data, media_type=OCI_MANIFEST):
        return self.request("PUT", f"/v2/{repo}/manifests/{reference}", body=data,
                            headers={"Content-Type": media_type})

    def get_manifest(self, repo, reference, media_type=OCI_MANIFEST):
        return self.request("GET", f"/v2/{repo}/manifests/{reference}", headers={"Accept": media_type})

    def get_blob(self, repo, digest):
        return self.request("GET", f"/v2/{repo}/blobs/{digest}")

    def head_blob(self, repo, digest):
        return self.request("HEAD", f"/v2/{repo}/blobs/{digest}")


def location_path(headers):
    """The Location header as a path (absolute URLs are reduced to their path and query)."""
    location = headers.get("location")
    if not location:
        return None
    parsed = urllib.parse.urlsplit(location)
    return parsed.path + (("?" + parsed.query) if parsed.query else "")


def upload_offset(headers):
    """The next byte an upload expects, from its Range header ("0-N" -> N + 1). None if absent
    or malformed. "0-0" is ambiguous (distribution and regmirror send it for an empty upload as
    well as for one byte): it is read as 0, see upload_offsets."""
    offsets = upload_offsets(headers)
    return offsets[0] if offsets else None


def upload_offsets(headers):
    """The possible next offsets for a Range header: [N + 1] for "0-N", [0, 1] for "0-0"."""
    value = headers.get("range") or ""
    start, dash, end = value.partition("-")
    if not (dash and start == "0" and end.isdigit()):
        return []
    return [0, 1] if end == "0" else [int(end) + 1]


def error_codes(body):
    try:
        return [e.get("code") for e in json.loads(body).get("errors", [])]
    except (ValueError, AttributeError):
        return []


def describe(method, path, status, headers=None, body=b""):
    """One line for a failure message: the request and what came back."""
    shown = body[:300].decode(errors="replace") if isinstance(body, (bytes, bytearray)) else str(body)
    interesting = {k: v for k, v in (headers or {}).items()
                   if k in ("location", "range", "content-length", "docker-content-digest", "docker-upload-uuid")}
    return f"{method} {path} -> {status} {interesting} {shown!r}"


def image_config(seed):
    return json.dumps({"architecture": "amd64", "os": "linux", "seed": seed,
                       "rootfs": {"type": "layers", "diff_ids": []}}, sort_keys=True).encode()


def image_manifest(config, layers):
    """config and layers are (digest, size) pairs."""
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config[0], "size": config[1]},
        "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": s} for d, s in layers],
    }, indent=2).encode()


# -- SQLite, with the server down -----------------------------------------------------------


def open_db_readonly(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)


def sqlite_checks(path):
    """(integrity_check rows, foreign_key_check rows) of the metadata database, read-only."""
    db = open_db_readonly(path)
    try:
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
        foreign = db.execute("PRAGMA foreign_key_check").fetchall()
        return integrity, foreign
    finally:
        db.close()
