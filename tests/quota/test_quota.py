"""Quotas (docs/quotas.md): a 3 MiB quota on team/**, filled by skopeo until it refuses; each
way bytes arrive (a monolithic POST, a streamed PATCH, a PUT, a mount, a manifest) refused over
the limit with the spec's DENIED body and nothing left behind; usage in GET
/regmirror/v1/status counting a blob once however many repositories link it; pushes outside
the namespace unlimited; after a delete and a GC run, usage drops and pushes pass again. With
auth on, only auth.admins read the status.

Run by hand:  cd tests/quota && REGMIRROR_BIN=$PWD/../../build/src/cli/regmirror python3 -m unittest -v test_quota
"""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "robustness"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from oci_layout import write_oci_layout  # noqa: E402
from robustness_harness import Server, location_path, regmirror_binary, sha256  # noqa: E402

MIB = 1 << 20
LIMIT = 3 * MIB
GRACE_SECONDS = 1
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = f"""quotas:
  - repositories: team/**
    limit: 3MiB
gc:
  schedule: ""
  grace: {GRACE_SECONDS}s
"""


def write_random_image(directory, tag, seed, layer_bytes):
    """An image of one incompressible layer of about `layer_bytes` in an OCI layout;
    returns (manifest digest, layer digest, layer size)."""
    return write_oci_layout(directory, tag, f"random-{seed}", os.urandom(layer_bytes))


def raw_request(port, head, body_pieces):
    """Sends `head` and then the pieces of a body, stopping when the server closes; returns
    (status, body) of the response it sent, which may come before the body is all sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for piece in body_pieces:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                response += data
        except ConnectionResetError:
            pass
    header, _, body = response.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    return status, body


@unittest.skipUnless(shutil.which("skopeo"), "skopeo is not installed")
class Quotas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-quota-")
        cls.server = Server(cls.workdir, config_text=CONFIG, log_level="info").start()
        cls.client = cls.server.client()
        cls.policy = os.path.join(cls.workdir, "policy.json")
        with open(cls.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)

    @classmethod
    def tearDownClass(cls):
        if cls.server.running():
            cls.server.terminate()
        if not os.environ.get("KEEP"):
            shutil.rmtree(cls.workdir, ignore_errors=True)

    def skopeo_push(self, layout, tag, repo):
        return subprocess.run(
            ["skopeo", "--policy", self.policy, "copy", "--quiet", "--dest-tls-verify=false",
             "--retry-times", "0", f"oci:{layout}:{tag}",
             f"docker://127.0.0.1:{self.server.port}/{repo}:{tag}"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    def status(self):
        status, _, body = self.client.request("GET", "/regmirror/v1/status")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def team_usage(self):
        quotas = self.status()["quotas"]
        self.assertEqual([q["namespace"] for q in quotas], ["team/**"])
        self.assertEqual(quotas[0]["limit_bytes"], LIMIT)
        return quotas[0]["used_bytes"]

    def assert_denied(self, status, body):
        self.assertEqual(status, 403, body)
        errors = json.loads(body)["errors"]
        self.assertEqual(len(errors), 1, body)
        self.assertEqual(errors[0]["code"], "DENIED")
        self.assertIn("quota team/** exceeded", errors[0]["message"])
        self.assertIn(f"configured upper limit of {LIMIT} bytes", errors[0]["message"])
        self.assertEqual(errors[0]["detail"], "team/**")

    def assert_nothing_left(self, digest, storage_before):
        status, _, _ = self.client.head_blob("team/raw", digest)
        self.assertEqual(status, 404)
        self.assertEqual(self.status()["storage"], storage_before)
        status, _, _ = self.client.request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_quota(self):
        # --- skopeo fills team/** until the quota refuses: 1.2 MiB a push.
        images = []
        for n in range(3):
            layout = os.path.join(self.workdir, f"layout-{n}")
            images.append((layout, *write_random_image(layout, f"v{n}", n, 1200 * 1024)))
        for n in (0, 1):
            pushed = self.skopeo_push(images[n][0], f"v{n}", "team/app")
            self.assertEqual(pushed.returncode, 0, pushed.stderr)
        pushed_two = self.team_usage()
        self.assertGreater(pushed_two, 2 * 1200 * 1024)
        self.assertGreater(pushed_two, LIMIT - 1200 * 1024)  # a third will not fit
        refused = self.skopeo_push(images[2][0], "v2", "team/app/nested")
        self.assertNotEqual(refused.returncode, 0, refused.stdout)
        self.assertIn("denied", refused.stderr.lower())
        self.assertIn("quota team/** exceeded", refused.stderr)
        status, _, _ = self.client.head_blob("team/app/nested", images[2][2])
        self.assertEqual(status, 404)
        used = self.team_usage()  # the config blob may have gone in before the layer
        self.assertLess(used - pushed_two, 1024)

        storage = self.status()["storage"]
        room = LIMIT - used
        big = os.urandom(room + 1)
        big_digest = sha256(big)

        # --- a monolithic POST over the limit: refused on its Content-Length.
        status, _, body = self.client.post_upload("team/raw", big_digest, big)
        self.assert_denied(status, body)
        self.assert_nothing_left(big_digest, storage)

        # --- a PATCH streamed in chunks, no length announced: refused once past the room.
        status, headers, body = self.client.post_upload("team/raw")
        self.assertEqual(status, 202, body)
        location = location_path(headers)
        head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        # Longer than the room by more than what the server reads at once (1 MiB): refused
        # while the body still streams.
        stream = big + os.urandom(4 * MIB)
        chunks = [stream[i:i + 64 * 1024] for i in range(0, len(stream), 64 * 1024)]
        pieces = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks]
        status, body = raw_request(self.server.port, head, pieces + [b"0\r\n\r\n"])
        self.assert_denied(status, body)
        status, _, _ = self.client.upload_status(location)
        self.assertEqual(status, 404, "the refused upload session is gone")
        self.assert_nothing_left(big_digest, storage)

        # --- a PUT over the limit, after a PATCH that fit.
        status, headers, body = self.client.post_upload("team/raw")
        self.assertEqual(status, 202, body)
        status, headers, body = self.client.patch(location_path(headers), big[:1024], 0)
        self.assertEqual(status, 202, body)
        status, _, body = self.client.put_upload(location_path(headers), big_digest, big[1024:])
        self.assert_denied(status, body)
        self.assert_nothing_left(big_digest, storage)

        # --- a chunked upload of a blob the namespace holds already adds nothing: it passes,
        # full as the namespace is (a PATCH has no digest; the PUT finds the blob held).
        with open(os.path.join(images[0][0], "blobs", "sha256", images[0][2].split(":")[1]),
                  "rb") as f:
            held = f.read()
        status, headers, body = self.client.post_upload("team/copy")
        self.assertEqual(status, 202, body)
        status, headers, body = self.client.patch(location_path(headers), held, 0)
        self.assertEqual(status, 202, body)
        status, _, body = self.client.put_upload(location_path(headers), images[0][2], b"")
        self.assertEqual(status, 201, body)
        self.assertEqual(self.team_usage(), used)

        # --- a manifest whose own bytes would go over: its blobs are in the repository already.
        with open(os.path.join(images[0][0], "blobs", "sha256", images[0][1].split(":")[1]),
                  "rb") as f:
            manifest = json.load(f)
        manifest["annotations"] = {"padding": "x" * (room + 1)}
        status, _, body = self.client.put_manifest("team/app", "padded",
                                                   json.dumps(manifest).encode())
        self.assert_denied(status, body)
        self.assertEqual(self.team_usage(), used)

        # --- a push outside the namespace is not limited.
        pushed = self.skopeo_push(images[2][0], "v2", "other/app")
        self.assertEqual(pushed.returncode, 0, pushed.stderr)
        self.assertEqual(self.team_usage(), used)

        # --- mounts: a blob the namespace holds adds nothing, a new one counts.
        def mount(repo, digest, source):
            query = urllib.parse.urlencode({"mount": digest, "from": source})
            return self.client.request("POST", f"/v2/{repo}/blobs/uploads/?{query}")
        status, _, body = mount("team/copy", images[0][2], "team/app")
        self.assertEqual(status, 201, body)
        self.assertEqual(self.team_usage(), used, "a blob shared by two repositories counts once")
        status, _, body = mount("team/copy", images[2][2], "other/app")
        self.assert_denied(status, body)

        # --- metrics name the quota.
        status, _, body = self.client.request("GET", "/metrics")
        self.assertEqual(status, 200)
        metrics = body.decode()
        self.assertIn(f'regmirror_quota_limit_bytes{{quota="team/**"}} {LIMIT}\n', metrics)
        self.assertIn(f'regmirror_quota_used_bytes{{quota="team/**"}} {used}\n', metrics)
        denied = re.search(r'^regmirror_quota_denied_total\{quota="team/\*\*"\} (\d+)$', metrics,
                           re.MULTILINE)
        self.assertIsNotNone(denied, metrics)
        self.assertGreaterEqual(int(denied.group(1)), 6)  # skopeo's push may have been refused twice

        # --- deleted, then collected: usage drops and the refused push passes.
        for n in (0, 1):
            status, _, body = self.client.request(
                "DELETE", f"/v2/team/app/manifests/{images[n][1]}")
            self.assertEqual(status, 202, body)
        # GC compares whole seconds: past the grace by more than one.
        time.sleep(GRACE_SECONDS + 1.1)
        status, _, body = self.client.request("POST", "/regmirror/v1/gc")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.team_usage(), 0, body)
        runs = self.status()["gc"]
        self.assertEqual(runs[0]["result"], "ok")
        self.assertGreater(runs[0]["bytes_freed"], 2 * 1200 * 1024)
        pushed = self.skopeo_push(images[2][0], "v2", "team/app/nested")
        self.assertEqual(pushed.returncode, 0, pushed.stderr)
        self.assertGreater(self.team_usage(), 1200 * 1024)


class StatusAccess(unittest.TestCase):
    """With auth on, the status (every namespace's usage) is for auth.admins only."""

    def test_only_admins_read_the_status(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-quota-auth-")
        self.addCleanup(shutil.rmtree, workdir, True)
        htpasswd = os.path.join(workdir, "htpasswd")
        for user in ("alice", "bob"):
            subprocess.run([regmirror_binary(), "passwd", user, "--htpasswd", htpasswd,
                            "--password-stdin", "--cost", "4"], input=f"{user}-password",
                           text=True, check=True, timeout=30)
        config = (f"auth:\n  mode: basic\n  htpasswd: {htpasswd}\n  admins: [alice]\n"
                  "quotas: [{repositories: team/**, limit: 1MiB}]\n")
        server = Server(workdir, config_text=config).start()
        self.addCleanup(server.terminate)

        def status_as(user):
            headers = {}
            if user:
                token = base64.b64encode(f"{user}:{user}-password".encode()).decode()
                headers["Authorization"] = f"Basic {token}"
            return server.client().request("GET", "/regmirror/v1/status", headers=headers)

        self.assertEqual(status_as(None)[0], 401)
        self.assertEqual(status_as("bob")[0], 403)
        status, _, body = status_as("alice")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["quotas"],
                         [{"namespace": "team/**", "limit_bytes": MIB, "used_bytes": 0}])


if __name__ == "__main__":
    unittest.main()
