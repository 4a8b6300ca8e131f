"""Nothing blocks a connection's thread: slow registry work runs on the blocking pool.

The server runs with a single I/O thread (`http.threads: 1`), so anything that blocks that
thread stalls every connection. A 1 GiB upload is received, the server is killed (SIGKILL)
and started again: the upload's running hash is gone, and the next PATCH makes the server
hash the whole 1 GiB again (about a second of CPU) before it appends. Meanwhile another
client asks `GET /v2/` on a keep-alive connection every 10 ms: no answer may take longer
than BOUND_S. Then the upload completes with the right digest.
"""

import hashlib
import http.client
import os
import threading
import time
import unittest

import robustness_harness as rh

CONFIG = "http:\n  threads: 1\n"
UPLOAD_MIB = int(os.environ.get("RESPONSIVE_UPLOAD_MIB", "1024"))
# Far below what hashing 1 GiB takes on one core (≥ 0.6 s), far above a loopback round trip.
BOUND_S = 0.2


def stream(piece, count):
    for _ in range(count):
        yield piece


class Poller(threading.Thread):
    """GET /v2/ every 10 ms on one keep-alive connection; keeps the slowest answer."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.slowest = 0.0
        self.answers = 0
        self.failure = None

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                conn.request("GET", "/v2/")
                response = conn.getresponse()
                response.read()
                took = time.monotonic() - started
                if response.status != 200:
                    self.failure = f"GET /v2/ answered {response.status}"
                    return
                self.slowest = max(self.slowest, took)
                self.answers += 1
                time.sleep(0.01)
        except (OSError, http.client.HTTPException) as e:
            self.failure = f"GET /v2/ failed: {e!r}"
        finally:
            conn.close()


class ResponsiveTest(rh.ServerCase):
    def test_resumed_upload_rehash_does_not_stall_other_connections(self):
        server = self.new_server(config_text=CONFIG).start()
        c = server.client(timeout=300)
        repo = "responsive/big"
        piece = rh.content("responsive", rh.MiB)
        hasher = hashlib.sha256()
        for _ in range(UPLOAD_MIB + 1):
            hasher.update(piece)
        digest = "sha256:" + hasher.hexdigest()
        size = UPLOAD_MIB * rh.MiB

        h, _ = self.expect(server, "POST", self.call(server, c.post_upload, repo), 202)
        location = rh.location_path(h)
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size),
                   "Content-Range": f"0-{size - 1}"}
        h, _ = self.expect(server, f"PATCH {UPLOAD_MIB} MiB",
                           self.call(server, c.request, "PATCH", location,
                                     stream(piece, UPLOAD_MIB), headers),
                           202, range=f"0-{size - 1}")
        location = rh.location_path(h) or location

        server.kill()  # the running hash dies with the process
        server.start()
        c = server.client(timeout=300)
        poller = Poller(server.port)
        poller.start()
        time.sleep(0.1)
        started = time.monotonic()
        h, _ = self.expect(server, "PATCH the last MiB after the restart",
                           self.call(server, c.patch, location, piece, size), 202,
                           range=f"0-{size + rh.MiB - 1}")
        resumed_in = time.monotonic() - started
        poller.stop.set()
        poller.join(timeout=35)

        self.assertIsNone(poller.failure, poller.failure)
        self.assertGreater(poller.answers, 0, "no GET /v2/ answered while the upload resumed")
        self.assertLess(poller.slowest, BOUND_S,
                        f"GET /v2/ took {poller.slowest * 1000:.0f} ms while a {UPLOAD_MIB} MiB "
                        f"upload resumed ({resumed_in:.2f} s, {poller.answers} answers): "
                        f"something blocked the I/O thread")
        location = rh.location_path(h) or location
        self.expect(server, "PUT ?digest=", self.call(server, c.put_upload, location, digest), 201,
                    docker_content_digest=digest)


if __name__ == "__main__":
    unittest.main()
