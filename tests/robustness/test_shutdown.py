"""Graceful shutdown on SIGTERM.

- A request in flight finishes: a client sending a PATCH body slowly over 2 s, SIGTERM arriving
  0.4 s in, still gets its 202 with the full Range; the server then exits 0, and after a restart
  the upload holds every byte. The same with a monolithic POST ?digest= (201), so that the
  shutdown path is judged apart from PATCH.
- Idle keep-alive connections (after a request, and before any) do not hold shutdown up: the
  server exits 0 within 2 s.
- Once SIGTERM is in, a new connection is refused while the in-flight request is still running.
"""

import http.client
import signal
import socket
import sys
import time
import unittest

import robustness_harness as rh

PIECES = 10
PIECE_SIZE = 20 * 1024
SLOW_SECONDS = 2.0
SIGTERM_AFTER_PIECES = 2
EXIT_AFTER_IDLE = 2.0


def connect(port, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_response(sock):
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


class ShutdownTest(rh.ServerCase):
    def slow_request(self, server, method, path, body, headers, during=None):
        """Sends `body` in PIECES pieces over SLOW_SECONDS, SIGTERM after SIGTERM_AFTER_PIECES;
        `during(server)` runs once, half way through. Returns (status, headers, body)."""
        sock = connect(server.port)
        try:
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            head += f"Content-Length: {len(body)}\r\n\r\n"
            sock.sendall(head.encode())
            size = len(body) // PIECES
            failure = None
            for i in range(PIECES):
                piece = body[i * size:] if i == PIECES - 1 else body[i * size:(i + 1) * size]
                try:
                    sock.sendall(piece)
                except OSError as e:
                    failure = f"{method} body piece {i + 1}/{PIECES} after SIGTERM: {e!r}"
                    break
                if i + 1 == SIGTERM_AFTER_PIECES:
                    server.send_signal(signal.SIGTERM)
                if i + 1 == PIECES // 2 and during:
                    during(server)
                if i + 1 < PIECES:
                    time.sleep(SLOW_SECONDS / PIECES)
            if failure is None:
                try:
                    return read_response(sock)
                except (OSError, http.client.HTTPException) as e:
                    failure = f"{method} {path}: no response after the slow body (SIGTERM came during it): {e!r}"
        finally:
            sock.close()
        time.sleep(0.1)
        self.fail(f"{failure}\nserver: {server.state()}\n{server.log_tail(15)}")

    def assert_exits_zero(self, server, within, what):
        started = time.monotonic()
        rc = server.wait(within)
        if rc is None:
            state = server.state()
            server.kill()
            self.fail(f"{what}: the server still runs {within}s later ({state})\n{server.log_tail(15)}")
        self.assertEqual(rc, 0, f"{what}: exit status {rc}\n{server.log_tail(15)}")
        return time.monotonic() - started

    def test_slow_patch_completes_during_shutdown(self):
        server = self.new_server().start()
        c = server.client()
        repo = "shutdown/patch"
        body = rh.content("slow-patch", PIECES * PIECE_SIZE)
        h, _ = self.expect(server, "POST", self.call(server, c.post_upload, repo), 202)
        location = rh.location_path(h)
        status, h, rbody = self.slow_request(
            server, "PATCH", location, body,
            {"Content-Type": "application/octet-stream", "Content-Range": f"0-{len(body) - 1}"})
        self.assertEqual((status, h.get("range")), (202, f"0-{len(body) - 1}"),
                         f"slow PATCH during shutdown: {rh.describe('PATCH', location, status, h, rbody)}")
        self.assert_exits_zero(server, 5, "after the in-flight PATCH completed")
        location = rh.location_path(h) or location

        server.start()
        c = server.client()
        self.expect(server, "upload status after restart", self.call(server, c.upload_status, location),
                    204, range=f"0-{len(body) - 1}")
        self.expect(server, "PUT ?digest=", self.call(server, c.put_upload, location, rh.sha256(body)),
                    201, docker_content_digest=rh.sha256(body))

    def test_slow_monolithic_upload_completes_during_shutdown(self):
        server = self.new_server().start()
        repo = "shutdown/monolithic"
        body = rh.content("slow-post", PIECES * PIECE_SIZE)
        digest = rh.sha256(body)
        status, h, rbody = self.slow_request(
            server, "POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", body,
            {"Content-Type": "application/octet-stream"})
        self.assertEqual((status, h.get("docker-content-digest")), (201, digest),
                         f"slow POST ?digest= during shutdown: {rh.describe('POST', repo, status, h, rbody)}")
        self.assert_exits_zero(server, 5, "after the in-flight POST completed")

        server.start()
        _, got = self.expect(server, "GET the blob after restart",
                             self.call(server, server.client().get_blob, repo, digest), 200)
        self.assertEqual(rh.sha256(got), digest)

    def test_new_connection_refused_after_sigterm(self):
        server = self.new_server().start()
        body = rh.content("slow-refused", PIECES * PIECE_SIZE)
        digest = rh.sha256(body)
        outcome = {}

        def try_connect(server):
            outcome["running"] = server.running()
            try:
                s = connect(server.port, timeout=2)
            except ConnectionRefusedError:
                outcome["refused"] = True
                return
            except OSError as e:
                outcome["error"] = repr(e)
                return
            # Accepted: see whether it is served.
            try:
                s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
                status, _, _ = read_response(s)
                outcome["served"] = status
            except (OSError, http.client.HTTPException) as e:
                outcome["accepted_then"] = repr(e)
            finally:
                s.close()

        status, h, rbody = self.slow_request(
            server, "POST", f"/v2/shutdown/refused/blobs/uploads/?digest={digest}", body,
            {"Content-Type": "application/octet-stream"}, during=try_connect)
        self.assertTrue(outcome.get("running"), "the server had already exited when the new connection was tried")
        self.assertTrue(outcome.get("refused"),
                        f"a connection {SLOW_SECONDS * (PIECES // 2 - SIGTERM_AFTER_PIECES) / PIECES:.1f}s after "
                        f"SIGTERM was not refused: {outcome}")
        self.assertEqual(status, 201, rh.describe("POST", "slow", status, h, rbody))
        self.assert_exits_zero(server, 5, "after the in-flight POST completed")

    def test_idle_keepalive_connections_do_not_delay_shutdown(self):
        server = self.new_server().start()
        idle = []
        for _ in range(3):  # each has had one request answered and stays open
            s = connect(server.port)
            s.sendall(f"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            response = http.client.HTTPResponse(s)
            response.begin()
            response.read()
            self.assertEqual(response.status, 200)
            self.assertFalse(response.will_close, "the server did not keep the connection alive")
            idle.append(s)
            self.addCleanup(s.close)
        idle.append(connect(server.port))  # connected, no request yet
        self.addCleanup(idle[-1].close)
        time.sleep(0.2)

        server.send_signal(signal.SIGTERM)
        took = self.assert_exits_zero(server, EXIT_AFTER_IDLE, "SIGTERM with 4 idle connections")
        print(f"\n  exited {took:.2f}s after SIGTERM with 4 idle connections", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
