"""Blobs: GET/HEAD, byte ranges (RFC 9110), DELETE, and which repositories may serve a blob."""

import os
import unittest

from harness import (DUMMY_DIGEST, MiB, RegistryTestCase, add_query, location, peer_bug, peer_skip_case, sha256,
                     unique_repo, upload_blob)


class BlobTest(RegistryTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.repo = unique_repo("blobs")
        cls.data = bytes((i * 7 + 3) % 256 for i in range(1000))
        cls.digest = upload_blob(cls.server, cls.repo, cls.data)

    def url(self, digest=None, repo=None):
        return f"/v2/{repo or self.repo}/blobs/{digest or self.digest}"

    # ---- GET / HEAD

    def test_get(self):
        resp = self.get(self.url())
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, self.data)
        self.assertHeader(resp, "Content-Length", str(len(self.data)))
        self.assertHeader(resp, "Docker-Content-Digest", self.digest)

    def test_head(self):
        resp = self.head(self.url())
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, b"")
        self.assertHeader(resp, "Content-Length", str(len(self.data)))
        self.assertHeader(resp, "Docker-Content-Digest", self.digest)

    def test_unknown(self):
        self.assertError(self.get(self.url(DUMMY_DIGEST)), 404, "BLOB_UNKNOWN")
        self.assertError(self.head(self.url(DUMMY_DIGEST)), 404, "BLOB_UNKNOWN")

    def test_malformed_digest(self):
        for bad in ("sha256:xyz", "notadigest", "sha256:" + "0" * 63, "md5:d41d8cd98f00b204e9800998ecf8427e"):
            with self.subTest(bad):
                peer_skip_case(self, bad, {"sha256:xyz": "answers 404 NAME_UNKNOWN text", "notadigest": "(router 404)"})
                resp = self.get(self.url(bad))
                self.assertError(resp, (400, 404), {"DIGEST_INVALID", "BLOB_UNKNOWN", "UNSUPPORTED"})

    def test_large_blob_round_trip(self):
        repo = unique_repo("blobs-large")
        data = os.urandom(5 * MiB + 123)
        post = self.start_upload(repo)
        loc, offset, step = location(post), 0, 2 * MiB
        while offset < len(data):
            part = data[offset:offset + step]
            resp = self.patch(loc, part, {"Content-Type": "application/octet-stream",
                                          "Content-Range": f"{offset}-{offset + len(part) - 1}"})
            self.assertStatus(resp, 202)
            loc, offset = location(resp), offset + len(part)
        self.assertStatus(self.put(add_query(loc, digest=sha256(data))), 201)
        resp = self.get(self.url(sha256(data), repo))
        self.assertStatus(resp, 200)
        self.assertEqual(len(resp.body), len(data))
        self.assertTrue(resp.body == data, "5 MiB blob bytes differ")

    # ---- ranges

    def ranged(self, value):
        return self.get(self.url(), {"Range": value})

    def assertPartial(self, resp, first, last):
        self.assertStatus(resp, 206)
        self.assertHeader(resp, "Content-Range", f"bytes {first}-{last}/{len(self.data)}")
        self.assertHeader(resp, "Content-Length", str(last - first + 1))
        self.assertEqual(resp.body, self.data[first:last + 1], f"bytes {first}-{last}")

    def test_range_first_bytes(self):
        self.assertPartial(self.ranged("bytes=0-9"), 0, 9)

    def test_range_middle(self):
        self.assertPartial(self.ranged("bytes=100-199"), 100, 199)

    def test_range_open_ended(self):
        self.assertPartial(self.ranged("bytes=990-"), 990, 999)

    def test_range_suffix(self):
        self.assertPartial(self.ranged("bytes=-5"), 995, 999)

    def test_range_past_the_end_is_clamped(self):
        self.assertPartial(self.ranged("bytes=500-5000"), 500, 999)

    def test_range_single_last_byte(self):
        self.assertPartial(self.ranged("bytes=999-999"), 999, 999)

    @peer_bug("2.8 announces Content-Length of the whole blob, then sends a short error body")
    def test_range_unsatisfiable(self):
        for value in ("bytes=1000-", "bytes=1000-2000", "bytes=5000-6000"):
            with self.subTest(value):
                resp = self.ranged(value)
                self.assertStatus(resp, 416)
                self.assertHeader(resp, "Content-Range", f"bytes */{len(self.data)}")

    @peer_bug("2.8 announces Content-Length of the whole blob, then sends a short error body")
    def test_range_malformed(self):
        # RFC 9110: a server may ignore a Range it cannot parse (200, whole blob) or refuse it (416)
        for value in ("bytes=abc", "items=0-5", "bytes=5-2", "bytes=--1", "bytes=0-1,x", "bytes 0-5", "=",
                      "bytes=" + "9" * 40 + "-"):
            with self.subTest(value):
                resp = self.ranged(value)
                self.assertStatus(resp, 200, 416)
                if resp.status == 200:
                    self.assertEqual(resp.body, self.data, "an ignored Range serves the whole blob")
        self.assertAlive()

    def test_range_multiple(self):
        resp = self.ranged("bytes=0-1,4-5")
        self.assertStatus(resp, 200, 206, 416)
        if resp.status == 200:
            self.assertEqual(resp.body, self.data)
        elif resp.status == 206:
            self.assertTrue((resp.header("Content-Type") or "").startswith("multipart/byteranges"), str(resp))

    def test_range_on_head(self):
        resp = self.head(self.url(), {"Range": "bytes=0-9"})
        self.assertStatus(resp, 200, 206)
        self.assertEqual(resp.body, b"")

    def test_range_on_empty_blob(self):
        repo = unique_repo("blobs-empty")
        digest = self.upload_blob(repo, b"")
        resp = self.get(self.url(digest, repo), {"Range": "bytes=0-"})
        self.assertStatus(resp, 200, 416)
        self.assertEqual(resp.body, b"")

    # ---- delete

    def test_delete(self):
        repo = unique_repo("blobs-del")
        keep = self.upload_blob(repo, b"keep me")
        digest = self.upload_blob(repo, b"delete me")
        self.assertStatus(self.delete(self.url(digest, repo)), 202)
        self.assertNoBlob(repo, digest)
        self.assertError(self.delete(self.url(digest, repo)), 404, "BLOB_UNKNOWN")
        self.assertBlob(repo, keep, b"keep me")

    def test_delete_unknown(self):
        self.assertError(self.delete(self.url(DUMMY_DIGEST)), 404, "BLOB_UNKNOWN")

    def test_delete_in_one_repository_only(self):
        a, b = unique_repo("blobs-a"), unique_repo("blobs-b")
        data = b"linked from two repositories"
        digest = self.upload_blob(a, data)
        self.upload_blob(b, data)
        self.assertStatus(self.delete(self.url(digest, b)), 202)
        self.assertNoBlob(b, digest)
        self.assertBlob(a, digest, data)

    def test_upload_again_after_delete(self):
        repo = unique_repo("blobs-del")
        data = b"comes back"
        digest = self.upload_blob(repo, data)
        self.assertStatus(self.delete(self.url(digest, repo)), 202)
        self.assertNoBlob(repo, digest)
        self.upload_blob(repo, data)
        self.assertBlob(repo, digest, data)

    # ---- repository scoping

    def test_blob_only_via_repositories_that_link_it(self):
        other = unique_repo("blobs-other")
        self.upload_blob(other, b"other has its own blob")
        self.assertNoBlob(other, self.digest)
        self.assertNoBlob(unique_repo("blobs-none"), self.digest)
        self.assertError(self.get(self.url(self.digest, other), {"Range": "bytes=0-9"}), 404, "BLOB_UNKNOWN")
        self.assertBlob(self.repo, self.digest, self.data)

    def test_blob_via_mount_only_after_mount(self):
        other = unique_repo("blobs-other")
        self.upload_blob(other, b"exists")
        self.assertNoBlob(other, self.digest)
        resp = self.post(add_query(f"/v2/{other}/blobs/uploads/", mount=self.digest, **{"from": self.repo}))
        self.assertStatus(resp, 201)
        self.assertBlob(other, self.digest, self.data)

    def test_nested_repository_names_are_distinct(self):
        parent = unique_repo("blobs-parent")
        child = f"{parent}/child"
        data = b"only in the child"
        digest = self.upload_blob(child, data)
        self.assertBlob(child, digest, data)
        self.assertNoBlob(parent, digest)
        self.assertNoBlob(f"{child}/grandchild", digest)


if __name__ == "__main__":
    unittest.main()
