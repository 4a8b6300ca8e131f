"""Request limits (docs/config.md, "Limits"): the request rate per client address and the uploads
received at once, per client and in total. Over a limit: 429 TOOMANYREQUESTS with Retry-After,
the server stays up, and nothing of a refused upload is stored.

Clients are told apart by address: every address in 127.0.0.0/8 reaches the server's 127.0.0.1,
so each test connects from an address of its own."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (PEER, MiB, RawConnection, RegistryTestCase, add_query, location, raw_request_head,
                     regmirror_binary, request, sha256, unique_repo)

NOT_PEER = "docker-registry 2.8 has no request rate or upload concurrency limits"


class Client(RawConnection):
    """A connection from a loopback address of the test's choosing."""

    def __init__(self, server, address, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout,
                                             source_address=(address, 0))

    def exchange(self, method, target, headers=None, body=b""):
        headers = dict(headers or {})
        if body or method in ("POST", "PUT", "PATCH"):
            headers.setdefault("Content-Length", str(len(body)))
        self.send(raw_request_head(method, target, headers) + body)
        return self.read_head() if method == "HEAD" else self.read_response()

    def read_head(self):
        """(status, headers, b"") of the answer to a HEAD, which has no body."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return (None, {}, buf)
            buf += chunk
        lines = buf.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        return (int(lines[0].split()[1]), headers, b"")


def error_code(body):
    return json.loads(body)["errors"][0]["code"]


class LimitedServer(RegistryTestCase):
    """A registry started with the class's `config` YAML."""

    config = ""

    @classmethod
    def setUpClass(cls):
        workdir = tempfile.mkdtemp(prefix="regmirror-api-")
        path = os.path.join(workdir, "limits.yml")
        with open(path, "w") as f:
            f.write(cls.config)
        cls.server_kwargs = {"workdir": workdir, "extra_args": ["--config", path]}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.server.workdir, ignore_errors=True)

    def assertTooManyRequests(self, status, headers, body, *, has_body=True):
        self.assertEqual(status, 429, body)
        self.assertRegex(headers.get("retry-after", ""), r"^[1-9][0-9]*$", headers)
        self.assertEqual(headers.get("docker-distribution-api-version"), "registry/2.0")
        if has_body:
            self.assertEqual(error_code(body), "TOOMANYREQUESTS", body)
        return int(headers["retry-after"])


@unittest.skipIf(PEER, NOT_PEER)
class RequestRate(LimitedServer):
    config = "limits:\n  rate:\n    requests_per_second: 1\n    burst: 5\n"

    def test_a_burst_over_the_rate_gets_429_on_a_connection_that_stays_usable(self):
        conn = Client(self.server, "127.0.0.2")
        try:
            answers = [conn.exchange("GET", "/v2/") for _ in range(12)]
            statuses = [status for status, _, _ in answers]
            self.assertEqual(statuses[:5], [200] * 5, statuses)  # the burst
            self.assertIn(429, statuses[5:], statuses)
            refused = [a for a in answers if a[0] == 429]
            for status, headers, body in refused:
                retry_after = self.assertTooManyRequests(status, headers, body)
                self.assertNotEqual(headers.get("connection"), "close", headers)
            # HEAD is refused alike, without a body
            status, headers, body = conn.exchange("HEAD", "/v2/")
            self.assertTooManyRequests(status, headers, body, has_body=False)
            # /healthz is exempt: a load balancer's probe still passes
            self.assertEqual(conn.exchange("GET", "/healthz")[0], 200)
            # after Retry-After, the same connection is served again
            time.sleep(retry_after)
            self.assertEqual(conn.exchange("GET", "/v2/")[0], 200)
        finally:
            conn.close()

    def test_each_address_has_its_own_rate(self):
        busy, other = Client(self.server, "127.0.0.3"), Client(self.server, "127.0.0.4")
        try:
            statuses = [busy.exchange("GET", "/v2/")[0] for _ in range(8)]
            self.assertEqual(statuses[-1], 429, statuses)
            self.assertEqual(other.exchange("GET", "/v2/")[0], 200)
        finally:
            busy.close()
            other.close()

    def test_a_flood_leaves_the_server_up(self):
        address = "127.0.0.5"
        repo = unique_repo("flood")
        statuses, failures = [], []

        def flood(kind):
            for _ in range(25):
                try:
                    conn = Client(self.server, address, timeout=5)
                except OSError as e:
                    failures.append(repr(e))
                    continue
                try:
                    if kind == "upload":  # refused with its body unread: the connection closes
                        conn.send(raw_request_head("POST", add_query(f"/v2/{repo}/blobs/uploads/",
                                                                     digest=sha256(b"x" * 65536)),
                                                   {"Content-Length": "65536"}) + b"x" * 65536)
                        status = conn.read_response()[0]
                    else:
                        status = conn.exchange(kind, f"/v2/{repo}/manifests/latest")[0]
                    statuses.append(status)
                except OSError:
                    statuses.append(None)
                finally:
                    conn.close()

        threads = [threading.Thread(target=flood, args=(kind,)) for kind in ("GET", "HEAD", "upload") * 4]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertIn(429, statuses)
        self.assertTrue(self.server.running())
        self.assertEqual(request(self.server, "GET", "/healthz").status, 200)
        # the flooding address is served again once its bucket refills (5 s for 5 at 1/s)
        time.sleep(5)
        conn = Client(self.server, address)
        try:
            status, _, _ = conn.exchange("GET", f"/v2/{repo}/manifests/latest")
            self.assertEqual(status, 404)  # served: no such manifest
        finally:
            conn.close()


def start_patch(server, address, target, data, sent):
    """A PATCH of `data` that sends only `sent` bytes of it after the server asked for the body
    (100 Continue): an upload being received. Returns (connection, status of the first answer)."""
    conn = Client(server, address)
    conn.send(raw_request_head("PATCH", target, {
        "Content-Type": "application/octet-stream", "Content-Length": str(len(data)),
        "Content-Range": f"0-{len(data) - 1}", "Expect": "100-continue"}))
    status, headers, body = conn.read_response()
    if status == 100:
        conn.send(data[:sent])
    return conn, status, headers, body


class UploadTestCase(LimitedServer):
    def new_upload(self, repo):
        resp = request(self.server, "POST", f"/v2/{repo}/blobs/uploads/")
        self.assertEqual(resp.status, 202, resp)
        return location(resp)

    def finish_patch(self, conn, data, sent):
        conn.send(data[sent:])
        status, headers, body = conn.read_response()
        conn.close()
        self.assertEqual(status, 202, body)

    def complete(self, target, data):
        digest = sha256(data)
        resp = request(self.server, "PUT", add_query(target, digest=digest))
        self.assertEqual(resp.status, 201, resp)
        self.assertEqual(resp.header("Docker-Content-Digest"), digest)
        return digest

    def assertBlob(self, repo, data):
        resp = request(self.server, "GET", f"/v2/{repo}/blobs/{sha256(data)}")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(sha256(resp.body), sha256(data))

    def patch_until_admitted(self, address, target, data, seconds=10):
        """What a client does with 429: wait Retry-After, send again."""
        deadline = time.monotonic() + seconds
        while True:
            conn, status, headers, body = start_patch(self.server, address, target, data, len(data))
            if status == 100:
                return conn
            conn.close()
            retry_after = self.assertTooManyRequests(status, headers, body)
            self.assertLess(time.monotonic(), deadline, "the upload slots were never given back")
            time.sleep(retry_after)


@unittest.skipIf(PEER, NOT_PEER)
class UploadsPerClient(UploadTestCase):
    config = "limits:\n  uploads:\n    per_client: 2\n    total: 0\n"

    def test_an_extra_upload_gets_429_while_the_others_complete(self):
        repo = unique_repo("uploads")
        address = "127.0.0.2"
        blobs = [os.urandom(2 * MiB) for _ in range(3)]
        targets = [self.new_upload(repo) for _ in blobs]
        held = []
        for target, data in zip(targets[:2], blobs[:2]):
            conn, status, _, body = start_patch(self.server, address, target, data, MiB)
            self.assertEqual(status, 100, body)
            held.append(conn)

        # the third PATCH from that address, and a monolithic PUT with a body, are refused
        conn, status, headers, body = start_patch(self.server, address, targets[2], blobs[2], 0)
        conn.close()
        self.assertTooManyRequests(status, headers, body)
        extra = os.urandom(1000)
        for method, target in (("PUT", add_query(targets[2], digest=sha256(extra))),
                               ("POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(extra)))):
            conn = Client(self.server, address)
            try:
                conn.send(raw_request_head(method, target, {
                    "Content-Type": "application/octet-stream", "Content-Length": str(len(extra)),
                    "Expect": "100-continue"}))
                self.assertTooManyRequests(*conn.read_response())
            finally:
                conn.close()
        self.assertEqual(request(self.server, "HEAD", f"/v2/{repo}/blobs/{sha256(extra)}").status, 404)

        # requests without a body, and uploads from another address, go on
        other = self.new_upload(repo)
        conn, status, _, body = start_patch(self.server, "127.0.0.3", other, extra, len(extra))
        self.assertEqual(status, 100, body)
        self.finish_patch(conn, extra, len(extra))
        self.complete(other, extra)

        # the two held uploads complete with the right digests
        for conn, target, data in zip(held, targets, blobs):
            self.finish_patch(conn, data, MiB)
            self.complete(target, data)
            self.assertBlob(repo, data)

        # the refused upload stored nothing: sent again in full, it completes from offset 0
        conn = self.patch_until_admitted(address, targets[2], blobs[2])
        status, _, body = conn.read_response()
        conn.close()
        self.assertEqual(status, 202, body)
        self.complete(targets[2], blobs[2])
        self.assertBlob(repo, blobs[2])

    def test_an_upload_whose_client_goes_away_gives_its_slot_back(self):
        repo = unique_repo("gone")
        address = "127.0.0.4"
        data = os.urandom(MiB)
        held = []
        for _ in range(2):
            conn, status, _, body = start_patch(self.server, address, self.new_upload(repo), data, 1000)
            self.assertEqual(status, 100, body)
            held.append(conn)
        held[0].sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        held[0].close()  # reset mid-body
        target = self.new_upload(repo)
        conn = self.patch_until_admitted(address, target, data)
        status, _, body = conn.read_response()
        conn.close()
        self.assertEqual(status, 202, body)
        self.complete(target, data)
        self.finish_patch(held[1], data, 1000)


@unittest.skipIf(PEER, NOT_PEER)
class UploadsInTotal(UploadTestCase):
    config = "limits:\n  uploads:\n    per_client: 0\n    total: 2\n"

    def test_uploads_over_the_total_get_429(self):
        repo = unique_repo("total")
        blobs = [os.urandom(MiB) for _ in range(3)]
        targets = [self.new_upload(repo) for _ in blobs]
        held = []
        for address, target, data in zip(("127.0.0.2", "127.0.0.3"), targets, blobs):
            conn, status, _, body = start_patch(self.server, address, target, data, 1000)
            self.assertEqual(status, 100, body)
            held.append(conn)
        conn, status, headers, body = start_patch(self.server, "127.0.0.4", targets[2], blobs[2], 0)
        conn.close()
        self.assertTooManyRequests(status, headers, body)
        for conn, target, data in zip(held, targets, blobs):
            self.finish_patch(conn, data, 1000)
            self.complete(target, data)
        conn = self.patch_until_admitted("127.0.0.4", targets[2], blobs[2])
        status, _, body = conn.read_response()
        conn.close()
        self.assertEqual(status, 202, body)
        self.complete(targets[2], blobs[2])
        for data in blobs:
            self.assertBlob(repo, data)


@unittest.skipIf(PEER, NOT_PEER)
class HostileLimitsConfig(unittest.TestCase):
    """A bad value stops `regmirror serve` before it listens, with a message naming the key."""

    def test_bad_values_name_the_key(self):
        keys = [("rate", "requests_per_second"), ("rate", "burst"), ("uploads", "per_client"),
                ("uploads", "total")]
        bad_values = ["-1", "-0.5", "1e12", "18446744073709551617", "lots", "[4]", "{a: 1}", ".nan", "true"]
        with tempfile.TemporaryDirectory(prefix="regmirror-api-") as workdir:
            path = os.path.join(workdir, "limits.yml")
            for section, key in keys:
                for value in bad_values:
                    with self.subTest(key=f"{section}.{key}", value=value):
                        with open(path, "w") as f:
                            f.write(f"limits:\n  {section}:\n    {key}: {value}\n")
                        run = subprocess.run(
                            [regmirror_binary(), "serve", "--config", path, "--listen", "127.0.0.1:0",
                             "--storage", os.path.join(workdir, "storage")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
                        self.assertNotEqual(run.returncode, 0, run.stderr)
                        self.assertRegex(run.stderr, re.escape(f"limits.{section}.{key} must be a"))


if __name__ == "__main__":
    unittest.main()
