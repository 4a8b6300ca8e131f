"""Push: blob uploads (single POST, POST+PUT, streamed and chunked PATCH), upload sessions
(status, cancel), cross-repository mounts, digest checks, the empty blob.

ConformancePushTest follows conformance/02_push_test.go step by step; PushTest adds the rest.
"""

import threading
import unittest

from conformance_data import (EMPTY_LAYER_TAG, TEST_TAG, ConformanceData, go_descriptor, go_index)
from harness import (DUMMY_DIGEST, EMPTY_DIGEST, OCI_INDEX, OCI_MANIFEST, PEER, RegistryTestCase, add_query,
                     location, peer_bug, requires, sha256, unique_repo)

OCTET = {"Content-Type": "application/octet-stream"}


class ConformancePushTest(RegistryTestCase):
    """02_push_test.go: steps run in order and share state, as in the suite."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = ConformanceData()
        cls.name = f"conformance/{unique_repo('push')}"
        cls.crossmount = f"conformance-{unique_repo('mount')}"
        cls.last = None
        cls.prev = None
        cls.pushed = set()

    def remember(self, **kw):
        for k, v in kw.items():
            setattr(type(self), k, v)

    def populate(self, blob):
        post = self.post(f"/v2/{self.name}/blobs/uploads/")
        resp = self.put(add_query(location(post), digest=blob.digest), blob.content,
                        {**OCTET, "Content-Length": str(blob.length)})
        self.assert2xx(resp, f"upload {blob.digest}")

    # Setup

    def test_00_setup_empty_json_blob(self):
        self.assertEqual(self.data.empty_json.digest,
                         "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        self.populate(self.data.empty_json)

    def test_01_setup_ref_blobs(self):
        self.populate(self.data.ref_blob_a)
        # the dangling-subject artifact below lists this blob as its layer
        self.populate(self.data.ref_blob_b)

    # Blob Upload Streamed

    def test_10_patch_with_blob_in_body_202(self):
        resp = self.post(f"/v2/{self.name}/blobs/uploads/")
        location(resp)
        resp = self.patch(location(resp), self.data.blob_a.content, OCTET)
        self.assertStatus(resp, 202)
        self.remember(last=resp)

    def test_11_put_session_url_with_digest_201(self):
        self.assertIsNotNone(self.last, "no previous response")
        resp = self.put(add_query(location(self.last), digest=self.data.blob_a.digest), b"", OCTET)
        self.assertStatus(resp, 201)
        location(resp)

    # Blob Upload Monolithic

    def test_20_get_nonexistent_blob_404(self):
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{DUMMY_DIGEST}"), 404)

    def test_21_post_with_digest_and_blob_201_or_202(self):
        cfg = self.data.configs[1]
        resp = self.post(add_query(f"/v2/{self.name}/blobs/uploads/", digest=cfg.digest), cfg.content,
                         {**OCTET, "Content-Length": str(cfg.length)})
        location(resp)
        self.assertStatus(resp, 201, 202)
        self.remember(last=resp)

    def test_22_get_blob_200_or_404_by_previous_status(self):
        self.assertIsNotNone(self.last)
        resp = self.get(f"/v2/{self.name}/blobs/{self.data.configs[1].digest}")
        self.assertStatus(resp, 404 if self.last.status == 202 else 200)

    def test_23_post_yields_session(self):
        resp = self.post(f"/v2/{self.name}/blobs/uploads/")
        self.assertStatus(resp, 202)
        self.remember(last=resp)

    def test_24_put_blob_201(self):
        cfg = self.data.configs[1]
        resp = self.put(add_query(location(self.last), digest=cfg.digest), cfg.content,
                        {**OCTET, "Content-Length": str(cfg.length)})
        location(resp)
        self.assertStatus(resp, 201)

    def test_25_get_existing_blob_200(self):
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{self.data.configs[1].digest}"), 200)

    def test_26_put_layer_blob_201(self):
        post = self.post(f"/v2/{self.name}/blobs/uploads/")
        layer = self.data.layer
        resp = self.put(add_query(location(post), digest=layer.digest), layer.content,
                        {**OCTET, "Content-Length": str(layer.length)})
        location(resp)
        self.assertStatus(resp, 201)

    def test_27_get_existing_layer_200(self):
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{self.data.layer.digest}"), 200)

    # Blob Upload Chunked

    @peer_bug("2.8 accepts a chunk whose Content-Range does not start at the current offset")
    def test_30_out_of_order_chunk_416(self):
        resp = self.post(f"/v2/{self.name}/blobs/uploads/", b"", {"Content-Length": "0"})
        location(resp)
        min_len = resp.header("OCI-Chunk-Min-Length")
        if min_len:
            self.assertRegex(min_len, r"^[0-9]+$", f"OCI-Chunk-Min-Length must be a number:\n{resp}")
            if int(min_len) > len(self.data.chunk1):
                self.data.setup_chunked_blob(int(min_len) * 2 - 2)
        d = self.data
        resp = self.patch(location(resp), d.chunk2,
                          {**OCTET, "Content-Length": str(len(d.chunk2)), "Content-Range": d.chunk2_range})
        self.assertStatus(resp, 416)

    def test_31_first_chunk_202(self):
        d = self.data
        resp = self.post(f"/v2/{self.name}/blobs/uploads/", b"", {"Content-Length": "0"})
        location(resp)
        self.remember(prev=resp)
        resp = self.patch(location(resp), d.chunk1,
                          {**OCTET, "Content-Length": str(len(d.chunk1)), "Content-Range": d.chunk1_range})
        self.assertStatus(resp, 202)
        self.assertHeader(resp, "Range", d.chunk1_range)
        self.remember(last=resp)

    @peer_bug("2.8 answers 404 BLOB_UPLOAD_INVALID to a location whose _state is stale")
    def test_32_retry_previous_chunk_416(self):
        d = self.data
        resp = self.patch(location(self.prev), d.chunk1,
                          {**OCTET, "Content-Length": str(len(d.chunk1)), "Content-Range": d.chunk1_range})
        self.assertStatus(resp, 416)

    @peer_bug("2.8 answers 404 BLOB_UPLOAD_INVALID to a location whose _state is stale")
    def test_33_get_stale_upload_204_with_range_and_location(self):
        resp = self.get(location(self.prev))
        self.assertStatus(resp, 204)
        location(resp)
        self.assertHeader(resp, "Range", self.data.chunk1_range)
        self.remember(last=resp)

    def test_34_second_chunk_202(self):
        d = self.data
        resp = self.patch(location(self.last), d.chunk2,
                          {"Content-Length": str(len(d.chunk2)), "Content-Range": d.chunk2_range, **OCTET})
        self.assertStatus(resp, 202)
        self.assertHeader(resp, "Range", f"0-{d.blob_b.length - 1}")
        location(resp)
        self.remember(last=resp)

    def test_35_put_with_digest_201(self):
        resp = self.put(add_query(location(self.last), digest=self.data.blob_b.digest), b"",
                        {"Content-Length": "0", **OCTET})
        self.assertStatus(resp, 201)
        location(resp)

    # Cross-Repository Blob Mount

    def test_40_mount_without_from_yields_session(self):
        resp = self.post(add_query(f"/v2/{self.crossmount}/blobs/uploads/", mount=DUMMY_DIGEST))
        self.assertStatus(resp, 202)
        location(resp)

    def test_41_mount_from_other_repository_201_or_202(self):
        resp = self.post(add_query(f"/v2/{self.crossmount}/blobs/uploads/", mount=self.data.blob_a.digest,
                                   **{"from": self.name}))
        self.assertStatus(resp, 201, 202)
        self.remember(last=resp)

    def test_42_get_mounted_blob_200(self):
        if self.last.status != 201:
            self.skipTest("mount answered 202")
        self.assertEqual(location(self.last), f"/v2/{self.crossmount}/blobs/{self.data.blob_a.digest}",
                         f"the Location of a mounted blob:\n{self.last}")
        self.assertStatus(self.get(location(self.last)), 200)

    def test_43_unmounted_yields_session_location(self):
        if self.last.status != 202:
            self.skipTest("mount answered 201")
        self.assertTrue(location(self.last).startswith(f"/v2/{self.crossmount}/blobs/uploads/"), str(self.last))

    # Manifest Upload

    def test_50_get_nonexistent_manifest_404(self):
        self.assertStatus(self.get(f"/v2/{self.name}/manifests/.INVALID_MANIFEST_NAME"), 404)

    def test_51_put_manifest_under_four_tags(self):
        for i in range(4):
            resp = self.put(f"/v2/{self.name}/manifests/test{i}", self.data.manifests[1].content,
                            {"Content-Type": OCI_MANIFEST})
            location(resp)
            self.assertStatus(resp, 201)

    def test_52_manifest_with_no_layers(self):
        resp = self.put(f"/v2/{self.name}/manifests/{EMPTY_LAYER_TAG}", self.data.empty_layer_manifest.content,
                        {"Content-Type": OCI_MANIFEST})
        if resp.status == 201:
            location(resp)
            self.pushed.add("emptylayer")
        elif PEER:
            print(f"WARNING: image manifest with no layers is not supported: {resp.status}")
        else:
            self.fail(f"regmirror must accept an image manifest with no layers:\n{resp}")

    def test_53_get_manifest_by_digest_200(self):
        resp = self.get(f"/v2/{self.name}/manifests/{self.data.manifests[1].digest}", {"Accept": OCI_MANIFEST})
        self.assertStatus(resp, 200)

    def test_54_artifact_with_config_media_type(self):
        m = self.data.artifact_config_type
        self.assert2xx(self.put(f"/v2/{self.name}/manifests/{m.digest}", m.content, {"Content-Type": OCI_MANIFEST}),
                       "PUT manifest fails")
        self.pushed.add("configtype")

    def test_55_artifact_with_artifact_type(self):
        m = self.data.artifact_type_manifest
        self.assert2xx(self.put(f"/v2/{self.name}/manifests/{m.digest}", m.content, {"Content-Type": OCI_MANIFEST}),
                       "PUT manifest fails")
        self.pushed.add("artifacttype")

    def test_56_image_index(self):
        d = self.data
        self.populate(d.configs[0])
        resp = self.put(f"/v2/{self.name}/manifests/{TEST_TAG}", d.manifests[0].content, {"Content-Type": OCI_MANIFEST})
        self.assert2xx(resp)
        index = go_index([go_descriptor(OCI_MANIFEST, d.manifests[0])], artifact_type="application/vnd.food.stand",
                         annotations={"org.opencontainers.conformance.test": "test index"})
        resp = self.put(f"/v2/{self.name}/manifests/{index.digest}", index.content, {"Content-Type": OCI_INDEX})
        self.assert2xx(resp, "PUT index fails")
        self.remember(index=index)

    def test_57_nested_image_index(self):
        index = getattr(type(self), "index", None)
        self.assertIsNotNone(index, "the index step did not run")
        nested = go_index([go_descriptor(OCI_INDEX, index)], artifact_type="application/vnd.food.stand",
                          annotations={"org.opencontainers.conformance.test": "test index"})
        resp = self.put(f"/v2/{self.name}/manifests/{nested.digest}", nested.content, {"Content-Type": OCI_INDEX})
        self.assert2xx(resp, "PUT index fails")

    def test_58_dangling_subject(self):
        m = self.data.ref_c_layer
        resp = self.put(f"/v2/{self.name}/manifests/{m.digest}", m.content, {"Content-Type": OCI_MANIFEST})
        self.assert2xx(resp, "PUT manifest with 'dangling' subject fails, but must not")
        if PEER:
            self.skipTest("docker-registry 2.8 does not process subject (no OCI-Subject header)")
        # the stored suite matches ^[a-f0-9]+:[a-f0-9]+$, which no "sha256:..." can match; the
        # intent (and 03_discovery's check) is the subject's digest
        self.assertRegex(resp.header("OCI-Subject") or "", r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
                         f"PUT manifest with subject must return OCI-Subject:\n{resp}")
        self.assertHeader(resp, "OCI-Subject", self.data.manifests[3].digest)

    # Teardown

    def test_90_teardown(self):
        d = self.data
        refs = [d.manifests[1].digest]
        if "configtype" in self.pushed:
            refs.append(d.artifact_config_type.digest)
        if "artifacttype" in self.pushed:
            refs.append(d.artifact_type_manifest.digest)
        if "emptylayer" in self.pushed:
            refs.append(d.empty_layer_manifest.digest)
        for ref in refs:
            resp = self.delete(f"/v2/{self.name}/manifests/{ref}")
            if resp.status != 405:
                self.assert2xx(resp, "Delete manifest created in tests")
        for blob in (d.configs[1], d.layer, d.empty_json):
            resp = self.delete(f"/v2/{self.name}/blobs/{blob.digest}")
            if resp.status not in (404, 405):
                self.assert2xx(resp, "Delete blob created in tests")


class PushTest(RegistryTestCase):

    def session(self, repo):
        resp = self.post(f"/v2/{repo}/blobs/uploads/", b"", {"Content-Length": "0"})
        self.assertStatus(resp, 202)
        return resp

    def chunk(self, target, data, first, headers=None):
        h = {**OCTET, "Content-Range": f"{first}-{first + len(data) - 1}"}
        h.update(headers or {})
        return self.patch(target, data, h)

    # monolithic

    @requires("single_post")
    def test_single_post_with_digest(self):
        repo, data = unique_repo("push"), b"single request upload " * 50
        digest = sha256(data)
        resp = self.post(add_query(f"/v2/{repo}/blobs/uploads/", digest=digest), data, OCTET)
        self.assertStatus(resp, 201)
        self.assertEqual(location(resp), f"/v2/{repo}/blobs/{digest}", f"Location is the blob URL:\n{resp}")
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        self.assertBlob(repo, digest, data)

    def test_post_then_put(self):
        repo, data = unique_repo("push"), b"post then put " * 100
        digest = sha256(data)
        post = self.session(repo)
        resp = self.put(add_query(location(post), digest=digest), data, OCTET)
        self.assertStatus(resp, 201)
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        self.assertStatus(self.get(location(resp)), 200, msg="the Location of a completed upload is pullable")
        self.assertBlob(repo, digest, data)

    def test_reupload_existing_blob(self):
        repo, data = unique_repo("push"), b"twice"
        digest = self.upload_blob(repo, data)
        self.assertEqual(self.upload_blob(repo, data), digest)
        self.assertBlob(repo, digest, data)

    # chunked

    def test_chunked_with_content_range(self):
        repo = unique_repo("push")
        parts = [b"a" * 1000, b"b" * 777, b"c" * 5]
        data = b"".join(parts)
        loc, offset = location(self.session(repo)), 0
        for part in parts:
            resp = self.chunk(loc, part, offset)
            self.assertStatus(resp, 202)
            offset += len(part)
            self.assertHeader(resp, "Range", f"0-{offset - 1}")
            loc = location(resp)
        resp = self.put(add_query(loc, digest=sha256(data)), b"", {"Content-Length": "0"})
        self.assertStatus(resp, 201)
        self.assertBlob(repo, sha256(data), data)

    @peer_bug("2.8 accepts a chunk whose Content-Range does not start at the current offset")
    def test_out_of_order_chunk_then_continue(self):
        repo = unique_repo("push")
        data = b"0123456789" * 10
        loc = location(self.session(repo))
        self.assertStatus(self.chunk(loc, data[50:], 50), 416)
        resp = self.chunk(loc, data[:50], 0)
        self.assertStatus(resp, 202, msg="a 416 leaves the session usable")
        self.assertStatus(self.chunk(location(resp), data[:50], 0), 416, msg="a chunk sent twice")
        self.assertStatus(self.chunk(location(resp), data[60:], 60), 416, msg="a gap")
        status = self.get(location(resp))
        self.assertStatus(status, 204)
        self.assertHeader(status, "Range", "0-49", "refused chunks add nothing")
        resp = self.chunk(location(status), data[50:], 50)
        self.assertStatus(resp, 202)
        resp = self.put(add_query(location(resp), digest=sha256(data)))
        self.assertStatus(resp, 201)
        self.assertBlob(repo, sha256(data), data)

    @peer_bug("2.8 ignores a malformed Content-Range and appends the chunk")
    def test_malformed_content_range(self):
        repo = unique_repo("push")
        loc = location(self.session(repo))
        for bad in ("abc", "0-", "-5", "5-2", "0-4/10"):
            resp = self.patch(loc, b"hello", {**OCTET, "Content-Range": bad})
            self.assertStatus(resp, 400, 416, msg=f"Content-Range: {bad}")
        resp = self.patch(loc, b"hello", {**OCTET, "Content-Range": "0-9"})
        self.assertStatus(resp, 400, 416, msg="Content-Range longer than the body")
        status = self.get(loc)
        self.assertStatus(status, 204)
        self.assertIn(status.header("Range"), (None, "0-0", "0--1"), f"nothing was accepted:\n{status}")
        self.assertAlive()

    def test_patch_without_content_range_appends(self):
        repo = unique_repo("push")
        parts = [b"stream-one|", b"stream-two|", b"stream-three"]
        data = b"".join(parts)
        loc, offset = location(self.session(repo)), 0
        for part in parts:
            resp = self.patch(loc, part, OCTET)
            self.assertStatus(resp, 202)
            offset += len(part)
            self.assertHeader(resp, "Range", f"0-{offset - 1}")
            loc = location(resp)
        self.assertStatus(self.put(add_query(loc, digest=sha256(data))), 201)
        self.assertBlob(repo, sha256(data), data)

    def test_final_chunk_in_put(self):
        repo = unique_repo("push")
        data = b"x" * 300 + b"y" * 200
        resp = self.chunk(location(self.session(repo)), data[:300], 0)
        self.assertStatus(resp, 202)
        resp = self.put(add_query(location(resp), digest=sha256(data)), data[300:],
                        {**OCTET, "Content-Range": "300-499"})
        self.assertStatus(resp, 201)
        self.assertBlob(repo, sha256(data), data)

    def test_upload_status(self):
        repo = unique_repo("push")
        post = self.session(repo)
        resp = self.chunk(location(post), b"z" * 100, 0)
        self.assertStatus(resp, 202)
        status = self.get(location(resp))
        self.assertStatus(status, 204)
        self.assertEqual(status.body, b"")
        self.assertHeader(status, "Range", "0-99")
        location(status)
        self.assertTrue(status.header("Docker-Upload-UUID"), f"status names the session:\n{status}")
        if post.header("Docker-Upload-UUID"):
            self.assertEqual(status.header("Docker-Upload-UUID"), post.header("Docker-Upload-UUID"))

    @peer_bug("2.8 answers BLOB_UPLOAD_INVALID, not BLOB_UPLOAD_UNKNOWN, for an unknown session")
    def test_unknown_upload(self):
        repo = unique_repo("push")
        self.upload_blob(repo, b"make the repository exist")
        target = f"/v2/{repo}/blobs/uploads/00000000-0000-4000-8000-000000000000"
        self.assertError(self.get(target), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertError(self.patch(target, b"abc", OCTET), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertError(self.put(add_query(target, digest=sha256(b"abc")), b"abc", OCTET), 404,
                         "BLOB_UPLOAD_UNKNOWN")

    def test_cancel_upload(self):
        repo = unique_repo("push")
        data = b"to be cancelled"
        resp = self.chunk(location(self.session(repo)), data, 0)
        self.assertStatus(resp, 202)
        loc = location(resp)
        self.assertStatus(self.delete(loc), 204)
        self.assertError(self.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertError(self.patch(loc, b"more", OCTET), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertError(self.put(add_query(loc, digest=sha256(data))), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertNoBlob(repo, sha256(data))

    def test_completed_upload_is_closed(self):
        repo = unique_repo("push")
        data = b"complete me"
        loc = location(self.session(repo))
        self.assertStatus(self.put(add_query(loc, digest=sha256(data)), data, OCTET), 201)
        self.assertError(self.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
        self.assertError(self.patch(loc, b"more", OCTET), 404, "BLOB_UPLOAD_UNKNOWN")

    def test_session_belongs_to_its_repository(self):
        repo_a, repo_b = unique_repo("push-a"), unique_repo("push-b")
        self.upload_blob(repo_b, b"b exists")
        loc = location(self.session(repo_a))
        other = loc.replace(f"/v2/{repo_a}/", f"/v2/{repo_b}/", 1)
        self.assertNotEqual(loc, other)
        resp = self.patch(other, b"smuggled", OCTET)
        self.assertError(resp, (400, 404), {"BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID"})
        resp = self.put(add_query(other, digest=sha256(b"smuggled")), b"smuggled", OCTET)
        self.assertError(resp, (400, 404), {"BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID"})
        self.assertNoBlob(repo_b, sha256(b"smuggled"))

    # digests

    def test_wrong_digest_on_completion(self):
        repo = unique_repo("push")
        data, claimed = b"these are the real bytes", sha256(b"something else")
        resp = self.put(add_query(location(self.session(repo)), digest=claimed), data, OCTET)
        self.assertError(resp, 400, "DIGEST_INVALID")
        self.assertNoBlob(repo, claimed)
        self.assertNoBlob(repo, sha256(data))

    def test_wrong_digest_after_chunks(self):
        repo = unique_repo("push")
        data = b"chunked then wrong"
        resp = self.chunk(location(self.session(repo)), data, 0)
        self.assertStatus(resp, 202)
        claimed = sha256(data + b"!")
        self.assertError(self.put(add_query(location(resp), digest=claimed)), 400, "DIGEST_INVALID")
        self.assertNoBlob(repo, claimed)
        self.assertNoBlob(repo, sha256(data))

    @requires("single_post")
    def test_wrong_digest_single_post(self):
        repo = unique_repo("push")
        self.upload_blob(repo, b"repository exists")
        data, claimed = b"single post, wrong digest", sha256(b"not it")
        resp = self.post(add_query(f"/v2/{repo}/blobs/uploads/", digest=claimed), data, OCTET)
        self.assertError(resp, 400, "DIGEST_INVALID")
        self.assertNoBlob(repo, claimed)
        self.assertNoBlob(repo, sha256(data))

    def test_malformed_digest_on_completion(self):
        repo = unique_repo("push")
        for bad in ("sha256:xyz", "sha256:" + "0" * 63, "notadigest", "sha256:" + "A" * 64):
            resp = self.put(add_query(location(self.session(repo)), digest=bad), b"abc", OCTET)
            self.assertError(resp, 400, {"DIGEST_INVALID", "UNSUPPORTED"})

    def test_put_without_digest(self):
        repo = unique_repo("push")
        resp = self.put(location(self.session(repo)), b"abc", OCTET)
        self.assertError(resp, 400, {"DIGEST_INVALID", "BLOB_UPLOAD_INVALID"})

    # the empty blob

    def test_empty_blob_post_put(self):
        repo = unique_repo("push")
        resp = self.put(add_query(location(self.session(repo)), digest=EMPTY_DIGEST), b"",
                        {**OCTET, "Content-Length": "0"})
        self.assertStatus(resp, 201)
        resp = self.get(f"/v2/{repo}/blobs/{EMPTY_DIGEST}")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.body, b"")
        self.assertHeader(resp, "Content-Length", "0")
        resp = self.head(f"/v2/{repo}/blobs/{EMPTY_DIGEST}")
        self.assertStatus(resp, 200)
        self.assertHeader(resp, "Content-Length", "0")

    @requires("single_post")
    def test_empty_blob_single_post(self):
        repo = unique_repo("push")
        resp = self.post(add_query(f"/v2/{repo}/blobs/uploads/", digest=EMPTY_DIGEST), b"", OCTET)
        self.assertStatus(resp, 201)
        self.assertBlob(repo, EMPTY_DIGEST, b"")

    # mounts

    def test_mount_201(self):
        src, dst = unique_repo("mount-src"), unique_repo("mount-dst")
        data = b"mount me " * 20
        digest = self.upload_blob(src, data)
        self.upload_blob(dst, b"dst exists")
        resp = self.post(add_query(f"/v2/{dst}/blobs/uploads/", mount=digest, **{"from": src}))
        self.assertStatus(resp, 201)
        self.assertEqual(location(resp), f"/v2/{dst}/blobs/{digest}", f"Location of the mounted blob:\n{resp}")
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        self.assertBlob(dst, digest, data)
        self.assertBlob(src, digest, data)

    def test_mount_into_new_repository(self):
        src, dst = unique_repo("mount-src"), unique_repo("mount-new")
        digest = self.upload_blob(src, b"mounted into a repository that does not exist yet")
        resp = self.post(add_query(f"/v2/{dst}/blobs/uploads/", mount=digest, **{"from": src}))
        self.assertStatus(resp, 201)
        self.assertBlob(dst, digest, b"mounted into a repository that does not exist yet")

    def test_mount_fallback_202_then_upload(self):
        src, dst = unique_repo("mount-src"), unique_repo("mount-dst")
        self.upload_blob(src, b"src holds something else")
        data = b"not in src"
        digest = sha256(data)
        for query in ({"mount": digest, "from": src},                        # source lacks it
                      {"mount": digest, "from": unique_repo("no-such-repo")}):  # source missing
            resp = self.post(add_query(f"/v2/{dst}/blobs/uploads/", **query))
            self.assertStatus(resp, 202, msg="not mountable: a session begins")
            loc = location(resp)
            self.assertTrue(loc.startswith(f"/v2/{dst}/blobs/uploads/"), f"session in the target:\n{resp}")
        self.assertStatus(self.put(add_query(loc, digest=digest), data, OCTET), 201)
        self.assertBlob(dst, digest, data)
        self.assertNoBlob(src, digest)

    def test_mount_does_not_leak_from_unrelated_repository(self):
        src, other, dst = unique_repo("mount-src"), unique_repo("mount-other"), unique_repo("mount-dst")
        digest = self.upload_blob(other, b"only in other")
        self.upload_blob(src, b"src exists")
        resp = self.post(add_query(f"/v2/{dst}/blobs/uploads/", mount=digest, **{"from": src}))
        if resp.status == 201:
            self.fail(f"mounted from {src}, which does not hold the blob:\n{resp}")
        self.assertStatus(resp, 202)

    # concurrency

    def test_concurrent_uploads_of_one_blob(self):
        repo = unique_repo("push")
        data = bytes(range(256)) * 2000
        digest = sha256(data)
        results = []

        def one():
            try:
                post = request_start(self, repo)
                resp = self.put(add_query(location(post), digest=digest), data, OCTET)
                results.append(resp.status)
            except AssertionError as e:
                results.append(str(e))

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results, [201] * 4)
        self.assertBlob(repo, digest, data)


def request_start(tc, repo):
    resp = tc.post(f"/v2/{repo}/blobs/uploads/")
    if resp.status != 202:
        raise AssertionError(str(resp))
    return resp


if __name__ == "__main__":
    unittest.main()
