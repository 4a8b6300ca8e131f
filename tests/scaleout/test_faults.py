"""Faults under replicas on S3 + PostgreSQL (issue 12): the database restarted during pushes,
and the object store answering errors and slowly. A push fails cleanly or completes; nothing
half-written is ever visible; later pushes succeed.
"""

import os
import shutil
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from harness import (OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, add_query, descriptor,  # noqa: E402
                     image_config, image_manifest, regmirror_binary, request, sha256, unique_repo)
import replicas  # noqa: E402


def try_push(server, repo, tag):
    """Pushes a small image; returns (manifest digest, blobs) when every step answered 201,
    None when any step failed (an error status or no answer)."""
    config, layer = image_config(), os.urandom(50_000)
    try:
        for blob in (config, layer):
            resp = request(server, "POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(blob)), blob,
                           {"Content-Type": "application/octet-stream"}, timeout=60)
            if resp.status != 201:
                return None
        body = image_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER_GZIP, layer)])
        resp = request(server, "PUT", f"/v2/{repo}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST},
                       timeout=60)
        return (sha256(body), {sha256(config): config, sha256(layer): layer}) if resp.status == 201 else None
    except AssertionError:  # no complete HTTP response
        return None


class FaultCase(unittest.TestCase):
    def start_cluster(self, **kw):
        import tempfile

        self.workdir = tempfile.mkdtemp(prefix="regmirror-faults-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)  # after the kill
        self.cluster = replicas.Replicas(regmirror_binary(), self.workdir, **kw)
        self.cluster.tokens = {}
        self.addCleanup(self.cluster.kill)
        self.cluster.start()

    def assertConsistent(self, repo, tag, pushed):
        """The tag is absent, or names a manifest whose every blob is there, byte for byte."""
        resp = request(self.cluster, "GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
        if pushed is not None:
            self.assertEqual(resp.status, 200, f"{tag} was acknowledged but is gone:\n{resp}")
            self.assertEqual(resp.header("Docker-Content-Digest"), pushed[0])
        if resp.status == 404:
            return
        self.assertEqual(resp.status, 200, str(resp))
        import json

        manifest = json.loads(resp.body)
        for desc in [manifest["config"]] + manifest["layers"]:
            blob = request(self.cluster, "GET", f"/v2/{repo}/blobs/{desc['digest']}")
            self.assertEqual(blob.status, 200, f"{tag} names a manifest whose blob is missing:\n{blob}")
            self.assertEqual(sha256(blob.body), desc["digest"])


@unittest.skipUnless((os.environ.get("REGMIRROR_REPLICA_BACKENDS") or "s3+postgres") == "s3+postgres",
                     "needs PostgreSQL")
class DatabaseRestart(FaultCase):
    def test_pushes_during_a_database_restart(self):
        self.start_cluster()
        repo = unique_repo("pgrestart")
        outcomes, stop = {}, threading.Event()

        def pusher(worker):
            i = 0
            while not stop.is_set():
                tag = f"w{worker}-{i}"
                outcomes[tag] = try_push(self.cluster, repo, tag)
                i += 1

        threads = [threading.Thread(target=pusher, args=(w,)) for w in range(3)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        replicas.SharedBackends.get().restart_postgres()
        time.sleep(2.5)
        stop.set()
        for t in threads:
            t.join(timeout=120)

        succeeded = sum(1 for v in outcomes.values() if v is not None)
        print(f"pushes during the restart: {succeeded} completed, {len(outcomes) - succeeded} failed",
              file=sys.stderr)
        self.assertGreater(succeeded, 0, "no push went through at all")
        for tag, pushed in outcomes.items():
            self.assertConsistent(repo, tag, pushed)
        # Once the database is back, pushes succeed again (the pools reconnect on their own).
        for i in range(6):
            self.assertIsNotNone(try_push(self.cluster, repo, f"after-{i}"), f"push {i} after the restart failed")


class ObjectStoreFaults(FaultCase):
    """s3rver behind tests/fixtures/fault_proxy.py: errors and slowness for a while."""

    def start_with_faulty_store(self, *fault_args):
        shared = replicas.SharedBackends.get()
        self.proxy = shared.s3_fault_proxy(self.id(), list(fault_args))
        self.addCleanup(self.proxy.stop)
        self.start_cluster(s3_endpoint=self.proxy.endpoint)

    @unittest.skipUnless((os.environ.get("REGMIRROR_REPLICA_BACKENDS") or "s3+postgres") == "s3+postgres",
                         "needs S3")
    def test_errors_and_slowness_for_a_while_are_retried(self):
        # the first 4 requests to the store fail with 500, and every body crawls at 2 MB/s
        self.start_with_faulty_store("--fail-status", "500", "--fail-times", "4", "--fail-match", ".*",
                                     "--throttle", "2000000")
        repo = unique_repo("s3faults")
        for i in range(3):
            pushed = try_push(self.cluster, repo, f"t{i}")
            self.assertIsNotNone(pushed, f"push {i} failed although the store recovers")
            self.assertConsistent(repo, f"t{i}", pushed)
        self.assertEqual(self.proxy.faults(), 4, "the store's errors reached the replicas")

    @unittest.skipUnless((os.environ.get("REGMIRROR_REPLICA_BACKENDS") or "s3+postgres") == "s3+postgres",
                         "needs S3")
    def test_a_store_that_keeps_failing_fails_the_push_cleanly(self):
        self.start_with_faulty_store("--fail-status", "503", "--fail-times", "0", "--fail-match", ".*")
        repo = unique_repo("s3down")
        data = os.urandom(100_000)
        resp = request(self.cluster, "POST", add_query(f"/v2/{repo}/blobs/uploads/", digest=sha256(data)), data,
                       {"Content-Type": "application/octet-stream"}, timeout=120)
        self.assertGreaterEqual(resp.status, 500, str(resp))
        self.assertIn(b'"errors"', resp.body)
        self.assertEqual(request(self.cluster, "HEAD", f"/v2/{repo}/blobs/{sha256(data)}").status, 404)
        self.assertTrue(self.cluster.running(), "a failing store must not take a replica down")


if __name__ == "__main__":
    unittest.main()
