"""Two `regmirror serve` processes on one storage directory, as replicas behind a load
balancer: what one writes, the other serves within `cache.metadata_staleness`
(docs/config.md), however much it cached before.

- A tag moved through A reads as moved through B within the bound (default 100 ms; the test
  allows 2 s), after B served the old digest many times; a tag deleted through A reads as
  unknown through B within the bound; a blob pushed through A is known to B at once (absence
  is never cached), so a manifest that references it can be pushed through B right away.
- With `metadata_staleness: 0ms`, B sees the move on its very next request.
- Through the same process, HEAD right after the PUT or DELETE already sees the change.
"""

import os
import time
import unittest

import robustness_harness as rh

REPO = "replicas/app"
BOUND = 0.1  # seconds: the default cache.metadata_staleness
MARGIN = 2.0  # what the test allows beyond it, for a loaded machine


class ReplicasTest(rh.ServerCase):
    def start_pair(self, config_text=None):
        storage = os.path.join(self.workdir, "storage")
        servers = []
        for name in ("a", "b"):
            workdir = os.path.join(self.workdir, name)
            os.makedirs(workdir)
            server = rh.Server(workdir, storage=storage, config_text=config_text)
            self.servers.append(server)
            servers.append(server.start())
        return servers

    def push_blob(self, server, data):
        digest = rh.sha256(data)
        self.expect(server, "POST ?digest=", self.call(server, server.client().post_upload, REPO, digest, data), 201)
        return digest, len(data)

    def push_image(self, server, seed, tag):
        """Pushes config, layer and manifest through `server`; returns the manifest digest."""
        config = self.push_blob(server, rh.image_config(seed))
        layer = self.push_blob(server, rh.content(seed, 1000))
        manifest = rh.image_manifest(config, [layer])
        self.expect(server, f"PUT manifest {tag}",
                    self.call(server, server.client().put_manifest, REPO, tag, manifest), 201)
        return rh.sha256(manifest)

    def head_digest(self, server, tag):
        status, headers, _ = self.call(server, server.client().request, "HEAD", f"/v2/{REPO}/manifests/{tag}",
                                       None, {"Accept": rh.OCI_MANIFEST})
        return headers.get("docker-content-digest") if status == 200 else status

    def wait_for(self, server, tag, expected):
        """Seconds until `server` answers `expected` for the tag (a digest, or 404)."""
        started = time.monotonic()
        while True:
            got = self.head_digest(server, tag)
            took = time.monotonic() - started
            if got == expected:
                return took
            if took > BOUND + MARGIN:
                self.fail(f"{tag} still reads {got} through the other process after {took:.2f}s, "
                          f"expected {expected} within {BOUND}s")
            time.sleep(0.005)

    def test_tag_moved_through_one_is_seen_through_the_other_within_the_bound(self):
        a, b = self.start_pair()
        first = self.push_image(a, "one", "latest")
        self.wait_for(b, "latest", first)
        for _ in range(50):  # B serves it from its cache now
            self.assertEqual(self.head_digest(b, "latest"), first)

        second = self.push_image(a, "two", "latest")
        self.assertNotEqual(first, second)
        self.assertEqual(self.head_digest(a, "latest"), second, "A must see its own write at once")
        self.wait_for(b, "latest", second)

        status, _, _ = self.call(a, a.client().request, "DELETE", f"/v2/{REPO}/manifests/latest")
        self.assertEqual(status, 202)
        self.assertEqual(self.head_digest(a, "latest"), 404, "A must see its own delete at once")
        self.wait_for(b, "latest", 404)

    def test_a_blob_pushed_through_one_can_be_referenced_through_the_other_at_once(self):
        a, b = self.start_pair()
        config = rh.image_config("mixed")
        layer = rh.content("mixed", 2000)
        for data in (config, layer):  # B answers "unknown" first, as a client checking would see
            status, _, _ = self.call(b, b.client().head_blob, REPO, rh.sha256(data))
            self.assertEqual(status, 404)
        pushed = [self.push_blob(a, config), self.push_blob(a, layer)]
        manifest = rh.image_manifest(pushed[0], [pushed[1]])
        self.expect(b, "PUT manifest through B right after the blobs went through A",
                    self.call(b, b.client().put_manifest, REPO, "mixed", manifest), 201)

    def test_zero_staleness_sees_the_other_process_at_once(self):
        a, b = self.start_pair("cache:\n  metadata_staleness: 0ms\n")
        first = self.push_image(a, "one", "latest")
        self.assertEqual(self.head_digest(b, "latest"), first)
        second = self.push_image(a, "two", "latest")
        self.assertEqual(self.head_digest(b, "latest"), second)


if __name__ == "__main__":
    unittest.main()
