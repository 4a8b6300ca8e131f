"""Retention rules end to end (docs/retention.md): images pushed with skopeo under several tags
(versions, a plain tag, a cosign-style signature tag) and OCI referrers pushed by digest; one
tag pulled. `regmirror retention --dry-run` changes nothing, the real run removes exactly the
tags the rule does not keep, and a GC run of serve (which applies the rule again first) removes
the manifests left untagged and their bytes, while the kept images still pull whole.

Run by hand:  cd tests/retention && REGMIRROR_BIN=$PWD/../../build/src/cli/regmirror python3 -m unittest -v test_retention
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "robustness"))
sys.path.insert(0, os.path.join(HERE, "..", "events"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from robustness_harness import (ServerCase, content, free_port, image_config, open_db_readonly,  # noqa: E402
                                regmirror_binary, sha256)
from test_events import write_hello_image  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

CONFIG = """\
gc:
  schedule: ""
  grace: 1s
retention:
  rules:
    - repositories: app
      keep_semver: ">=2.0.0"
      keep_tags: stable
      keep_pulled_within: 1h
events:
  endpoints:
    - name: nobody
      url: http://127.0.0.1:{port}/hook
      secret: retention-test
      timeout: 1s
"""


def attached(digest, suffix):
    """The cosign tag of what belongs to the manifest `digest`."""
    return digest.replace(":", "-") + suffix


class Retention(ServerCase):
    def setUp(self):
        super().setUp()
        self.server = self.new_server(config_text=CONFIG.format(port=free_port()), log_level="info")
        self.server.start()
        self.client = self.server.client()
        self.policy = os.path.join(self.workdir, "policy.json")
        with open(self.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        self.layers = {}  # repo:tag -> the layer digest of its image
        self.sizes = {}  # manifest digest -> its size (a GET would count as a pull)

    def skopeo(self, source, destination):
        subprocess.run(["skopeo", "--policy", self.policy, "copy", "--quiet", "--src-tls-verify=false",
                        "--dest-tls-verify=false", source, destination],
                       check=True, timeout=60, stdin=subprocess.DEVNULL, capture_output=True)

    def push(self, repo, tag, seed):
        layout = os.path.join(self.workdir, f"layout-{seed}")
        digest = write_hello_image(layout, tag, seed)
        with open(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            manifest = f.read()
        self.layers[f"{repo}:{tag}"] = json.loads(manifest)["layers"][0]["digest"]
        self.sizes[digest] = len(manifest)
        self.skopeo(f"oci:{layout}:{tag}", f"docker://127.0.0.1:{self.server.port}/{repo}:{tag}")
        return digest

    def pull(self, repo, tag):
        target = os.path.join(self.workdir, f"pulled-{repo.replace('/', '-')}-{tag}")
        self.skopeo(f"docker://127.0.0.1:{self.server.port}/{repo}:{tag}", f"oci:{target}:{tag}")

    def push_referrer(self, repo, subject, seed):
        """An OCI artifact whose subject is the manifest `subject`, pushed by digest."""
        blobs = [b"{}", content(seed, 64)]
        for blob in blobs:
            status, _, body = self.client.post_upload(repo, sha256(blob), blob)
            self.assertEqual(status, 201, body)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "artifactType": "application/vnd.example.sbom",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(blobs[0]), "size": 2},
            "layers": [{"mediaType": "text/plain", "digest": sha256(blobs[1]), "size": len(blobs[1])}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": self.sizes[subject]},
        }).encode()
        status, _, body = self.client.put_manifest(repo, sha256(manifest), manifest)
        self.assertEqual(status, 201, body)
        return sha256(manifest)

    def tags(self, repo):
        status, _, body = self.client.request("GET", f"/v2/{repo}/tags/list")
        self.assertEqual(status, 200, body)
        return set(json.loads(body)["tags"] or [])

    def pull_times(self):
        db = open_db_readonly(os.path.join(self.server.storage, "metadata.sqlite"))
        try:
            return dict(db.execute("SELECT m.digest, m.last_pulled_at FROM manifests m JOIN repositories r "
                                   "ON r.id = m.repository_id WHERE r.name = 'app'").fetchall())
        finally:
            db.close()

    def retention(self, *flags):
        config = os.path.join(self.workdir, "config.yaml")
        done = subprocess.run([regmirror_binary(), "retention", "--config", config, "--storage",
                               self.server.storage, *flags],
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def stored(self, digest):
        hex_digits = digest.split(":")[1]
        return os.path.exists(os.path.join(self.server.storage, "blobs", "sha256", hex_digits[:2], hex_digits))

    def test_rules_remove_exactly_the_tags_they_do_not_keep_then_gc_frees_their_bytes(self):
        v1 = self.push("app", "v1.0.0", 1)
        v2 = self.push("app", "v2.0.0", 2)
        self.push("app", "stable", 3)
        pulled = self.push("app", "pulled", 4)
        old = self.push("app", "old", 5)
        self.push("other", "old", 6)  # no rule names it
        v2_sig = self.push("app", attached(v2, ".sig"), 7)
        v1_sig = self.push("app", attached(v1, ".sig"), 8)
        kept_referrer = self.push_referrer("app", v2, 10)
        dropped_referrer = self.push_referrer("app", v1, 11)

        self.pull("app", "pulled")
        deadline = time.monotonic() + 10  # the recorder writes every 5 s
        while self.pull_times().get(pulled, 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        times = self.pull_times()
        self.assertGreater(times[pulled], 0, "the pull was never recorded")
        self.assertEqual([d for d, t in times.items() if t and d != pulled], [], "pushes count as pulls")

        everything = {"v1.0.0", "v2.0.0", "stable", "pulled", "old", attached(v2, ".sig"), attached(v1, ".sig")}
        self.assertEqual(self.tags("app"), everything)
        dry = json.loads(self.retention("--dry-run", "--json"))
        self.assertTrue(dry["dry_run"])
        gone = {"v1.0.0", "old", attached(v1, ".sig")}
        self.assertEqual({t["tag"] for t in dry["tags"]}, gone)
        self.assertEqual(dry["tags_kept"], 4)
        reasons = {t["tag"]: t["reason"] for t in dry["tags"]}
        self.assertEqual(reasons[attached(v1, ".sig")], f"belongs to {v1}, which is not kept")
        self.assertIn("never pulled", reasons["old"])
        self.assertEqual(self.tags("app"), everything, "the dry run changed something")

        text = self.retention()
        self.assertRegex(text, re.compile(r"^removed tag app:old \(sha256:[0-9a-f]{64}\): kept by no criterion", re.M))
        self.assertIn("removed 3 tags, kept 4", text)
        # Another process wrote: serve's read cache notices within cache.metadata_staleness (100ms).
        time.sleep(0.3)
        left = everything - gone
        self.assertEqual(self.tags("app"), left)
        self.assertEqual(self.tags("other"), {"old"})

        # Serve's GC applies the rule first: a tag pushed now that it does not keep goes too.
        late = self.push("app", "late", 9)
        time.sleep(2.2)  # past gc.grace for every push
        status, _, body = self.client.request("POST", "/regmirror/v1/gc", body=b"{}")
        self.assertEqual(status, 200, body)
        report = json.loads(body)
        self.assertEqual([(t["repository"], t["tag"], t["digest"]) for t in report["tags"]], [("app", "late", late)])
        self.assertEqual(set(report["manifests"]),
                         {f"app@{d}" for d in (v1, old, v1_sig, dropped_referrer, late)})
        self.assertEqual(self.tags("app"), left)
        for tag in ("v1.0.0", "old", "late"):
            self.assertFalse(self.stored(self.layers[f"app:{tag}"]), f"the layer of {tag} is still stored")
        for tag in ("v2.0.0", "stable", "pulled"):
            self.assertTrue(self.stored(self.layers[f"app:{tag}"]), f"the layer of {tag} is gone")

        status, _, body = self.client.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertRegex(body.decode(), re.compile(r"^regmirror_retention_tags_removed_total 1$", re.M))
        self.assert_delete_event("app", "late", late)

        # What is kept pulls whole: images, the signature, the referrer through its subject.
        for tag in ("v2.0.0", "stable", "pulled", attached(v2, ".sig")):
            self.pull("app", tag)
        self.pull("other", "old")
        status, _, body = self.client.request("GET", f"/v2/app/referrers/{v2}")
        self.assertEqual(status, 200, body)
        self.assertEqual([m["digest"] for m in json.loads(body)["manifests"]], [kept_referrer])
        self.assertEqual(self.client.get_manifest("app", kept_referrer)[0], 200)
        self.assertEqual(self.client.get_manifest("app", v2_sig)[0], 200)

    def test_a_configuration_without_rules_is_refused(self):
        config = os.path.join(self.workdir, "no-rules.yaml")
        with open(config, "w") as f:
            f.write("gc: {grace: 1s}\n")
        done = subprocess.run([regmirror_binary(), "retention", "--config", config, "--storage",
                               self.server.storage], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
        self.assertEqual((done.returncode, done.stdout), (2, ""))
        self.assertIn("has no retention.rules", done.stderr)

    def assert_delete_event(self, repo, tag, digest):
        """The tag delete event retention's removal emitted, as the outbox holds it."""
        deadline = time.monotonic() + 5
        while True:
            db = open_db_readonly(os.path.join(self.server.storage, "metadata.sqlite"))
            try:
                rows = db.execute("SELECT repository, payload FROM events WHERE action = 'delete'").fetchall()
            finally:
                db.close()
            # A row holds the event's JSON in distribution's form, then (after a newline) in
            # CloudEvents', each without its leading {"id":... member (events/event.cc).
            events = [(repository, json.loads('{"id":"0"' + payload.split("\n", 1)[0])["target"])
                      for repository, payload in rows]
            if events or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual([(r, e.get("tag"), e.get("digest")) for r, e in events], [(repo, tag, digest)])


if __name__ == "__main__":
    unittest.main()
