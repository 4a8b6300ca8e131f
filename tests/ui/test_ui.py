"""The web UI in a real browser (docs/ui.md): a registry with auth on is filled with skopeo and
over HTTP, then tests/ui/browse.mjs drives Debian's chromium through npm puppeteer-core and
checks what the UI shows against the facts computed here: the multi-arch index's platforms and
layers, the signed image's referrer and signature tag, an image pulled through from a second
regmirror (the Mirrors view, its ImageDigestMirrorSet), 200 repositories to search and page,
what a pull-only `viewer` sees (not `secret/app`, no delete button) and what `admin` may do
(delete a tag through the confirmation dialog, which /v2 then confirms). Screenshots of every
view go to REGMIRROR_UI_ARTIFACTS.

Run by hand:  cd tests/ui && REGMIRROR_BIN=$PWD/../../build/src/cli/regmirror python3 -m unittest -v test_ui
(KEEP=1 keeps the work directory with the server log.)
"""

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "robustness"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from oci_images import (OCI_INDEX, OCI_MANIFEST, SPDX, cosign_signature, sha256,  # noqa: E402
                        spdx_referrer, write_multiarch_layout)
from oci_layout import write_oci_layout  # noqa: E402
from robustness_harness import Server, location_path, regmirror_binary  # noqa: E402

NPM_MODULES = "/usr/local/lib/regmirror-test-npm/node_modules"
CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "install the test dependencies with scripts/install-deps.sh --test"
PASSWORDS = {"admin": "admin-password", "viewer": "viewer-password"}
BULK_REPOSITORIES = 200
VICTIM = {"repository": "bulk/app-123", "tag": "old", "kept": "1.0"}
PLATFORMS = [{"os": "linux", "architecture": "amd64"},
             {"os": "linux", "architecture": "arm64", "variant": "v8"}]

# Rules only grant, so "viewer pulls everything but secret/**" is one rule per other namespace.
CONFIG = """auth:
  htpasswd: {htpasswd}
  admins: [admin]
  access:
    - repositories: "**"
      actions: [pull, push, delete]
      subjects: [admin]
    - repositories: team/**
      actions: pull
      subjects: [viewer]
    - repositories: bulk/**
      actions: pull
      subjects: [viewer]
    - repositories: hub/**
      actions: pull
      subjects: [viewer]
mirror:
  upstreams:
    - url: http://{upstream}
      prefix: hub
quotas:
  - repositories: bulk/**
    limit: 1GiB
gc:
  schedule: ""
"""


def missing_tools():
    missing = [tool for tool in ("node", "skopeo", "openssl") if not shutil.which(tool)]
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM)
    if not os.path.isdir(os.path.join(NPM_MODULES, "puppeteer-core")):
        missing.append(os.path.join(NPM_MODULES, "puppeteer-core"))
    return missing


class Registry:
    """HTTP/1.1 to the server as `admin` (Basic credentials, which token mode accepts on every
    request too) over one kept-alive connection: 200 repositories take a few hundred requests."""

    def __init__(self, port):
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"admin:{PASSWORDS['admin']}".encode()).decode()
        self.conn = None

    def request(self, method, path, body=b"", headers=None):
        for attempt in (1, 2):  # the server may close a kept-alive connection: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body,
                                  headers={"Authorization": self.auth, **(headers or {})})
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def expect(self, status, method, path, body=b"", headers=None):
        got, response_headers, data = self.request(method, path, body, headers)
        if got != status:
            raise AssertionError(f"{method} {path}: expected {status}, got {got} {data[:300]!r}")
        return response_headers, data

    def push_blob(self, repo, data):
        digest = sha256(data)
        self.expect(201, "POST", f"/v2/{repo}/blobs/uploads/?digest={urllib.parse.quote(digest)}",
                    data, {"Content-Type": "application/octet-stream"})

    def mount(self, repo, digest, source):
        headers, _ = self.expect(201, "POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={source}")
        return location_path(headers)

    def put_manifest(self, repo, reference, manifest, media_type=OCI_MANIFEST):
        headers, _ = self.expect(201, "PUT", f"/v2/{repo}/manifests/{reference}", manifest,
                                 {"Content-Type": media_type})
        return headers

    def manifest(self, repo, reference):
        accept = ", ".join([OCI_INDEX, OCI_MANIFEST])
        headers, data = self.expect(200, "GET", f"/v2/{repo}/manifests/{reference}", headers={"Accept": accept})
        return headers, data

    def json(self, path):
        return json.loads(self.expect(200, "GET", path)[1])


class BrowserUI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = missing_tools()
        if missing:
            raise AssertionError(f"missing {', '.join(missing)}: {INSTALL_HINT}")
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-ui-")
        cls.addClassCleanup(cls.remove_workdir)  # class cleanups run even when setUpClass fails
        cls.artifacts = os.environ.get("REGMIRROR_UI_ARTIFACTS") or os.path.join(cls.workdir, "artifacts")
        os.makedirs(cls.artifacts, exist_ok=True)
        htpasswd = os.path.join(cls.workdir, "htpasswd")
        for user, password in PASSWORDS.items():
            subprocess.run([regmirror_binary(), "passwd", user, "--htpasswd", htpasswd, "--password-stdin",
                            "--cost", "4"], input=password.encode(), check=True, capture_output=True)
        # A second regmirror (no auth) is the upstream of the pull-through namespace hub/.
        cls.upstream = Server(os.path.join(cls.workdir, "upstream"))
        os.makedirs(cls.upstream.workdir)
        cls.addClassCleanup(cls.stop, cls.upstream)
        cls.upstream.start()
        config = CONFIG.format(htpasswd=htpasswd, upstream=f"127.0.0.1:{cls.upstream.port}")
        cls.server = Server(cls.workdir, config_text=config, log_level="info")
        cls.addClassCleanup(cls.stop, cls.server)
        cls.server.start()
        cls.host = f"127.0.0.1:{cls.server.port}"
        cls.registry = Registry(cls.server.port)
        cls.policy = os.path.join(cls.workdir, "policy.json")
        with open(cls.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)

    @staticmethod
    def stop(server):
        if server.running():
            server.terminate()

    @classmethod
    def remove_workdir(cls):
        if os.environ.get("KEEP"):
            print(f"work directory kept: {cls.workdir}")
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)

    def skopeo(self, *args):
        done = subprocess.run(["skopeo", "--policy", self.policy, *args], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, f"skopeo {' '.join(args)}:\n{done.stderr}")
        return done.stdout

    def skopeo_push(self, source, destination, *flags):
        self.skopeo("copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", f"admin:{PASSWORDS['admin']}",
                    *flags, source, f"docker://{self.host}/{destination}")

    def raw_manifest(self, reference):
        """The manifest as skopeo reads it back: a second opinion on the digests pushed."""
        return self.skopeo("inspect", "--raw", "--tls-verify=false", "--creds", f"admin:{PASSWORDS['admin']}",
                           f"docker://{self.host}/{reference}").encode()

    # -- the fill -----------------------------------------------------------------------------

    def push_multiarch(self):
        """team/multi:1.0, an index for linux/amd64 and linux/arm64/v8 (skopeo copy --all), and
        team/multi:1.0-amd64, the image skopeo picks for this machine from it."""
        layout = os.path.join(self.workdir, "multi")
        facts = write_multiarch_layout(layout, "1.0", PLATFORMS)
        self.skopeo_push(f"oci:{layout}:1.0", "team/multi:1.0", "--all")
        self.skopeo_push(f"oci:{layout}:1.0", "team/multi:1.0-amd64")
        raw = self.raw_manifest("team/multi:1.0")
        self.assertEqual(sha256(raw), facts["digest"], "skopeo changed the index on its way")
        children = [(m["digest"], m["platform"]) for m in json.loads(raw)["manifests"]]
        self.assertEqual([d for d, _ in children], [i["digest"] for i in facts["images"]])
        amd64 = facts["images"][0]
        self.assertEqual(sha256(self.raw_manifest("team/multi:1.0-amd64")), amd64["digest"])
        headers, _ = self.registry.manifest("team/multi", "1.0")
        self.assertEqual(headers["docker-content-digest"], facts["digest"])
        for image in facts["images"]:
            manifest = json.loads(self.registry.manifest("team/multi", image["digest"])[1])
            self.assertEqual([(l["digest"], l["size"]) for l in manifest["layers"]],
                             [(l["digest"], l["size"]) for l in image["layers"]])
            self.registry.expect(200, "HEAD", f"/v2/team/multi/blobs/{image['config']['digest']}")
        single_size = amd64["size"] + amd64["config"]["size"] + sum(l["size"] for l in amd64["layers"])
        return {"repository": "team/multi", "tag": "1.0", **facts,
                "single": {"tag": "1.0-amd64", "digest": amd64["digest"], "total_size": single_size}}

    def push_signed(self):
        """team/signed:1.0 (skopeo), its sigstore signature tag sha256-<hex>.sig and an SPDX
        SBOM referrer (both over HTTP)."""
        layout = os.path.join(self.workdir, "signed")
        digest, _, _ = write_oci_layout(layout, "1.0", "hello.txt", b"signed content\n")
        self.skopeo_push(f"oci:{layout}:1.0", "team/signed:1.0")
        _, manifest = self.registry.manifest("team/signed", "1.0")
        self.assertEqual(sha256(manifest), digest)
        key = os.path.join(self.workdir, "cosign.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-out", key], check=True, capture_output=True)
        signature_tag, signature, blobs = cosign_signature(key, f"{self.host}/team/signed:1.0", digest)
        for data in blobs.values():
            self.registry.push_blob("team/signed", data)
        self.registry.put_manifest("team/signed", signature_tag, signature)
        subject = {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest)}
        sbom, blobs = spdx_referrer(subject)
        for data in blobs.values():
            self.registry.push_blob("team/signed", data)
        headers = self.registry.put_manifest("team/signed", sha256(sbom), sbom)
        self.assertEqual(headers.get("oci-subject"), digest)

        tags = self.registry.json("/v2/team/signed/tags/list")["tags"]
        self.assertEqual(sorted(tags), sorted(["1.0", signature_tag]))
        self.assertIn(signature_tag, self.skopeo("list-tags", "--tls-verify=false", "--creds",
                                                 f"admin:{PASSWORDS['admin']}", f"docker://{self.host}/team/signed"))
        referrers = self.registry.json(f"/v2/team/signed/referrers/{digest}")["manifests"]
        self.assertEqual([(r["digest"], r.get("artifactType")) for r in referrers], [(sha256(sbom), SPDX)])
        return {"repository": "team/signed", "tag": "1.0", "digest": digest, "manifest": manifest,
                "signature_tag": signature_tag, "referrer": {"digest": sha256(sbom), "artifact_type": SPDX}}

    def push_copies(self, signed, repositories):
        """Each repository gets tag 1.0 = the signed image, by mounting its blobs from
        team/signed and putting its manifest: no blob bytes travel."""
        manifest = json.loads(signed["manifest"])
        digests = [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]
        for repo in repositories:
            for digest in digests:
                self.registry.mount(repo, digest, "team/signed")
            self.registry.put_manifest(repo, "1.0", signed["manifest"])

    def pull_through(self, signed):
        """hub/library/app:3 through the pull-through namespace hub/: the signed image pushed
        to the upstream as library/app:3, then its manifest and blobs pulled through this
        registry, which keeps them."""
        upstream = self.upstream.client()
        manifest = json.loads(signed["manifest"])
        for digest in [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]:
            status, _, data = self.registry.request("GET", f"/v2/team/signed/blobs/{digest}")
            self.assertEqual(status, 200)
            status, _, body = upstream.post_upload("library/app", digest, data)
            self.assertEqual(status, 201, body)
        status, _, body = upstream.put_manifest("library/app", "3", signed["manifest"])
        self.assertEqual(status, 201, body)
        headers, data = self.registry.manifest("hub/library/app", "3")
        self.assertEqual(headers["docker-content-digest"], signed["digest"])
        for digest in [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]:
            self.registry.expect(200, "GET", f"/v2/hub/library/app/blobs/{digest}")
        return {"repository": "hub/library/app", "tag": "3", "digest": signed["digest"],
                "source": f"127.0.0.1:{self.upstream.port}/library/app"}

    def fill(self):
        started = time.monotonic()
        multi = self.push_multiarch()
        signed = self.push_signed()
        skopeo_done = time.monotonic()
        bulk = [f"bulk/app-{n:03d}" for n in range(BULK_REPOSITORIES)]
        self.push_copies(signed, bulk + ["secret/app"])
        self.registry.put_manifest(VICTIM["repository"], VICTIM["tag"], signed["manifest"])
        bulk_done = time.monotonic()
        mirrored = self.pull_through(signed)
        self.registry.expect(200, "POST", "/regmirror/v1/gc", b"{}", {"Content-Type": "application/json"})
        catalog = self.registry.json("/v2/_catalog?n=1000")["repositories"]
        self.assertEqual(len(catalog), BULK_REPOSITORIES + 4, catalog[:5])
        print(f"fill: skopeo pushes {skopeo_done - started:.1f} s, {BULK_REPOSITORIES + 1} repositories "
              f"by mount + manifest PUT {bulk_done - skopeo_done:.1f} s", flush=True)
        del signed["manifest"]
        viewer_sees = sorted(bulk + ["team/multi", "team/signed", mirrored["repository"]])
        return {"base": f"http://{self.host}", "host": self.host, "artifacts": self.artifacts,
                "users": PASSWORDS, "multi": multi, "signed": signed, "mirrored": mirrored, "victim": VICTIM,
                "secret": "secret/app", "viewer_repositories": viewer_sees, "page_size": 50}

    def server_problems(self, lines=20):
        """The server's own log lines and its answers >= 400 to the browser (but 401: token
        auth starts with one), for a failure message."""
        kept = []
        with open(self.server.log_path, errors="replace") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = {}
                status = entry.get("status")
                if status is None or (status >= 400 and status != 401 and "Chrome" in entry.get("user_agent", "")):
                    kept.append(line.rstrip())
        return "\n".join(kept[-lines:])

    # -- the test -----------------------------------------------------------------------------

    def test_browse(self):
        started = time.monotonic()
        facts = self.fill()
        for old in os.listdir(self.artifacts):  # screenshots of an earlier run
            if old.endswith(".png"):
                os.remove(os.path.join(self.artifacts, old))
        facts_path = os.path.join(self.workdir, "facts.json")
        with open(facts_path, "w") as f:
            json.dump(facts, f, indent=2)
        env = {**os.environ, "NODE_PATH": NPM_MODULES}
        browsed = subprocess.run(["node", os.path.join(HERE, "browse.mjs"), facts_path], env=env,
                                 capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        print(browsed.stdout, end="", flush=True)
        failures = [line for line in browsed.stdout.splitlines() if line.startswith("FAIL")]
        self.assertEqual(browsed.returncode, 0,
                         f"browse.mjs exited with {browsed.returncode}; {len(failures)} failed checks "
                         f"(details above, screenshots in {self.artifacts}):\n" + "\n".join(failures) +
                         f"\nstderr:\n{browsed.stderr[-3000:]}\nserver: what it refused or logged (tail):\n{self.server_problems()}")

        # The tag admin deleted in the browser is gone for the registry too; the other stays.
        tags = self.registry.json(f"/v2/{VICTIM['repository']}/tags/list")["tags"]
        self.assertEqual(tags, [VICTIM["kept"]])
        status, _, _ = self.registry.request("GET", f"/v2/{VICTIM['repository']}/manifests/{VICTIM['tag']}")
        self.assertEqual(status, 404)
        print(f"whole test: {time.monotonic() - started:.1f} s (after the server started)", flush=True)


if __name__ == "__main__":
    unittest.main()
