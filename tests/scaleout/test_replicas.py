"""Replicas that share only their backends behave as one registry (issue 12).

Each test class runs a cluster of three `regmirror serve` behind HAProxy
(tests/fixtures/replicas.py; REGMIRROR_REPLICA_BACKENDS picks the backends, S3 + PostgreSQL by
default) and talks to single replicas directly where a test needs to say which one answers.
"""

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from harness import (OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, add_query, descriptor,  # noqa: E402
                     image_config, image_manifest, location, regmirror_binary, request, sha256,
                     unique_repo)
import cluster_case  # noqa: E402



class ClusterTestCase(cluster_case.ClusterTestCase):
    def assertStatus(self, resp, status):
        self.assertEqual(resp.status, status, str(resp))

    @staticmethod
    def start_patch(replica, target, length, first_bytes):
        """A PATCH of `length` bytes to `replica` of which only `first_bytes` are sent yet: the
        open connection, to send the rest on (or drop)."""
        conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=30)
        conn.putrequest("PATCH", target)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        conn.send(first_bytes)
        return conn

    def push_image(self, server, repo, tag, layer=None):
        """An image of one layer (`layer`, or 256 random bytes); the manifest's digest."""
        config = image_config()
        layer = layer if layer is not None else os.urandom(256)
        for blob in (config, layer):
            post = request(server, "POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(blob)), blob,
                           {"Content-Type": "application/octet-stream"})
            self.assertStatus(post, 201)
        body = image_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER_GZIP, layer)])
        put = request(server, "PUT", f"/v2/{repo}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST})
        self.assertStatus(put, 201)
        return sha256(body)


class StatelessUploads(ClusterTestCase):
    def test_upload_started_continued_and_finished_on_different_replicas(self):
        repo = unique_repo("scale")
        data = os.urandom(3 * 1024 * 1024 + 17)
        chunks = [data[:1024 * 1024], data[1024 * 1024:2 * 1024 * 1024], data[2 * 1024 * 1024:]]
        post = request(self.replica[0], "POST", f"/v2/{repo}/blobs/uploads/")
        self.assertStatus(post, 202)
        target, offset = location(post), 0
        for i, chunk in enumerate(chunks[:2]):
            # each chunk through another replica than the one before
            resp = request(self.replica[(i + 1) % 3], "PATCH", target, chunk, {
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
            self.assertStatus(resp, 202)
            offset += len(chunk)
            self.assertEqual(resp.header("Range"), f"0-{offset - 1}")
            target = location(resp)
        status = request(self.replica[0], "GET", target)
        self.assertStatus(status, 204)
        self.assertEqual(status.header("Range"), f"0-{offset - 1}")
        put = request(self.replica[0], "PUT", add_query(target, digest=sha256(data)), chunks[2],
                      {"Content-Type": "application/octet-stream"})
        self.assertStatus(put, 201)
        for r in self.replica:
            got = request(r, "GET", f"/v2/{repo}/blobs/{sha256(data)}")
            self.assertStatus(got, 200)
            self.assertEqual(got.body, data, f"replica {r.index} serves other bytes")

    def test_wrong_digest_on_another_replica_leaves_nothing(self):
        repo = unique_repo("scale")
        data = os.urandom(100_000)
        post = request(self.replica[1], "POST", f"/v2/{repo}/blobs/uploads/")
        patch = request(self.replica[2], "PATCH", location(post), data,
                        {"Content-Type": "application/octet-stream"})
        self.assertStatus(patch, 202)
        wrong = sha256(data + b"x")
        put = request(self.replica[0], "PUT", add_query(location(patch), digest=wrong))
        self.assertStatus(put, 400)
        for r in self.replica:
            self.assertStatus(request(r, "HEAD", f"/v2/{repo}/blobs/{wrong}"), 404)
            self.assertStatus(request(r, "HEAD", f"/v2/{repo}/blobs/{sha256(data)}"), 404)


@unittest.skipUnless((os.environ.get("REGMIRROR_REPLICA_BACKENDS") or "s3+postgres") == "s3+postgres",
                     "redirects need object storage")
class BlobRedirects(ClusterTestCase):
    """storage.s3.redirect: a blob GET is answered with 307 to a presigned URL of the bucket
    (the tests' S3 checks its signature), which the client fetches without credentials."""

    cluster_options = {"s3_redirect": True}

    def test_get_is_redirected_to_a_presigned_url_head_is_not(self):
        repo = unique_repo("redirect")
        data = os.urandom(300_000)
        post = request(self.cluster, "POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(data)),
                       data, {"Content-Type": "application/octet-stream"})
        self.assertStatus(post, 201)
        path = f"/v2/{repo}/blobs/{sha256(data)}"
        head = request(self.cluster, "HEAD", path)
        self.assertStatus(head, 200)
        self.assertEqual(head.header("Content-Length"), str(len(data)))
        got = request(self.cluster, "GET", path)
        self.assertStatus(got, 307)
        self.assertEqual(got.header("Docker-Content-Digest"), sha256(data))
        url = got.header("Location")
        self.assertIn("X-Amz-Signature=", url)
        with urllib.request.urlopen(url, timeout=30) as fetched:
            self.assertEqual(fetched.read(), data)
        ranged = request(self.cluster, "GET", path, headers={"Range": "bytes=1000-"})
        self.assertStatus(ranged, 307)
        with urllib.request.urlopen(urllib.request.Request(ranged.header("Location"),
                                                           headers={"Range": "bytes=1000-"}),
                                    timeout=30) as fetched:
            self.assertEqual(fetched.status, 206)
            self.assertEqual(fetched.read(), data[1000:])
        # A URL changed by hand is refused by the store.
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.replace("X-Amz-Expires=", "X-Amz-Expires=1"), timeout=30)
        self.assertEqual(refused.exception.code, 403)
        # A blob not in the repository is not redirected anywhere.
        self.assertStatus(request(self.cluster, "GET", f"/v2/{repo}/blobs/{sha256(data + b'x')}"), 404)

    @unittest.skipUnless(shutil.which("skopeo"), "skopeo not installed")
    def test_skopeo_follows_the_redirects(self):
        repo = unique_repo("redirect")
        layer = os.urandom(200_000)
        self.push_image(self.cluster, repo, "v1", layer)
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(["skopeo", "copy", "--src-tls-verify=false",
                            f"docker://127.0.0.1:{self.cluster.port}/{repo}:v1", f"dir:{out}/image"],
                           check=True, capture_output=True, timeout=120)
            with open(os.path.join(out, "image", sha256(layer).split(":")[1]), "rb") as f:
                self.assertEqual(f.read(), layer)


class TokensAcrossReplicas(ClusterTestCase):
    """With auth on and no auth.token.key, the replicas sign with one key (kept in the shared
    database, made by the first to start): a token one replica issues, every other accepts."""

    @classmethod
    def setUpClass(cls):
        cls.secrets = tempfile.mkdtemp(prefix="regmirror-scaleout-auth-")
        cls.addClassCleanup(shutil.rmtree, cls.secrets, ignore_errors=True)
        htpasswd = os.path.join(cls.secrets, "htpasswd")
        subprocess.run([regmirror_binary(), "passwd", "alice", "--htpasswd", htpasswd, "--password-stdin",
                        "--cost", "4"], input=b"wonderland", check=True, capture_output=True)
        cls.cluster_options = {"config": f"auth:\n  htpasswd: {htpasswd}\n"}
        super().setUpClass()

    def test_a_token_from_one_replica_opens_every_other(self):
        basic = "Basic " + base64.b64encode(b"alice:wonderland").decode()
        for issuer in self.replica:
            got = request(issuer, "GET", "/token?service=regmirror&scope=repository:team/app:pull,push",
                          headers={"Authorization": basic}, check_api_version=False)
            self.assertStatus(got, 200)
            token = json.loads(got.body)["token"]
            for other in self.replica:
                resp = request(other, "GET", "/v2/team/app/tags/list", headers={"Authorization": "Bearer " + token})
                self.assertIn(resp.status, (200, 404), f"replica {other.index} refuses replica {issuer.index}'s token:"
                                                         f"\n{resp}")
                self.assertEqual(request(other, "GET", "/v2/team/app/tags/list").status, 401)


class TagsAcrossReplicas(ClusterTestCase):
    def test_a_tag_written_on_one_replica_is_read_on_the_others_at_once(self):
        repo = unique_repo("scale")
        for round_ in range(10):
            writer = self.replica[round_ % 3]
            digest = self.push_image(writer, repo, "moving")
            for reader in self.replica:
                if reader is writer:
                    continue
                got = request(reader, "HEAD", f"/v2/{repo}/manifests/moving",
                              headers={"Accept": OCI_MANIFEST})
                self.assertStatus(got, 200)
                self.assertEqual(got.header("Docker-Content-Digest"), digest,
                                 f"round {round_}: replica {reader.index} serves a stale tag")

    def test_a_deleted_tag_is_gone_everywhere_at_once(self):
        repo = unique_repo("scale")
        self.push_image(self.replica[0], repo, "gone")
        for r in self.replica:  # warm every replica's cache
            self.assertStatus(request(r, "HEAD", f"/v2/{repo}/manifests/gone",
                                      headers={"Accept": OCI_MANIFEST}), 200)
        self.assertStatus(request(self.replica[1], "DELETE", f"/v2/{repo}/manifests/gone"), 202)
        for r in self.replica:
            self.assertStatus(request(r, "HEAD", f"/v2/{repo}/manifests/gone",
                                      headers={"Accept": OCI_MANIFEST}), 404)


class OneWriterPerUpload(ClusterTestCase):
    def test_a_second_replica_may_not_append_while_one_does(self):
        repo = unique_repo("scale")
        data = os.urandom(4 * 1024 * 1024)
        post = request(self.replica[0], "POST", f"/v2/{repo}/blobs/uploads/")
        target = location(post)
        # Replica 0 receives half of a PATCH's body and waits for the rest.
        conn = self.start_patch(self.replica[0], target, len(data), data[:len(data) // 2])
        time.sleep(0.3)
        other = request(self.replica[1], "PATCH", target, b"intruder", {"Content-Type": "application/octet-stream"})
        self.assertStatus(other, 400)
        self.assertIn(b"BLOB_UPLOAD_INVALID", other.body)
        conn.send(data[len(data) // 2:])
        first = conn.getresponse()
        first.read()
        conn.close()
        self.assertEqual(first.status, 202)
        put = request(self.replica[2], "PUT", add_query(first.getheader("Location"), digest=sha256(data)))
        self.assertStatus(put, 201)
        got = request(self.replica[1], "GET", f"/v2/{repo}/blobs/{sha256(data)}")
        self.assertEqual(got.body, data)


class ReplicaKilledMidUpload(ClusterTestCase):
    def test_upload_cut_by_sigkill_is_finished_through_another_replica(self):
        repo = unique_repo("scale")
        first = os.urandom(2 * 1024 * 1024)
        rest = os.urandom(6 * 1024 * 1024)
        data = first + rest
        post = request(self.replica[0], "POST", f"/v2/{repo}/blobs/uploads/")
        target = location(post)
        patch = request(self.replica[0], "PATCH", target, first, {"Content-Type": "application/octet-stream"})
        self.assertStatus(patch, 202)
        target = location(patch)

        # A second PATCH to replica 0 sends part of its body; the replica dies in the middle.
        conn = self.start_patch(self.replica[0], target, len(rest), rest[:3 * 1024 * 1024])
        time.sleep(0.3)
        self.cluster.kill_replica(0, signal.SIGKILL)
        conn.close()

        # The client asks another replica where the upload stands and resumes from there.
        status = request(self.replica[1], "GET", target)
        self.assertStatus(status, 204)
        end = int(status.header("Range").split("-")[1]) + 1
        self.assertEqual(end, len(first), "only what a finished request recorded is the upload")
        # The dead replica's claim on the upload lapses within 10 s (registry/upload_claim.h);
        # until then another replica refuses to append, as it does while a live one appends.
        deadline = time.monotonic() + 20
        while True:
            resp = request(self.replica[1], "PATCH", target, data[end:], {
                "Content-Type": "application/octet-stream", "Content-Range": f"{end}-{len(data) - 1}"})
            if resp.status != 400 or time.monotonic() > deadline:
                break
            self.assertIn(b"being written by another request", resp.body)
            time.sleep(0.5)
        self.assertStatus(resp, 202)
        put = request(self.replica[2], "PUT", add_query(location(resp), digest=sha256(data)))
        self.assertStatus(put, 201)
        got = request(self.replica[1], "GET", f"/v2/{repo}/blobs/{sha256(data)}")
        self.assertEqual(got.body, data)
        self.cluster.start()  # the dead replica comes back for the other tests and the stop


if __name__ == "__main__":
    unittest.main()
