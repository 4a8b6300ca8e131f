"""Helpers for the TLS tests: a regmirror serving HTTPS with certificates from the test CA
(tests/fixtures/test_ca.py), and clients built on Python's ssl and http.client.

Python 3 standard library only. Each server listens on a free 127.0.0.1 port, keeps its
storage and log in a temporary directory, runs with --log-level debug (the handshake
failures and client-certificate users are logged there) and is stopped with SIGTERM,
expecting exit status 0.
"""

import hashlib
import http.client
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "fixtures"))

import test_ca  # noqa: E402  (the path above)

MiB = 1024 * 1024


def regmirror_binary():
    path = os.environ.get("REGMIRROR_BIN") or os.path.join(REPO_ROOT, "build", "src", "cli", "regmirror")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(f"regmirror binary not found or not executable: {path} (set REGMIRROR_BIN)")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def client_context(ca_file, *, version=None, cert=None, alpn=None):
    """A verifying client context trusting `ca_file`; `version` pins one TLS version."""
    context = ssl.create_default_context(cafile=ca_file)
    if version is not None:
        context.minimum_version = version
        context.maximum_version = version
    if cert is not None:
        context.load_cert_chain(*cert)
    if alpn is not None:
        context.set_alpn_protocols(alpn)
    return context


class TlsServer:
    """One `regmirror serve` with TLS. `args` are added to the command line; `config` (YAML
    text) is written to a file given with --config."""

    def __init__(self, workdir, args, config=None):
        self.workdir = workdir
        self.args = list(args)
        self.config = config
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, "server.log")

    def command(self):
        command = [regmirror_binary(), "serve", "--listen", f"127.0.0.1:{self.port}", "--storage",
                   os.path.join(self.workdir, "storage"), "--log-level", "debug", *self.args]
        if self.config is not None:
            path = os.path.join(self.workdir, "config.yaml")
            with open(path, "w") as f:
                f.write(self.config)
            command += ["--config", path]
        return command

    def start(self, ca_file, client_cert=None, ready_timeout=15.0):
        """Ready when GET /healthz answers 200 over TLS, trusting `ca_file` and presenting
        `client_cert` ((cert, key)) if the server asks for one."""
        self.port = free_port()
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        context = client_context(ca_file, cert=client_cert)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"regmirror exited with {self.proc.returncode}; log:\n{self.log()}")
            try:
                status, _ = self.get(context, "/healthz")
                if status == 200:
                    return self
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"regmirror not ready within {ready_timeout}s; log:\n{self.log()}")
            time.sleep(0.05)

    def connection(self, context, timeout=30):
        """An HTTPS connection to the server (its certificate checked for 127.0.0.1)."""
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=timeout)

    def tls_socket(self, context, server_name="127.0.0.1", timeout=30):
        """A TLS socket to the server, its certificate checked for `server_name` (sent as SNI
        unless it is an address)."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            return context.wrap_socket(raw, server_hostname=server_name)
        except BaseException:
            raw.close()
            raise

    def get(self, context, path):
        connection = self.connection(context)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def push_blob(self, context, repo, data):
        """A monolithic upload (POST ?digest=) over HTTPS; returns the digest."""
        digest = sha256(data)
        connection = self.connection(context)
        try:
            connection.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", body=data,
                               headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 201:
                raise AssertionError(f"blob upload: {response.status} {body[:300]!r}")
        finally:
            connection.close()
        return digest

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_log(self, text, timeout=10.0, after=0):
        """Waits until `text` appears in the log past offset `after`; returns the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            if text in log[after:]:
                return log
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in the server's log within {timeout}s:\n{log[after:][-3000:]}")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM; the server must exit 0 within 15 s."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError(f"regmirror did not stop within 15s of SIGTERM; log:\n{self.log()[-3000:]}")
        self._log.close()
        if proc.returncode != 0:
            raise AssertionError(f"regmirror exited with {proc.returncode}; log:\n{self.log()[-3000:]}")


class TlsTestCase(unittest.TestCase):
    """Makes the test CA's standard set once per class (in self.certs) and a work directory
    per test; servers started with self.serve() are stopped at the end of the test."""

    @classmethod
    def setUpClass(cls):
        cls.certs_dir = tempfile.mkdtemp(prefix="regmirror-tls-ca-")
        cls.ca = test_ca.make_standard_set(cls.certs_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs_dir, ignore_errors=True)

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-tls-")
        self.servers = []

    def tearDown(self):
        try:
            for server in self.servers:
                server.stop()
        finally:
            if os.environ.get("KEEP_WORKDIR") != "1":
                shutil.rmtree(self.workdir, ignore_errors=True)

    def cert(self, name):
        return self.ca.path(name + ".crt"), self.ca.path(name + ".key")

    def context(self, **kwargs):
        return client_context(self.ca.cert, **kwargs)

    def serve(self, cert="server", extra=(), config=None):
        """A server with the certificate `cert` of the standard set."""
        crt, key = self.cert(cert)
        server = TlsServer(self.workdir, ["--tls-cert", crt, "--tls-key", key, *extra], config)
        self.servers.append(server)
        return server.start(self.ca.cert, client_cert=self.cert("client"))


def content(seed, size):
    """Deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(size)
