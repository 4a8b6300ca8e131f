"""Process lifecycle: restart on the same storage (content and open uploads survive),
--read-only, and SIGTERM while requests are in flight or connections are idle."""

import os
import signal
import socket
import time
import unittest

from harness import (ACCEPT_ALL, OCI_MANIFEST, PEER, RawConnection, RegistryTestCase, Server, add_query, location,
                     path_of, raw_request_head, sha256, unique_repo)

OCTET = {"Content-Type": "application/octet-stream"}


class LifecycleTestCase(RegistryTestCase):
    """Each test runs its own servers; the class-wide one is unused."""

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            srv.kill()
        for srv in self.servers:
            srv.cleanup()

    def launch(self, workdir=None, **kw):
        srv = Server(workdir=workdir, **kw)
        if workdir is not None:
            srv.own_workdir = False
        self.servers.append(srv)
        srv.start()
        self.server = srv
        return srv


class RestartTest(LifecycleTestCase):

    def test_upload_survives_restart(self):
        first = self.launch()
        repo = unique_repo("life")
        img = self.push_image(repo, "v1")
        data = os.urandom(300_000)
        post = self.start_upload(repo)
        resp = self.patch(location(post), data[:100_000], {**OCTET, "Content-Range": "0-99999"})
        self.assertStatus(resp, 202)
        loc = location(resp)
        first.stop()

        second = Server(workdir=first.workdir)
        self.servers.append(second)
        second.start()
        self.server = second
        status = self.get(loc)
        self.assertStatus(status, 204, msg="an upload started before the restart is still there")
        self.assertHeader(status, "Range", "0-99999")
        resp = self.patch(location(status), data[100_000:], {**OCTET, "Content-Range": f"100000-{len(data) - 1}"})
        self.assertStatus(resp, 202)
        resp = self.put(add_query(location(resp), digest=sha256(data)))
        self.assertStatus(resp, 201)
        self.assertBlob(repo, sha256(data), data)
        resp = self.get(f"/v2/{repo}/manifests/v1", {"Accept": ACCEPT_ALL})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, img.manifest)
        self.assertEqual(self.get(f"/v2/{repo}/tags/list").json()["tags"], ["v1"])
        self.assertIn(repo, self.get("/v2/_catalog").json()["repositories"])
        second.stop()


class ReadOnlyTest(LifecycleTestCase):

    def assertRefusedWrite(self, resp):
        if PEER:  # docker-registry's read-only mode answers 405 with a plain-text body
            self.assertStatus(resp, 405)
        else:
            self.assertError(resp, 405, {"UNSUPPORTED", "DENIED"})

    def test_read_only(self):
        rw = self.launch()
        repo = unique_repo("ro")
        img = self.push_image(repo, "v1")
        layer = img.layers[0]
        upload = location(self.start_upload(repo))  # left open across the read-only run
        rw.stop()

        ro = Server(workdir=rw.workdir, read_only=True)
        self.servers.append(ro)
        ro.start()
        self.server = ro

        with self.subTest("reads"):
            self.assertStatus(self.get("/v2/"), 200)
            resp = self.get(f"/v2/{repo}/manifests/v1", {"Accept": ACCEPT_ALL})
            self.assertStatus(resp, 200)
            self.assertEqual(resp.body, img.manifest)
            self.assertStatus(self.head(f"/v2/{repo}/manifests/{img.digest}", {"Accept": ACCEPT_ALL}), 200)
            self.assertBlob(repo, sha256(layer), layer)
            self.assertStatus(self.head(f"/v2/{repo}/blobs/{sha256(layer)}"), 200)
            self.assertEqual(self.get(f"/v2/{repo}/tags/list").json()["tags"], ["v1"])
            self.assertIn(repo, self.get("/v2/_catalog").json()["repositories"])

        # writes
        other = b"not allowed"
        writes = [
            ("POST", f"/v2/{repo}/blobs/uploads/", None, {}),
            ("POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(other)), other, OCTET),
            ("POST", add_query(f"/v2/{unique_repo('ro-new')}/blobs/uploads/", mount=sha256(layer),
                               **{"from": repo}), None, {}),
            ("PATCH", upload, other, {**OCTET, "Content-Range": f"0-{len(other) - 1}"}),
            ("PUT", add_query(upload, digest=sha256(other)), other, OCTET),
            ("DELETE", upload, None, {}),
            ("PUT", f"/v2/{repo}/manifests/v2", img.manifest, {"Content-Type": OCI_MANIFEST}),
            ("PUT", f"/v2/{repo}/manifests/{img.digest}", img.manifest, {"Content-Type": OCI_MANIFEST}),
            ("DELETE", f"/v2/{repo}/manifests/v1", None, {}),
            ("DELETE", f"/v2/{repo}/manifests/{img.digest}", None, {}),
            ("DELETE", f"/v2/{repo}/blobs/{sha256(layer)}", None, {}),
        ]
        for method, target, body, headers in writes:
            with self.subTest(f"{method} {target}"):
                self.assertRefusedWrite(self.req(method, target, body, headers))

        with self.subTest("nothing changed"):
            resp = self.get(f"/v2/{repo}/manifests/v1", {"Accept": ACCEPT_ALL})
            self.assertStatus(resp, 200)
            self.assertEqual(resp.body, img.manifest)
            self.assertNoManifest(repo, "v2")
            self.assertBlob(repo, sha256(layer), layer)
            self.assertNoBlob(repo, sha256(other))
            self.assertEqual(self.get(f"/v2/{repo}/tags/list").json()["tags"], ["v1"])
        ro.stop()

        # and the upload left open before is still usable once writable again
        rw2 = Server(workdir=rw.workdir)
        self.servers.append(rw2)
        rw2.start()
        self.server = rw2
        resp = self.put(add_query(upload, digest=sha256(b"later")), b"later", OCTET)
        self.assertStatus(resp, 201)
        self.assertBlob(repo, sha256(b"later"), b"later")
        rw2.stop()


class SignalTest(LifecycleTestCase):

    def test_sigterm_lets_in_flight_request_finish(self):
        srv = self.launch()
        repo = unique_repo("term")
        data = os.urandom(1024 * 1024)
        loc = location(self.start_upload(repo))
        conn = RawConnection(srv, timeout=30)
        try:
            conn.send(raw_request_head("PATCH", loc, {**OCTET, "Content-Length": str(len(data)),
                                                      "Content-Range": f"0-{len(data) - 1}"}))
            conn.send(data[:400_000])
            time.sleep(0.5)
            srv.signal(signal.SIGTERM)
            time.sleep(1.0)
            self.assertIsNone(srv.proc.poll(), "the registry exited with a request still in flight")
            self.assertNewConnectionDoesNotHang(srv)
            conn.send(data[400_000:])
            status, headers, body = conn.read_response(30)
        finally:
            conn.close()
        self.assertEqual(status, 202, f"the in-flight PATCH must complete: {status} {headers} {body[:300]!r}")
        self.assertEqual(headers.get("range"), f"0-{len(data) - 1}", str(headers))
        rc = srv.wait(20)
        self.assertEqual(rc, 0, f"exit code after SIGTERM (None: still running)\n{srv.log_tail()}")

        after = Server(workdir=srv.workdir)
        self.servers.append(after)
        after.start()
        self.server = after
        status = self.get(path_of(headers.get("location") or loc))
        self.assertStatus(status, 204)
        self.assertHeader(status, "Range", f"0-{len(data) - 1}", "the finished chunk was kept")
        self.assertStatus(self.put(add_query(location(status), digest=sha256(data))), 201)
        self.assertBlob(repo, sha256(data), data)
        after.stop()

    def test_sigterm_with_idle_keepalive_connection(self):
        srv = self.launch()
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            sock.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
            time.sleep(0.3)
            sock.recv(65536)
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            rc = srv.wait(15)
            self.assertIsNotNone(rc, "an idle keep-alive connection kept the registry from stopping")
            self.assertEqual(rc, 0)
            self.assertLess(time.monotonic() - t0, 15)
        finally:
            sock.close()

    def assertNewConnectionDoesNotHang(self, srv):
        """While draining, a new client is refused, told to go away, or served: never left hanging."""
        try:
            conn = RawConnection(srv, timeout=5)
        except OSError:
            return
        try:
            conn.try_send(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                conn.read_response(5)
            except socket.timeout:
                self.fail("a connection opened during shutdown was left hanging")
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
