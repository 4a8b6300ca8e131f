"""Manifests: PUT/GET/HEAD/DELETE by tag and digest for the four media types, exact bytes,
reference checks, validation errors, size limit, deletes.

ConformanceManagementTest follows conformance/04_management_test.go step by step.
"""

import json
import unittest

from conformance_data import INVALID_MANIFEST, ConformanceData
from harness import (ACCEPT_ALL, DOCKER_CONFIG, DOCKER_FOREIGN_LAYER, DOCKER_LIST, DOCKER_MANIFEST,
                     DUMMY_DIGEST, MiB, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD,
                     OCI_MANIFEST, OCI_NONDIST_GZIP, SPEC_ERROR_CODES, RegistryTestCase, add_query,
                     compact_json, descriptor, image_config, image_index, image_manifest, location, peer_bug,
                     peer_skip_case, requires, sha256, unique_repo)

PLATFORM = {"architecture": "amd64", "os": "linux"}


class ManifestTest(RegistryTestCase):

    def assertServed(self, repo, ref, body, media_type):
        digest = sha256(body)
        resp = self.get(f"/v2/{repo}/manifests/{ref}", {"Accept": ACCEPT_ALL})
        self.assertStatus(resp, 200, msg=f"GET manifest {ref}")
        self.assertEqual(resp.body, body, f"the manifest must come back byte for byte:\n{resp}")
        self.assertHeader(resp, "Content-Type", media_type)
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        resp = self.head(f"/v2/{repo}/manifests/{ref}", {"Accept": ACCEPT_ALL})
        self.assertStatus(resp, 200, msg=f"HEAD manifest {ref}")
        self.assertEqual(resp.body, b"")
        self.assertHeader(resp, "Content-Type", media_type)
        self.assertHeader(resp, "Docker-Content-Digest", digest)
        self.assertHeader(resp, "Content-Length", str(len(body)))

    def assertPutCreated(self, repo, ref, body, media_type):
        resp = self.put_manifest(repo, ref, body, media_type)
        self.assertStatus(resp, 201, msg=f"PUT {media_type}")
        self.assertHeader(resp, "Docker-Content-Digest", sha256(body))
        self.assertStatus(self.get(location(resp), {"Accept": ACCEPT_ALL}), 200,
                          msg="the Location of a pushed manifest is pullable")
        return resp

    def assertNothingVisible(self, repo, body, tag=None):
        self.assertNoManifest(repo, sha256(body))
        if tag:
            self.assertNoManifest(repo, tag)
            tags = self.get(f"/v2/{repo}/tags/list")
            if tags.status == 200:
                self.assertNotIn(tag, tags.json().get("tags") or [], str(tags))

    # ---- the four media types

    def test_oci_manifest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        body = image_manifest(descriptor(OCI_CONFIG, img.config),
                              [descriptor(OCI_LAYER_GZIP, layer) for layer in img.layers],
                              annotations={"k": "oci manifest"})
        self.assertPutCreated(repo, "v1", body, OCI_MANIFEST)
        self.assertServed(repo, "v1", body, OCI_MANIFEST)
        self.assertServed(repo, sha256(body), body, OCI_MANIFEST)

    def test_docker_manifest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "v1", media_type=DOCKER_MANIFEST)
        self.assertServed(repo, "v1", img.manifest, DOCKER_MANIFEST)
        self.assertServed(repo, img.digest, img.manifest, DOCKER_MANIFEST)

    def test_oci_index(self):
        repo = unique_repo("man")
        a, b = self.push_image(repo), self.push_image(repo)
        body = image_index([a.desc(platform=PLATFORM), b.desc(platform={"architecture": "arm64", "os": "linux"})])
        self.assertPutCreated(repo, "multi", body, OCI_INDEX)
        self.assertServed(repo, "multi", body, OCI_INDEX)
        self.assertServed(repo, sha256(body), body, OCI_INDEX)

    def test_docker_manifest_list(self):
        repo = unique_repo("man")
        a = self.push_image(repo, media_type=DOCKER_MANIFEST)
        b = self.push_image(repo, media_type=DOCKER_MANIFEST)
        body = image_index([a.desc(platform=PLATFORM), b.desc(platform={"architecture": "s390x", "os": "linux"})],
                           media_type=DOCKER_LIST)
        self.assertPutCreated(repo, "list", body, DOCKER_LIST)
        self.assertServed(repo, "list", body, DOCKER_LIST)
        self.assertServed(repo, sha256(body), body, DOCKER_LIST)

    # ---- by digest, exact bytes

    def test_put_by_digest(self):
        repo = unique_repo("man")
        img = self.push_image(repo)  # pushes by digest
        self.assertServed(repo, img.digest, img.manifest, OCI_MANIFEST)
        tags = self.get(f"/v2/{repo}/tags/list")
        if tags.status == 200:
            self.assertEqual(tags.json().get("tags") or [], [], f"a push by digest creates no tag:\n{tags}")

    def test_digest_mismatch_on_put_by_digest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        body = image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(OCI_LAYER_GZIP, img.layers[0])],
                              annotations={"k": "mismatch"})
        wrong = sha256(body + b" ")
        resp = self.put_manifest(repo, wrong, body)
        self.assertError(resp, 400, "DIGEST_INVALID")
        self.assertNoManifest(repo, wrong)
        self.assertNoManifest(repo, sha256(body))

    def test_bytes_are_kept_exactly(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        cfg, layer = descriptor(OCI_CONFIG, img.config), descriptor(OCI_LAYER_GZIP, img.layers[0])
        variants = [
            compact_json({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cfg, "layers": [layer]}),
            # odd key order, whitespace, escapes, non-ASCII, unknown fields, data: null, trailing newline
            ('{ "layers" : [ %s ] ,\r\n  "config":%s, "schemaVersion":2,\n\t"mediaType": "%s",'
             ' "annotations": {"t\\u00e9st": "\u00fcn\u00efc\u00f8d\u00e9 \\" \\/ \U0001F600"},'
             ' "x-unknown": {"nested": [1, 2.50, null, true]}}\n'
             % (json.dumps({**layer, "data": None, "newUnspecifiedField": None}), json.dumps(cfg), OCI_MANIFEST)
             ).encode(),
        ]
        for i, body in enumerate(variants):
            self.assertPutCreated(repo, f"exact{i}", body, OCI_MANIFEST)
            self.assertServed(repo, f"exact{i}", body, OCI_MANIFEST)
            self.assertServed(repo, sha256(body), body, OCI_MANIFEST)

    def test_content_type_is_the_pushed_media_type_for_one_digest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "v1")
        self.assertServed(repo, "v1", img.manifest, OCI_MANIFEST)
        resp = self.get(f"/v2/{repo}/manifests/v1", {"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        self.assertStatus(resp, 200)
        self.assertHeader(resp, "Content-Type", OCI_MANIFEST)

    # ---- references

    def test_index_referencing_missing_child(self):
        # spec 1.1: a manifest rejected because it references a manifest or blob that does not
        # exist "MUST result in one or more MANIFEST_BLOB_UNKNOWN errors" (404 is PUT's failure status)
        repo = unique_repo("man")
        present = self.push_image(repo)
        missing = descriptor(OCI_MANIFEST, b'{"not": "pushed"}', platform=PLATFORM)
        body = image_index([present.desc(platform=PLATFORM), missing])
        resp = self.put_manifest(repo, "broken", body, OCI_INDEX)
        self.assertError(resp, (400, 404), "MANIFEST_BLOB_UNKNOWN")
        self.assertNothingVisible(repo, body, "broken")

    def test_manifest_missing_config_or_layer(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        ghost = b"never uploaded"
        cases = {
            "noconfig": image_manifest(descriptor(OCI_CONFIG, ghost), [descriptor(OCI_LAYER_GZIP, img.layers[0])]),
            "nolayer": image_manifest(descriptor(OCI_CONFIG, img.config),
                                      [descriptor(OCI_LAYER_GZIP, img.layers[0]), descriptor(OCI_LAYER_GZIP, ghost)]),
        }
        for tag, body in cases.items():
            resp = self.put_manifest(repo, tag, body)
            self.assertError(resp, (400, 404), "MANIFEST_BLOB_UNKNOWN")
            self.assertNothingVisible(repo, body, tag)

    def test_blob_of_another_repository_is_not_enough(self):
        repo, other = unique_repo("man"), unique_repo("man-other")
        img = self.push_image(other, "v1")
        self.upload_blob(repo, b"repository exists")
        resp = self.put_manifest(repo, "borrowed", img.manifest)
        self.assertError(resp, (400, 404), "MANIFEST_BLOB_UNKNOWN")
        self.assertNothingVisible(repo, img.manifest, "borrowed")

    def test_nondistributable_layers_with_urls_need_not_exist(self):
        repo = unique_repo("man")
        config = image_config()
        self.upload_blob(repo, config)
        foreign = b"foreign layer bytes that were never pushed"
        body = image_manifest(descriptor(OCI_CONFIG, config),
                              [descriptor(OCI_NONDIST_GZIP, foreign, urls=["https://example.com/layer.tar.gz"])])
        self.assertPutCreated(repo, "nondist", body, OCI_MANIFEST)
        self.assertServed(repo, "nondist", body, OCI_MANIFEST)
        dconfig = image_config()
        self.upload_blob(repo, dconfig)
        body = image_manifest(descriptor(DOCKER_CONFIG, dconfig),
                              [descriptor(DOCKER_FOREIGN_LAYER, foreign, urls=["https://example.com/layer.tar.gz"])],
                              media_type=DOCKER_MANIFEST)
        self.assertPutCreated(repo, "foreign", body, DOCKER_MANIFEST)
        self.assertServed(repo, "foreign", body, DOCKER_MANIFEST)

    def test_layer_media_types(self):
        # the same layer under each layer media type the OCI image spec defines
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        for i, mt in enumerate((OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_NONDIST_GZIP)):
            body = image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(mt, img.layers[0])])
            self.assertPutCreated(repo, f"mt{i}", body, OCI_MANIFEST)

    def test_empty_config_and_no_layers(self):
        repo = unique_repo("man")
        self.upload_blob(repo, b"{}")
        body = image_manifest(descriptor("application/vnd.oci.empty.v1+json", b"{}"), [],
                              artifact_type="application/vnd.example.thing")
        self.assertPutCreated(repo, "artifact", body, OCI_MANIFEST)
        self.assertServed(repo, "artifact", body, OCI_MANIFEST)

    # ---- invalid manifests

    def test_invalid_manifests(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        cfg, layer = descriptor(OCI_CONFIG, img.config), descriptor(OCI_LAYER_GZIP, img.layers[0])
        good = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cfg, "layers": [layer]}
        cases = {
            "garbage": INVALID_MANIFEST,
            "truncated": compact_json(good)[:-7],
            "array": b"[]",
            "string": b'"manifest"',
            "nul": compact_json(good)[:20] + b"\x00" + compact_json(good)[20:],
            "badutf8": compact_json({**good, "annotations": {"k": "v"}}).replace(b'"v"', b'"\xff\xfe"'),
            "schema1": compact_json({**good, "schemaVersion": 1}),
            "noschema": compact_json({k: v for k, v in good.items() if k != "schemaVersion"}),
            "noconfig": compact_json({k: v for k, v in good.items() if k != "config"}),
            "layersobj": compact_json({**good, "layers": {"a": layer}}),
            "sizestr": compact_json({**good, "config": {**cfg, "size": "12"}}),
        }
        peer_fails = {"badutf8": "accepts invalid UTF-8", "schema1": "answers 500", "noschema": "answers 500",
                      "noconfig": "answers DIGEST_INVALID"}
        for tag, body in cases.items():
            with self.subTest(tag):
                peer_skip_case(self, tag, peer_fails)
                resp = self.put_manifest(repo, tag, body)
                self.assertError(resp, 400, "MANIFEST_INVALID")
                self.assertNothingVisible(repo, body, tag)
        self.assertAlive()

    def test_invalid_descriptor_digest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        for tag, dg in (("shortdigest", "sha256:abc"), ("nodigest", "nonsense"), ("upper", "sha256:" + "A" * 64)):
            body = compact_json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                 "config": descriptor(OCI_CONFIG, img.config),
                                 "layers": [descriptor(OCI_LAYER_GZIP, digest=dg, size=10)]})
            with self.subTest(tag):
                peer_skip_case(self, tag, {"shortdigest": "answers 500"})
                resp = self.put_manifest(repo, tag, body)
                self.assertError(resp, 400, {"MANIFEST_INVALID", "DIGEST_INVALID"})
                self.assertNothingVisible(repo, body, tag)

    def test_400_body_conforms(self):
        # conformance (07_error_codes / early 01_pull): PUT to an invalid digest reference
        repo = unique_repo("man")
        self.push_image(repo, "seed")
        resp = self.put_manifest(repo, "sha256:totallywrong", INVALID_MANIFEST)
        self.assertError(resp, 400, SPEC_ERROR_CODES)

    def test_invalid_references_on_put(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        # the endpoint table gives 404 as PUT's failure; 400 names the problem better
        for ref in (".hidden", "-dash", "a" * 129, "sha256:zz", "tag%20space", "t@g"):
            with self.subTest(ref):
                peer_skip_case(self, ref, {"sha256:zz": "answers 500"})
                resp = self.put_manifest(repo, ref, img.manifest)
                self.assertError(resp, (400, 404), {"TAG_INVALID", "MANIFEST_INVALID", "DIGEST_INVALID",
                                                    "NAME_INVALID", "MANIFEST_UNKNOWN"})
                if not ref.startswith("sha256:"):
                    self.assertNoManifest(repo, ref)

    def test_longest_tag(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")
        tag = "T_" + "x" * 126
        self.assertEqual(len(tag), 128)
        self.assertPutCreated(repo, tag, img.manifest, OCI_MANIFEST)
        self.assertServed(repo, tag, img.manifest, OCI_MANIFEST)

    @requires("manifest_limit")
    def test_size_limit(self):
        # spec: support pushes of at least 4 MB; refuse larger ones with 413
        repo = unique_repo("man")
        img = self.push_image(repo, "seed")

        def padded(total):
            base = image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(OCI_LAYER_GZIP, img.layers[0])],
                                  annotations={"pad": ""}, encode=compact_json)
            return image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(OCI_LAYER_GZIP, img.layers[0])],
                                  annotations={"pad": "p" * (total - len(base))}, encode=compact_json)

        four = padded(4 * MiB)
        self.assertEqual(len(four), 4 * MiB)
        self.assertPutCreated(repo, "fourmib", four, OCI_MANIFEST)
        self.assertServed(repo, "fourmib", four, OCI_MANIFEST)
        over = padded(4 * MiB + 1)
        resp = self.put_manifest(repo, "overfour", over)
        self.assertError(resp, 413, "SIZE_INVALID")
        self.assertNothingVisible(repo, over, "overfour")

    # ---- tags and deletes

    def test_tag_moves_and_shares(self):
        repo = unique_repo("man")
        a, b = self.push_image(repo, "a"), self.push_image(repo, "b")
        self.assertPutCreated(repo, "shared", a.manifest, OCI_MANIFEST)
        self.assertServed(repo, "shared", a.manifest, OCI_MANIFEST)
        self.assertPutCreated(repo, "shared", b.manifest, OCI_MANIFEST)
        self.assertServed(repo, "shared", b.manifest, OCI_MANIFEST)
        self.assertServed(repo, "a", a.manifest, OCI_MANIFEST)

    def test_delete_by_digest(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "v1")
        self.assertPutCreated(repo, "v1-alias", img.manifest, OCI_MANIFEST)
        keep = self.push_image(repo, "keep")
        self.assertStatus(self.delete(f"/v2/{repo}/manifests/{img.digest}"), 202)
        self.assertNoManifest(repo, img.digest)
        self.assertNoManifest(repo, "v1")
        self.assertNoManifest(repo, "v1-alias")
        resp = self.get(f"/v2/{repo}/tags/list")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json()["tags"], ["keep"], f"tags of a deleted manifest go with it:\n{resp}")
        self.assertServed(repo, "keep", keep.manifest, OCI_MANIFEST)
        self.assertError(self.delete(f"/v2/{repo}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")

    @peer_bug("2.8 cannot delete a tag: 400 DIGEST_INVALID")
    def test_delete_by_tag(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "v1")
        self.assertPutCreated(repo, "v2", img.manifest, OCI_MANIFEST)
        self.assertStatus(self.delete(f"/v2/{repo}/manifests/v1"), 202)
        self.assertNoManifest(repo, "v1")
        self.assertServed(repo, "v2", img.manifest, OCI_MANIFEST)
        self.assertServed(repo, img.digest, img.manifest, OCI_MANIFEST)
        resp = self.get(f"/v2/{repo}/tags/list")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json()["tags"], ["v2"])
        self.assertError(self.delete(f"/v2/{repo}/manifests/v1"), 404, "MANIFEST_UNKNOWN")

    def test_delete_unknown(self):
        repo = unique_repo("man")
        self.push_image(repo, "v1")
        self.assertError(self.delete(f"/v2/{repo}/manifests/{DUMMY_DIGEST}"), 404, "MANIFEST_UNKNOWN")
        self.assertStatus(self.delete(f"/v2/{unique_repo('nothing')}/manifests/{DUMMY_DIGEST}"), 404)

    def test_deleting_a_manifest_keeps_its_blobs_in_other_manifests(self):
        repo = unique_repo("man")
        img = self.push_image(repo, "v1")
        other = image_manifest(descriptor(OCI_CONFIG, img.config), [descriptor(OCI_LAYER_GZIP, img.layers[0])],
                               annotations={"other": "manifest"})
        self.assertPutCreated(repo, "v2", other, OCI_MANIFEST)
        self.assertStatus(self.delete(f"/v2/{repo}/manifests/{img.digest}"), 202)
        self.assertServed(repo, "v2", other, OCI_MANIFEST)
        self.assertBlob(repo, sha256(img.layers[0]), img.layers[0])


class ConformanceManagementTest(RegistryTestCase):
    """04_management_test.go: steps run in order and share state, as in the suite."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = ConformanceData()
        cls.name = f"conformance/{unique_repo('manage')}"
        cls.tag_to_delete = None
        cls.num_tags = None
        cls.blob_delete_allowed = True

    def populate(self, blob):
        post = self.post(f"/v2/{self.name}/blobs/uploads/")
        resp = self.put(add_query(location(post), digest=blob.digest), blob.content,
                        {"Content-Type": "application/octet-stream", "Content-Length": str(blob.length)})
        self.assert2xx(resp)

    def test_00_setup(self):
        self.populate(self.data.configs[3])
        self.populate(self.data.layer)
        type(self).tag_to_delete = "tagtest0"
        resp = self.put(f"/v2/{self.name}/manifests/tagtest0", self.data.manifests[3].content,
                        {"Content-Type": OCI_MANIFEST})
        self.assert2xx(resp, "Populate registry with test tag")
        resp = self.get(f"/v2/{self.name}/tags/list")
        self.assertStatus(resp, 200)
        type(self).num_tags = len(resp.json()["tags"])

    @peer_bug("2.8 refuses a tag delete with 400 DIGEST_INVALID, where the suite allows only UNSUPPORTED")
    def test_10_delete_tag_202_or_disallowed(self):
        resp = self.delete(f"/v2/{self.name}/manifests/{self.tag_to_delete}")
        self.assertStatus(resp, 400, 202, 405)
        if resp.status == 400:
            self.assertError(resp, 400, "UNSUPPORTED")

    def test_11_delete_manifest_by_digest(self):
        resp = self.delete(f"/v2/{self.name}/manifests/{self.data.manifests[3].digest}")
        self.assertStatus(resp, 202, 404)

    def test_12_get_deleted_manifest(self):
        resp = self.get(f"/v2/{self.name}/manifests/{self.data.manifests[3].digest}")
        self.assertStatus(resp, 404, 200)

    def test_13_tags_list_reflects_deletion(self):
        resp = self.get(f"/v2/{self.name}/tags/list")
        self.assertStatus(resp, 200)
        self.assertLess(len(resp.json().get("tags") or []), self.num_tags)

    def test_20_delete_blobs(self):
        resp = self.delete(f"/v2/{self.name}/blobs/{self.data.configs[3].digest}")
        self.assertStatus(resp, 202, 404, 405)
        resp = self.delete(f"/v2/{self.name}/blobs/{self.data.layer.digest}")
        self.assertStatus(resp, 202, 404, 405)
        if resp.status == 405:
            type(self).blob_delete_allowed = False

    def test_21_get_deleted_blob_404(self):
        if not self.blob_delete_allowed:
            self.skipTest("blob deletion is disallowed")
        self.assertStatus(self.get(f"/v2/{self.name}/blobs/{self.data.configs[3].digest}"), 404)


if __name__ == "__main__":
    unittest.main()
