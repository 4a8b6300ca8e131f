"""Hostile and broken clients: path tricks in names, invalid and overlong names and tags,
enormous Content-Length, clients that vanish mid-upload, truncated manifests, garbage on the
wire, header floods, runs of slashes.

After every test the registry must still answer GET /v2/, must not have written outside its
storage directory, must not have served the canary file next to its storage, must list only
valid repository names, and must still serve the image pushed before the tests, unchanged.
"""

import os
import re
import socket
import time
import unittest
import uuid

from harness import (ACCEPT_ALL, direct_only, MiB, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, PEER, RawConnection,
                     RegistryTestCase, add_query, descriptor, image_manifest, location, peer_bug, peer_skip_case,
                     raw_request_head, requires, sha256, unique_repo)

NAME_RE = re.compile(r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*")
REFUSALS = set(range(400, 500)) | {501, 505}  # a refused request; 500 would be a crash report


class HostileTest(RegistryTestCase):

    def seed_content(self):
        token = f"CANARY-{uuid.uuid4().hex}"
        with open(os.path.join(self.server.workdir, "canary-secret.txt"), "w") as f:
            f.write(token)
        type(self).canary = token.encode()
        type(self).victim = self.push_image("victim/app", "v1", n_layers=2)

    def tearDown(self):
        super().tearDown()
        self.assertAlive()
        stray = self.server.files_outside_storage()
        self.assertEqual(stray, [], "the registry wrote outside its storage directory")
        resp = self.get("/v2/_catalog?n=1000")
        self.assertStatus(resp, 200)
        for name in resp.json().get("repositories") or []:
            self.assertTrue(NAME_RE.fullmatch(name) and len(name) <= 255, f"invalid repository listed: {name!r}")
        resp = self.get("/v2/victim/app/manifests/v1", {"Accept": ACCEPT_ALL})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, self.victim.manifest, "the image pushed before the test changed")

    # ---- helpers

    def assertNoCanary(self, resp):
        self.assertNotIn(self.canary, resp.body, f"served a file from outside the storage:\n{resp}")

    def assertRefusedName(self, resp):
        """An invalid repository name: 400 NAME_INVALID, or 404 (what the endpoint table allows)."""
        self.assertNoCanary(resp)
        if PEER and resp.status == 301:
            return  # Go's mux redirects to the cleaned path
        self.assertError(resp, (400, 404), {"NAME_INVALID", "NAME_UNKNOWN", "BLOB_UNKNOWN", "MANIFEST_UNKNOWN",
                                            "BLOB_UPLOAD_UNKNOWN"})

    def try_all_endpoints(self, name):
        """Every endpoint that takes a name, with `name` spliced in verbatim."""
        digest = self.victim.digest
        yield self.get(f"/v2/{name}/tags/list")
        yield self.get(f"/v2/{name}/manifests/v1", {"Accept": ACCEPT_ALL})
        yield self.head(f"/v2/{name}/manifests/{digest}")
        yield self.get(f"/v2/{name}/blobs/{sha256(self.victim.config)}")
        yield self.post(f"/v2/{name}/blobs/uploads/")
        yield self.post(add_query(f"/v2/{name}/blobs/uploads/", digest=sha256(b"x")), b"x")
        yield self.post(add_query(f"/v2/{name}/blobs/uploads/", mount=sha256(self.victim.config),
                                  **{"from": "victim/app"}))
        yield self.put(f"/v2/{name}/manifests/v1", self.victim.manifest, {"Content-Type": OCI_MANIFEST})
        yield self.delete(f"/v2/{name}/manifests/{digest}")
        yield self.delete(f"/v2/{name}/blobs/{sha256(self.victim.config)}")

    def raw_exchange(self, data, *, shutdown=False, timeout=10):
        """Send raw bytes; the (status, headers, body) answered, status None if the server just
        closed. Fails if the server neither answers nor closes within `timeout`."""
        try:
            conn = RawConnection(self.server, timeout=timeout)
        except OSError as e:
            self.fail(f"the registry does not accept connections ({e!r})\n{self.server.log_tail(5)}")
        try:
            if not conn.try_send(data):
                return (None, {}, b"")
            if shutdown:
                try:
                    conn.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            try:
                return conn.read_response(timeout)
            except socket.timeout:
                self.fail(f"no answer and no close within {timeout}s after sending {data[:120]!r}...")
        finally:
            conn.close()

    def assertRawRefused(self, data, **kw):
        status, headers, body = self.raw_exchange(data, **kw)
        if status is not None and not (PEER and status == 301):  # Go's mux redirects to the cleaned path
            self.assertIn(status, REFUSALS, f"answer to {data[:120]!r}: {status} {headers} {body[:300]!r}")
        return status

    def send_head_only(self, method, target, headers, prefix=b"", timeout=10):
        """Send a request head announcing a body (plus `prefix` of it) and expect a refusal
        before the rest arrives: an error status, or a closed connection."""
        conn = RawConnection(self.server, timeout=timeout)
        try:
            conn.try_send(raw_request_head(method, target, headers) + prefix)
            t0 = time.monotonic()
            try:
                status, hdrs, body = conn.read_response(timeout)
            except socket.timeout:
                self.fail(f"{method} {target} with Content-Length {headers.get('Content-Length')}: the registry "
                          f"waited {timeout}s for the body instead of refusing it")
            elapsed = time.monotonic() - t0
            if status is not None:
                self.assertTrue(400 <= status < 500 or status == 507,
                                f"{method} {target} with Content-Length {headers.get('Content-Length')}: "
                                f"{status} {hdrs} {body[:300]!r}")
            return status, elapsed
        finally:
            conn.close()

    # ---- names

    def test_dot_dot_in_names(self):
        for name in ("..", "../victim/app", "victim/../victim/app", "victim/app/..", "a/../../..",
                     "./victim/app", "victim/./app", "victim//app", "../../canary-secret.txt"):
            for resp in self.try_all_endpoints(name):
                with self.subTest(name=name, request=f"{resp.method} {resp.target}"):
                    self.assertRefusedName(resp)

    def test_dot_dot_in_digests_and_references(self):
        for target in ("/v2/victim/app/blobs/../../../../canary-secret.txt",
                       "/v2/victim/app/blobs/sha256:../../../../../canary-secret.txt",
                       "/v2/victim/app/manifests/../../../../canary-secret.txt",
                       "/v2/victim/app/manifests/..%2f..%2f..%2f..%2fcanary-secret.txt",
                       "/v2/victim/app/blobs/sha256%3a..%2f..%2fcanary-secret.txt",
                       "/v2/victim/app/blobs/uploads/..%2f..%2f..%2fcanary-secret.txt"):
            for method in ("GET", "HEAD", "DELETE"):
                with self.subTest(f"{method} {target}"):
                    resp = self.req(method, target)
                    self.assertNoCanary(resp)
                    self.assertIn(resp.status, {400, 404, 405} | ({301} if PEER else set()), str(resp))

    def test_percent_encoded_dots(self):
        for name in ("%2e%2e", "%2E%2E/victim/app", "victim/%2e%2e/%2e%2e", "victim%2f..%2f..", "%2e", "victim/%2e/app",
                     "victim%00app"):
            for resp in self.try_all_endpoints(name):
                with self.subTest(name=name, request=f"{resp.method} {resp.target}"):
                    self.assertRefusedName(resp)

    def test_uppercase_and_invalid_characters(self):
        for name in ("Victim/app", "VICTIM", "victim/App", "a..b", "a___b", "-a", "a-", "_a", "a.", "a%20b", "a:b",
                     "a@b", "a%5cb", "a+b", "a%c3%a9"):
            with self.subTest(name=name):
                peer_skip_case(self, name, {n: "accepts names with uppercase letters" for n in
                                            ("Victim/app", "VICTIM", "victim/App")})
            if PEER and name.lower() != name:
                continue
            for resp in self.try_all_endpoints(name):
                with self.subTest(name=name, request=f"{resp.method} {resp.target}"):
                    self.assertRefusedName(resp)

    @peer_bug("2.8 answers 500 UNKNOWN for a name over 255 characters")
    def test_name_length_limit(self):
        longest = ("abcdefghij/" * 24)[:254] + "z"
        self.assertEqual(len(longest), 255)
        self.assertTrue(NAME_RE.fullmatch(longest))
        self.assertStatus(self.post(f"/v2/{longest}/blobs/uploads/"), 202, msg="a 255-character name is valid")
        too_long = longest + "z"
        for resp in self.try_all_endpoints(too_long):
            with self.subTest(request=f"{resp.method} {resp.target[:80]}"):
                self.assertError(resp, (400, 404), {"NAME_INVALID", "NAME_UNKNOWN"})
        huge = "a" * 60_000
        status = self.assertRawRefused(raw_request_head("POST", f"/v2/{huge}/blobs/uploads/", {"Content-Length": "0"}))
        self.assertNotEqual(status, 202)

    def test_overlong_tag(self):
        repo = unique_repo("hostile-tag")
        img = self.push_image(repo, "ok")
        for tag in ("t" * 129, "t" * 5000):
            resp = self.put_manifest(repo, tag, img.manifest)
            self.assertIn(resp.status, {400, 404, 414, 431}, str(resp))
            resp = self.get(f"/v2/{repo}/manifests/{tag}")
            self.assertIn(resp.status, {400, 404, 414, 431}, str(resp))
        resp = self.get(f"/v2/{repo}/tags/list")
        self.assertEqual(resp.json()["tags"], ["ok"], str(resp))

    def test_many_slashes(self):
        for target in ("/v2/" + "/" * 10_000 + "tags/list",
                       "/v2/" + "a/" * 5_000 + "tags/list",
                       "/v2/victim/app" + "/" * 10_000 + "/manifests/v1",
                       "/v2/victim/app/blobs/" + "/" * 10_000 + sha256(b"x")):
            with self.subTest(target[:40]):
                peer_skip_case(self, target[:12], {"/v2/a/a/a/a/": "answers 500 UNKNOWN for a name over 255 characters"})
                status = self.assertRawRefused(raw_request_head("GET", target, {}))
                self.assertNotEqual(status, 200)
        status = self.assertRawRefused(raw_request_head("GET", "/v2/" + "/" * 300_000 + "x", {}))
        self.assertNotEqual(status, 200)

    # ---- enormous bodies

    @requires("upload_limits")
    def test_enormous_content_length_on_patch(self):
        repo = unique_repo("hostile-big")
        self.upload_blob(repo, b"exists")
        loc = location(self.start_upload(repo))
        for length in (10 ** 15, 2 ** 63 - 1):
            with self.subTest(length):
                self.send_head_only("PATCH", loc, {"Content-Type": "application/octet-stream",
                                                   "Content-Length": str(length)}, b"x" * 1024)
        status = self.get(loc)
        if status.status == 204:  # at most the 2 x 1024 bytes that were sent may have been kept
            self.assertIn(status.header("Range"), (None, "0-0", "0--1", "0-1023", "0-2047"), str(status))

    @requires("upload_limits")
    def test_enormous_content_length_on_put(self):
        repo = unique_repo("hostile-big")
        self.upload_blob(repo, b"exists")
        claimed = sha256(b"never sent")
        loc = location(self.start_upload(repo))
        self.send_head_only("PUT", add_query(loc, digest=claimed),
                            {"Content-Type": "application/octet-stream", "Content-Length": str(10 ** 15)}, b"y" * 1024)
        self.assertNoBlob(repo, claimed)

    @requires("upload_limits")
    def test_enormous_content_length_on_single_post(self):
        repo = unique_repo("hostile-big")
        self.upload_blob(repo, b"exists")
        claimed = sha256(b"never sent either")
        self.send_head_only("POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=claimed),
                            {"Content-Type": "application/octet-stream", "Content-Length": str(10 ** 15)})
        self.assertNoBlob(repo, claimed)

    @requires("manifest_limit")
    def test_enormous_manifest(self):
        repo = unique_repo("hostile-big")
        self.push_image(repo, "ok")
        status, _ = self.send_head_only("PUT", f"/v2/{repo}/manifests/huge",
                                        {"Content-Type": OCI_MANIFEST, "Content-Length": str(64 * MiB)},
                                        b'{"schemaVersion": 2, "annotations": {"pad": "')
        if status is not None:
            self.assertEqual(status, 413, "a manifest over the limit: 413 Payload Too Large")
        self.assertNoManifest(repo, "huge")

    def test_unparseable_content_length(self):
        repo = unique_repo("hostile-cl")
        self.upload_blob(repo, b"exists")
        loc = location(self.start_upload(repo))
        for value in ("99999999999999999999999999", "-1", "12abc", "0x10", "1 2"):
            with self.subTest(value):
                status = self.assertRawRefused(raw_request_head("PATCH", loc, {"Content-Length": value}) + b"abc")
                self.assertNotIn(status, (202,))
        status = self.assertRawRefused(raw_request_head("PATCH", loc, {"Content-Length": "3"}).replace(
            b"\r\n\r\n", b"\r\nContent-Length: 5\r\n\r\n") + b"abcde")
        self.assertNotEqual(status, 202, "two different Content-Length headers must be refused")
        resp = self.get(loc)
        if resp.status == 204:
            self.assertIn(resp.header("Range"), (None, "0-0", "0--1"), f"nothing may have been appended:\n{resp}")

    # ---- clients that vanish

    def abandon(self, method, target, headers, sent):
        conn = RawConnection(self.server)
        conn.try_send(raw_request_head(method, target, headers) + sent)
        time.sleep(0.2)
        conn.close()
        time.sleep(0.3)

    def test_disconnect_mid_monolithic_put(self):
        repo = unique_repo("hostile-cut")
        data = os.urandom(MiB)
        digest = sha256(data)
        loc = location(self.start_upload(repo))
        self.abandon("PUT", add_query(loc, digest=digest),
                     {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}, data[:256 * 1024])
        self.assertNoBlob(repo, digest)
        self.assertAlive()
        self.assertEqual(self.upload_blob(repo, data), digest, "the same blob uploads fine afterwards")
        self.assertBlob(repo, digest, data)

    @peer_bug("2.8 forgets an upload whose PATCH was cut (its _state no longer matches): 404")
    def test_disconnect_mid_patch_then_resume(self):
        repo = unique_repo("hostile-cut")
        data = os.urandom(MiB)
        digest = sha256(data)
        loc = location(self.start_upload(repo))
        first = self.patch(loc, data[:1000], {"Content-Type": "application/octet-stream", "Content-Range": "0-999"})
        self.assertStatus(first, 202)
        loc = location(first)
        self.abandon("PATCH", loc, {"Content-Type": "application/octet-stream", "Content-Range": f"1000-{MiB - 1}",
                                    "Content-Length": str(MiB - 1000)}, data[1000:300_000])
        self.assertNoBlob(repo, digest)
        # whatever the registry kept, it must say so truthfully: resume from its Range
        status = self.get(loc)
        self.assertStatus(status, 204)
        m = re.fullmatch(r"0-(\d+)", status.header("Range") or "")
        self.assertTrue(m, f"upload status needs Range: 0-<end>:\n{status}")
        offset = int(m.group(1)) + 1
        self.assertGreaterEqual(offset, 1000, f"the completed first chunk was lost:\n{status}")
        self.assertLessEqual(offset, 300_000, f"more bytes kept than were sent:\n{status}")
        resp = self.patch(location(status), data[offset:], {"Content-Type": "application/octet-stream",
                                                            "Content-Range": f"{offset}-{MiB - 1}"})
        self.assertStatus(resp, 202)
        resp = self.put(add_query(location(resp), digest=digest))
        self.assertStatus(resp, 201, msg="the resumed upload must hash to the blob's digest")
        self.assertBlob(repo, digest, data)

    @requires("single_post")
    def test_disconnect_mid_single_post(self):
        repo = unique_repo("hostile-cut")
        self.upload_blob(repo, b"exists")
        data = os.urandom(512 * 1024)
        digest = sha256(data)
        self.abandon("POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=digest),
                     {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}, data[:1000])
        self.assertNoBlob(repo, digest)

    def test_disconnect_mid_manifest(self):
        repo = unique_repo("hostile-cut")
        img = self.push_image(repo, "ok")
        body = image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(OCI_LAYER_GZIP, img.layers[0])],
                              annotations={"pad": "q" * 100_000})
        self.abandon("PUT", f"/v2/{repo}/manifests/cut", {"Content-Type": OCI_MANIFEST,
                                                         "Content-Length": str(len(body))}, body[:len(body) // 2])
        self.assertNoManifest(repo, "cut")
        self.assertNoManifest(repo, sha256(body))
        self.assertNoManifest(repo, sha256(body[:len(body) // 2]))

    def test_truncated_manifest_json(self):
        repo = unique_repo("hostile-trunc")
        img = self.push_image(repo, "ok")
        for cut in range(1, len(img.manifest), max(1, len(img.manifest) // 12)):
            body = img.manifest[:cut]
            with self.subTest(cut=cut):
                resp = self.put_manifest(repo, f"trunc{cut}", body)
                self.assertError(resp, 400, "MANIFEST_INVALID")
                self.assertNoManifest(repo, f"trunc{cut}")
                self.assertNoManifest(repo, sha256(body))

    # ---- the wire

    @direct_only("the balancer parses the request line first (it normalizes or holds it)")
    def test_garbage_request_lines(self):
        complete = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET /v2/ HTTP/9.9\r\nHost: x\r\n\r\n",
                    b"GET /v2/\r\n\r\n", b"\x00\x01\x02\xff\xfe\r\n\r\n", b"GET /v2/ HTTP/1.1\r\nno colon here\r\n\r\n",
                    b"GET  /v2/  HTTP/1.1\r\n\r\n", b"get /v2/ http/1.1\r\n\r\n", b"GET http:// HTTP/1.1\r\n\r\n",
                    b"BREW /v2/ HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /v2/\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"\r\n\r\n\r\n\r\n"]
        for data in complete:
            with self.subTest(data):
                peer_skip_case(self, data, {complete[9]: "routes /v2/ for any method (BREW answers 200)"})
                self.assertRawRefused(data)
        incomplete = [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(100),  # a TLS ClientHello
                      b"G" * 100_000, os.urandom(4096)]
        for data in incomplete:
            with self.subTest(data[:16]):
                self.assertRawRefused(data, shutdown=True)

    def test_header_flood(self):
        many = raw_request_head("GET", "/v2/", {f"X-Flood-{i}": "v" * 90 for i in range(20_000)})
        self.assertRawRefused(many)
        tiny = b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 300_000 + b"\r\n"
        self.assertRawRefused(tiny)
        huge = raw_request_head("GET", "/v2/", {"X-Huge": "h" * (2 * MiB)})
        self.assertRawRefused(huge)

    def test_pipelined_requests_after_garbage_are_not_served(self):
        data = b"GARBAGE\r\n\r\nGET /v2/victim/app/manifests/v1 HTTP/1.1\r\nHost: x\r\n\r\n"
        status, headers, body = self.raw_exchange(data)
        if status is not None:
            self.assertIn(status, REFUSALS)
            self.assertNotIn(self.victim.manifest[:40], body)


if __name__ == "__main__":
    unittest.main()
