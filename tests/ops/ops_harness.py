"""A regmirror serve started the way systemd starts it: with --config only (no flags over the
file), on a free 127.0.0.1 port, storage and log in a temporary directory; and a fake
service manager that receives its sd_notify datagrams.

Python 3 standard library only. The server is stopped with SIGTERM and must exit 0.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def regmirror_binary():
    here = os.path.dirname(os.path.abspath(__file__))
    # Absolute: the server runs in its own directory.
    path = os.path.abspath(os.environ.get("REGMIRROR_BIN")
                           or os.path.join(here, "..", "..", "build", "src", "cli", "regmirror"))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(f"regmirror binary not found or not executable: {path} (set REGMIRROR_BIN)")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`regmirror serve --config FILE`; `config` is YAML text without listen and storage.root,
    which are added (write_config rewrites the file the same way). `binary`: REGMIRROR_BIN's
    by default."""

    def __init__(self, config="", env=None, binary=None):
        self.binary = binary or regmirror_binary()
        self.workdir = tempfile.mkdtemp(prefix="regmirror-ops-")
        self.config_path = os.path.join(self.workdir, "config.yaml")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.port = free_port()
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.write_config(config)

    def write_config(self, config, listen=None, storage=None):
        listen = listen or f"127.0.0.1:{self.port}"
        storage = storage or os.path.join(self.workdir, "storage")
        with open(self.config_path, "w") as f:
            f.write(f'listen: "{listen}"\nstorage:\n  root: {storage}\n{config}')

    def start(self, wait=True):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config_path],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, env=self.env, start_new_session=True)
        if wait:
            deadline = time.monotonic() + 30
            while self.get("/healthz") != 200:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server not ready (exit code {self.proc.poll()})\n{self.log()}")
                time.sleep(0.05)
        return self

    def get(self, path):
        """The status of GET path, or None when nothing answers."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            return None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_log(self, text, after=0, timeout=10):
        """The log from offset `after` once it holds `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tail = self.log()[after:]
            if text in tail:
                return tail
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged within {timeout}s\n{self.log()[after:]}")

    def stop(self):
        self.signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"server did not exit after SIGTERM\n{self.log()}")
        if rc != 0:
            raise AssertionError(f"server exited with {rc} after SIGTERM\n{self.log()}")

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


class FakeManager:
    """A unix datagram socket playing systemd's notify socket: a path, or an abstract name
    (NOTIFY_SOCKET "@name") when `abstract`."""

    def __init__(self, directory, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"regmirror-ops-test-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(directory, "notify")
            self.sock.bind(self.address)

    def receive(self, timeout=15):
        """The next datagram as text, or None after `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except socket.timeout:
            return None

    def close(self):
        self.sock.close()
