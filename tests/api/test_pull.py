"""Pull: blobs and manifests by digest and tag, HEAD and GET, 404s, the API root.

ConformancePullTest follows conformance/01_pull_test.go request for request (setup, pull blobs,
pull manifests, error codes, teardown); PullTest adds what the spec says a response carries.
"""

import unittest

from conformance_data import NONEXISTENT_MANIFEST, TEST_TAG, ConformanceData, INVALID_MANIFEST
from harness import (ACCEPT_ALL, API_VERSION, API_VERSION_HEADER, DUMMY_DIGEST, OCI_MANIFEST, SPEC_ERROR_CODES,
                     RegistryTestCase, add_query, location, peer_bug, peer_skip_case, requires, sha256, unique_repo)


class ConformancePullTest(RegistryTestCase):
    """01_pull_test.go: the steps run in order and share state, as in the suite."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = ConformanceData()
        cls.name = f"conformance/{unique_repo('pull')}"
        cls.tag = None

    def populate_blob(self, blob):
        post = self.post(f"/v2/{self.name}/blobs/uploads/")
        resp = self.put(add_query(location(post), digest=blob.digest), blob.content,
                        {"Content-Type": "application/octet-stream", "Content-Length": str(blob.length)})
        self.assert2xx(resp, "Populate registry with test blob")

    def test_00_setup(self):
        d = self.data
        self.populate_blob(d.configs[0])
        self.populate_blob(d.configs[1])
        self.populate_blob(d.layer)
        resp = self.put(f"/v2/{self.name}/manifests/{TEST_TAG}", d.manifests[0].content,
                        {"Content-Type": OCI_MANIFEST})
        self.assert2xx(resp, "Populate registry with test manifest (tag)")
        type(self).tag = TEST_TAG
        resp = self.put(f"/v2/{self.name}/manifests/{d.manifests[1].digest}", d.manifests[1].content,
                        {"Content-Type": OCI_MANIFEST})
        self.assert2xx(resp, "Populate registry with test manifest (digest)")

    # Pull blobs

    def test_10_head_nonexistent_blob_404(self):
        self.assertStatus(self.head(f"/v2/{self.name}/blobs/{DUMMY_DIGEST}"), 404)

    def test_11_head_existing_blob_200(self):
        resp = self.head(f"/v2/{self.name}/blobs/{self.data.configs[0].digest}")
        self.assertStatus(resp, 200)
        if resp.header("Docker-Content-Digest"):
            self.assertHeader(resp, "Docker-Content-Digest", self.data.configs[0].digest)

    def test_12_get_nonexistent_blob_404(self):
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{DUMMY_DIGEST}"), 404)

    def test_13_get_existing_blob_200(self):
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{self.data.configs[0].digest}"), 200)

    # Pull manifests

    def test_20_head_nonexistent_manifest_404(self):
        self.assertStatus(self.head(f"/v2/{self.name}/manifests/{NONEXISTENT_MANIFEST}"), 404)

    def test_21_head_manifest0_by_digest_200(self):
        m = self.data.manifests[0]
        resp = self.head(f"/v2/{self.name}/manifests/{m.digest}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)
        if resp.header("Docker-Content-Digest"):
            self.assertHeader(resp, "Docker-Content-Digest", m.digest)

    def test_22_head_manifest1_by_digest_200(self):
        m = self.data.manifests[1]
        resp = self.head(f"/v2/{self.name}/manifests/{m.digest}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)
        if resp.header("Docker-Content-Digest"):
            self.assertHeader(resp, "Docker-Content-Digest", m.digest)

    def test_23_head_manifest_by_tag_200(self):
        self.assertTrue(self.tag, "setup did not push the tag")
        resp = self.head(f"/v2/{self.name}/manifests/{self.tag}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)
        if resp.header("Docker-Content-Digest"):
            self.assertHeader(resp, "Docker-Content-Digest", self.data.manifests[0].digest)

    def test_24_get_nonexistent_manifest_404(self):
        self.assertStatus(self.get(f"/v2/{self.name}/manifests/{NONEXISTENT_MANIFEST}"), 404)

    def test_25_get_manifest0_by_digest_200(self):
        resp = self.get(f"/v2/{self.name}/manifests/{self.data.manifests[0].digest}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)

    def test_26_get_manifest1_by_digest_200(self):
        resp = self.get(f"/v2/{self.name}/manifests/{self.data.manifests[1].digest}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)

    def test_27_get_manifest_by_tag_200(self):
        self.assertTrue(self.tag, "setup did not push the tag")
        resp = self.get(f"/v2/{self.name}/manifests/{self.tag}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)

    # Error codes

    @peer_bug("treats sha256:totallywrong as a tag and answers 500 UNKNOWN")
    def test_30_400_body_is_oci_error_json(self):
        # the suite sends a GET with a body to an invalid digest reference
        resp = self.req("GET", f"/v2/{self.name}/manifests/sha256:totallywrong", INVALID_MANIFEST,
                        {"Content-Type": OCI_MANIFEST})
        self.assertStatus(resp, 400, 404)
        if resp.status == 400:
            self.assertError(resp, 400, SPEC_ERROR_CODES)

    # Teardown (deleteManifestBeforeBlobs is the suite's default)

    def test_90_teardown(self):
        d = self.data
        for m in (d.manifests[0], d.manifests[1]):
            resp = self.delete(f"/v2/{self.name}/manifests/{m.digest}")
            if resp.status != 405:
                self.assert2xx(resp, "Delete manifest created in setup")
        for b in (d.configs[0], d.configs[1], d.layer):
            resp = self.delete(f"/v2/{self.name}/blobs/{b.digest}")
            if resp.status not in (404, 405):
                self.assert2xx(resp, "Delete blob created in setup")


class PullTest(RegistryTestCase):
    """What the spec says pulled content looks like, beyond the suite's status checks."""

    def test_api_root(self):
        resp = self.get("/v2/")
        self.assertStatus(resp, 200)
        self.assertHeader(resp, API_VERSION_HEADER, API_VERSION)

    def test_unknown_endpoint(self):
        for target in ("/v2/nothing", "/v2/a/b/unknown/x", "/v2/a/tags/list/extra"):
            for method in ("GET", "HEAD"):
                with self.subTest(f"{method} {target}"):
                    self.assertError(self.req(method, target), 404, SPEC_ERROR_CODES)
        self.assertAlive()

    def test_wrong_methods(self):
        repo = unique_repo("pull")
        img = self.push_image(repo, "v1")
        for method, target in (("DELETE", "/v2/"), ("POST", f"/v2/{repo}/manifests/v1"),
                               ("DELETE", f"/v2/{repo}/tags/list"), ("PATCH", f"/v2/{repo}/manifests/v1"),
                               ("PUT", f"/v2/{repo}/blobs/{img.digest}")):
            with self.subTest(f"{method} {target}"):
                peer_skip_case(self, target, {"/v2/": "routes /v2/ for any method (200)"})
                resp = self.req(method, target, b"" if method in ("POST", "PATCH", "PUT") else None)
                self.assertError(resp, (400, 404, 405), SPEC_ERROR_CODES)
        self.assertAlive()

    @requires("healthz")
    def test_healthz(self):
        self.assertStatus(self.get("/healthz"), 200)

    def test_blob_get_and_head_headers(self):
        repo = unique_repo("pull")
        img = self.push_image(repo, "v1", layer_size=3000)
        layer = img.layers[0]
        digest = sha256(layer)
        resp = self.get(f"/v2/{repo}/blobs/{digest}")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, layer, "GET blob must return the stored bytes")
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        self.assertHeader(resp, "Content-Length", str(len(layer)))
        resp = self.head(f"/v2/{repo}/blobs/{digest}")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, b"", "HEAD has no body")
        self.assertHeader(resp, "Content-Length", str(len(layer)), "HEAD should give the blob size")
        self.assertHeader(resp, "Docker-Content-Digest", digest)

    def test_manifest_get_and_head_headers(self):
        repo = unique_repo("pull")
        img = self.push_image(repo, "v1")
        for ref in ("v1", img.digest):
            resp = self.get(f"/v2/{repo}/manifests/{ref}", {"Accept": ACCEPT_ALL})
            self.assertStatus(resp, 200)
            self.assertEqual(resp.body, img.manifest, "the manifest bytes exactly as pushed")
            self.assertHeader(resp, "Content-Type", OCI_MANIFEST)
            self.assertHeader(resp, "Docker-Content-Digest", img.digest)
            resp = self.head(f"/v2/{repo}/manifests/{ref}", {"Accept": ACCEPT_ALL})
            self.assertStatus(resp, 200)
            self.assertEqual(resp.body, b"")
            self.assertHeader(resp, "Content-Type", OCI_MANIFEST)
            self.assertHeader(resp, "Docker-Content-Digest", img.digest)
            self.assertHeader(resp, "Content-Length", str(len(img.manifest)))

    def test_manifest_404_codes(self):
        repo = unique_repo("pull")
        self.push_image(repo, "v1")
        self.assertError(self.get(f"/v2/{repo}/manifests/nosuchtag"), 404, "MANIFEST_UNKNOWN")
        self.assertError(self.get(f"/v2/{repo}/manifests/{DUMMY_DIGEST}"), 404, "MANIFEST_UNKNOWN")
        self.assertError(self.head(f"/v2/{repo}/manifests/nosuchtag"), 404, "MANIFEST_UNKNOWN")
        # an invalid tag is still a manifest that is not there (the suite's .INVALID_MANIFEST_NAME)
        self.assertStatus(self.get(f"/v2/{repo}/manifests/{NONEXISTENT_MANIFEST}"), 404)

    def test_unknown_repository(self):
        repo = unique_repo("never-pushed")
        self.assertError(self.get(f"/v2/{repo}/manifests/latest"), 404, {"NAME_UNKNOWN", "MANIFEST_UNKNOWN"})
        self.assertError(self.get(f"/v2/{repo}/blobs/{DUMMY_DIGEST}"), 404, {"NAME_UNKNOWN", "BLOB_UNKNOWN"})

    def test_blob_404_code(self):
        repo = unique_repo("pull")
        self.push_image(repo, "v1")
        self.assertError(self.get(f"/v2/{repo}/blobs/{DUMMY_DIGEST}"), 404, "BLOB_UNKNOWN")

    def test_blob_bytes_are_what_the_digest_names(self):
        repo = unique_repo("pull")
        img = self.push_image(repo, "v1", n_layers=3, layer_size=10_000)
        for blob in img.blobs:
            self.assertBlob(repo, sha256(blob), blob)


if __name__ == "__main__":
    unittest.main()
