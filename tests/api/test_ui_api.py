"""The web UI's JSON API (docs/api.md): /regmirror/v1/session, /regmirror/v1/repositories, and
each repository's tags and manifests views, checked against what the test pushed over HTTP (a
two-platform index, an image with an OCI referrer and a cosign-style signature tag); search
and paging; the spec's error bodies; other methods; hostile input; and, with auth on, who sees
what: a pull-only user, an admin, scoped Bearer tokens, and /session with good, bad and no
credentials.

Run by hand:  cd tests/api && REGMIRROR_BIN=../../build/src/cli/regmirror python3 -m unittest -v test_ui_api
"""

import base64
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from harness import (OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, PEER, Server, add_user,
                     compact_json, descriptor, go_json, image_index, image_manifest, sha256)

API = "/regmirror/v1"
COSIGN_CONFIG = "application/vnd.dev.cosign.sig.v1+json"  # illustrative: any artifact config
COSIGN_LAYER = "application/vnd.dev.cosign.simplesigning.v1+json"
SPDX = "application/spdx+json"
RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token):
    return {"Authorization": "Bearer " + token}


class Answer:
    def __init__(self, method, target, status, headers, body):
        self.method, self.target, self.status, self.headers, self.body = method, target, status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __str__(self):
        return f"{self.method} {self.target[:200]} -> {self.status} {self.headers}\n  {self.body[:600]!r}"


def call(server, method, target, body=None, headers=None):
    """One request on its own connection, no auth added (the tests choose the credentials)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Answer(method, target, r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


class Pusher:
    """Pushes blobs and manifests over HTTP with the given headers."""

    def __init__(self, server, headers=None):
        self.server, self.headers = server, headers or {}

    def blob(self, repo, data):
        post = call(self.server, "POST", f"/v2/{repo}/blobs/uploads/", headers=self.headers)
        assert post.status == 202, str(post)
        location = urllib.parse.urlsplit(post.header("Location"))
        target = location.path + "?" + (location.query + "&" if location.query else "") + \
            urllib.parse.urlencode({"digest": sha256(data)})
        put = call(self.server, "PUT", target, data,
                   {**self.headers, "Content-Type": "application/octet-stream"})
        assert put.status == 201, str(put)
        return sha256(data)

    def manifest(self, repo, reference, body, media_type=OCI_MANIFEST):
        put = call(self.server, "PUT", f"/v2/{repo}/manifests/{reference}", body,
                   {**self.headers, "Content-Type": media_type})
        assert put.status == 201, str(put)
        return sha256(body)

    def image(self, repo, tag, architecture, variant=None, layer=None):
        """An image whose config names linux/`architecture`; returns facts about it."""
        config = {"architecture": architecture, "os": "linux", "created": "2026-12-01T10:00:00Z",
                  "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--serve"], "Env": ["PATH=/bin"],
                             "ExposedPorts": {"8080/tcp": {}}, "Labels": {"team": "infra"}},
                  "rootfs": {"type": "layers", "diff_ids": []},
                  "history": [{"created": "2026-12-01T10:00:00Z", "created_by": "ADD app /bin/app"}]}
        if variant:
            config["variant"] = variant
        config = go_json(config)
        layer = layer or os.urandom(300) + repo.encode()
        self.blob(repo, config)
        self.blob(repo, layer)
        manifest = image_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
        digest = self.manifest(repo, tag, manifest)
        return {"digest": digest, "manifest": manifest, "config": config, "layer": layer,
                "total": len(manifest) + len(config) + len(layer)}


def check_error(tc, answer, status, code):
    tc.assertEqual(answer.status, status, str(answer))
    if answer.method == "HEAD":
        return
    errors = answer.json()["errors"]
    tc.assertEqual(errors[0]["code"], code, str(answer))
    tc.assertIn("message", errors[0])
    tc.assertIn("detail", errors[0])


@unittest.skipIf(PEER, "regmirror's own API")
class UiApiTest(unittest.TestCase):
    """Auth off: everything is visible, every action offered."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        push = Pusher(cls.server)
        # team/app:1.0, an index of two images (children untagged)
        amd64 = push.image("team/app", "amd64-only", "amd64")
        arm64 = push.image("team/app", "arm-only", "arm64", "v8")
        cls.amd64, cls.arm64 = amd64, arm64
        cls.index = image_index([
            descriptor(OCI_MANIFEST, amd64["manifest"], platform={"os": "linux", "architecture": "amd64"}),
            descriptor(OCI_MANIFEST, arm64["manifest"],
                       platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
        ], annotations={"org.opencontainers.image.version": "1.0"})
        cls.index_digest = push.manifest("team/app", "1.0", cls.index, OCI_INDEX)
        # team/signed:v1 with an SBOM referrer and a cosign-style signature tag
        cls.signed = push.image("team/signed", "v1", "amd64")
        push.blob("team/signed", b"{}")
        sbom = b'{"spdxVersion":"SPDX-2.3"}'
        push.blob("team/signed", sbom)
        cls.sbom_manifest = image_manifest(
            descriptor(OCI_EMPTY, b"{}"), [descriptor(SPDX, sbom)], artifact_type=SPDX,
            subject=descriptor(OCI_MANIFEST, cls.signed["manifest"]),
            annotations={"org.example.kind": "sbom"})
        cls.sbom_digest = push.manifest("team/signed", sha256(cls.sbom_manifest), cls.sbom_manifest)
        signature = b'{"critical":{"image":{"docker-manifest-digest":"' + cls.signed["digest"].encode() + b'"}}}'
        push.blob("team/signed", signature)
        cls.sig_tag = cls.signed["digest"].replace(":", "-") + ".sig"
        cls.sig_digest = push.manifest("team/signed", cls.sig_tag, image_manifest(
            descriptor(COSIGN_CONFIG, b"{}"), [descriptor(COSIGN_LAYER, signature)]))
        # names to search and page through
        cls.search_names = [f"search/alpha-{i}" for i in range(1, 6)] + ["search/beta"]
        for name in cls.search_names:
            push.blob(name, name.encode())

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()

    def get(self, target, headers=None, method="GET"):
        answer = call(self.server, method, target, headers=headers)
        if answer.status == 200:
            self.assertEqual(answer.header("Cache-Control"), "no-store", str(answer))
            self.assertTrue(answer.header("Content-Type").startswith("application/json"), str(answer))
        return answer

    def ok(self, target):
        answer = self.get(target)
        self.assertEqual(answer.status, 200, str(answer))
        return answer.json()

    # ---- session

    def test_session_without_auth(self):
        session = self.ok(f"{API}/session")
        self.assertEqual(session["auth"], "none")
        self.assertIsNone(session["token_realm"])
        self.assertIsNone(session["service"])
        self.assertIsNone(session["user"])
        self.assertTrue(session["admin"])
        self.assertEqual(session["features"], {"mirror": False, "sync": False, "quotas": False, "gc": True,
                                               "delete": True, "read_only": False})
        self.assertRegex(session["version"], r"^\d+\.\d+\.\d+")

    # ---- repositories

    def test_repositories_describe_each_one(self):
        page = self.ok(f"{API}/repositories")
        by_name = {r["name"]: r for r in page["repositories"]}
        self.assertEqual([r["name"] for r in page["repositories"]], sorted(by_name))
        self.assertEqual(set(by_name), {"team/app", "team/signed", *self.search_names})
        self.assertEqual(by_name["team/app"]["tags"], 3)
        self.assertRegex(by_name["team/app"]["updated_at"], RFC3339)
        self.assertEqual(by_name["team/signed"]["tags"], 2)
        self.assertEqual(by_name["search/alpha-1"], {"name": "search/alpha-1", "tags": 0, "updated_at": None})
        self.assertIsNone(page["next"])

    def test_repositories_search_and_pages(self):
        page = self.ok(f"{API}/repositories?q=ALPHA&n=2")
        self.assertEqual([r["name"] for r in page["repositories"]], ["search/alpha-1", "search/alpha-2"])
        self.assertEqual(page["next"], "search/alpha-2")
        seen = [r["name"] for r in page["repositories"]]
        while page["next"]:
            page = self.ok(f"{API}/repositories?q=ALPHA&n=2&last=" + urllib.parse.quote(page["next"], safe=""))
            seen += [r["name"] for r in page["repositories"]]
        self.assertEqual(seen, [f"search/alpha-{i}" for i in range(1, 6)])
        self.assertEqual(self.ok(f"{API}/repositories?q=zzz-nothing"), {"repositories": [], "next": None})
        # the page after the last name, and a `last` past every name
        self.assertEqual(self.ok(f"{API}/repositories?last=~")["repositories"], [])
        page = self.ok(f"{API}/repositories?q=beta")
        self.assertEqual([r["name"] for r in page["repositories"]], ["search/beta"])

    def test_repositories_page_size(self):
        for bad in ("abc", "-1", "0", "1.5", "%zz"):
            check_error(self, self.get(f"{API}/repositories?n={bad}"), 400, "PAGINATION_NUMBER_INVALID")
        huge = self.ok(f"{API}/repositories?n=99999999999999999999999999")
        self.assertGreater(len(huge["repositories"]), 2)
        self.assertIsNone(huge["next"])
        self.assertEqual(len(self.ok(f"{API}/repositories?n=1")["repositories"]), 1)

    # ---- tags

    def test_tags_describe_what_each_points_at(self):
        view = self.ok(f"{API}/repositories/team/app/tags")
        self.assertEqual(view["name"], "team/app")
        self.assertEqual(view["actions"], {"pull": True, "push": True, "delete": True})
        tags = {t["name"]: t for t in view["tags"]}
        self.assertEqual([t["name"] for t in view["tags"]], sorted(tags))
        index = tags["1.0"]
        self.assertEqual(index["digest"], self.index_digest)
        self.assertEqual(index["media_type"], OCI_INDEX)
        self.assertEqual(index["artifact_type"], "")
        self.assertEqual(index["platforms"], ["linux/amd64", "linux/arm64/v8"])
        self.assertEqual(index["size"], len(self.index) + self.amd64["total"] + self.arm64["total"])
        self.assertRegex(index["pushed_at"], RFC3339)
        self.assertIsNone(index["attached_to"])
        arm = tags["arm-only"]
        self.assertEqual(arm["platforms"], ["linux/arm64/v8"])
        self.assertEqual(arm["size"], self.arm64["total"])
        self.assertEqual(arm["media_type"], OCI_MANIFEST)

    def test_tags_mark_cosign_attachments(self):
        view = self.ok(f"{API}/repositories/team/signed/tags")
        tags = {t["name"]: t for t in view["tags"]}
        self.assertEqual(set(tags), {"v1", self.sig_tag})
        self.assertEqual(tags[self.sig_tag]["attached_to"], self.signed["digest"])
        self.assertEqual(tags[self.sig_tag]["digest"], self.sig_digest)
        self.assertEqual(tags[self.sig_tag]["platforms"], [])
        self.assertEqual(tags[self.sig_tag]["artifact_type"], COSIGN_CONFIG)
        self.assertIsNone(tags["v1"]["attached_to"])
        self.assertEqual(tags["v1"]["platforms"], ["linux/amd64"])

    def test_tags_of_what_is_not_there(self):
        check_error(self, self.get(f"{API}/repositories/no/such/repo/tags"), 404, "NAME_UNKNOWN")
        check_error(self, self.get(f"{API}/repositories/Upper/Case/tags"), 400, "NAME_INVALID")

    # ---- image

    def test_image_of_an_index(self):
        view = self.ok(f"{API}/repositories/team/app/manifests/1.0")
        self.assertEqual(view["repository"], "team/app")
        self.assertEqual(view["reference"], "1.0")
        self.assertEqual(view["digest"], self.index_digest)
        self.assertEqual(view["media_type"], OCI_INDEX)
        self.assertEqual(view["size"], len(self.index))
        self.assertEqual(view["total_size"], len(self.index) + self.amd64["total"] + self.arm64["total"])
        self.assertEqual(view["annotations"], {"org.opencontainers.image.version": "1.0"})
        self.assertIsNone(view["subject"])
        self.assertEqual(view["manifest"], json.loads(self.index))
        self.assertEqual(view["actions"], {"pull": True, "push": True, "delete": True})
        self.assertEqual(view["signatures"], [])
        self.assertEqual(view["referrers"], [])
        platforms = view["platforms"]
        self.assertEqual([(p["platform"]["os"], p["platform"]["architecture"], p["platform"]["variant"])
                          for p in platforms], [("linux", "amd64", ""), ("linux", "arm64", "v8")])
        for platform, image in zip(platforms, (self.amd64, self.arm64)):
            self.assertEqual(platform["digest"], image["digest"])
            self.assertEqual(platform["media_type"], OCI_MANIFEST)
            self.assertEqual(platform["size"], len(image["manifest"]))
            self.assertFalse(platform["missing"])
            self.assertEqual(platform["config_media_type"], OCI_CONFIG)
            self.assertEqual(platform["total_size"], image["total"])
            self.assertEqual(platform["layers"], [{"digest": sha256(image["layer"]), "media_type": OCI_LAYER,
                                                   "size": len(image["layer"]), "annotations": {}}])
            config = platform["config"]
            self.assertEqual(config["digest"], sha256(image["config"]))
            self.assertEqual(config["size"], len(image["config"]))
            self.assertEqual(config["os"], "linux")
            self.assertEqual(config["architecture"], platform["platform"]["architecture"])
            self.assertEqual(config["created"], "2026-12-01T10:00:00Z")
            self.assertEqual(config["entrypoint"], ["/bin/app"])
            self.assertEqual(config["cmd"], ["--serve"])
            self.assertEqual(config["env"], ["PATH=/bin"])
            self.assertEqual(config["exposed_ports"], ["8080/tcp"])
            self.assertEqual(config["labels"], {"team": "infra"})
            self.assertEqual(config["history"], [{"created": "2026-12-01T10:00:00Z",
                                                  "created_by": "ADD app /bin/app", "comment": "",
                                                  "empty_layer": False}])

    def test_image_with_referrer_and_signature(self):
        for reference in ("v1", self.signed["digest"], urllib.parse.quote(self.signed["digest"], safe="")):
            with self.subTest(reference=reference):
                view = self.ok(f"{API}/repositories/team/signed/manifests/{reference}")
                self.assertEqual(view["digest"], self.signed["digest"])
                self.assertEqual(view["total_size"], self.signed["total"])
                self.assertEqual(len(view["platforms"]), 1)
                self.assertEqual(view["platforms"][0]["digest"], self.signed["digest"])
                self.assertEqual(view["platforms"][0]["platform"],
                                 {"os": "linux", "architecture": "amd64", "variant": ""})
                self.assertEqual(view["referrers"], [{
                    "digest": self.sbom_digest, "media_type": OCI_MANIFEST, "artifact_type": SPDX,
                    "size": len(self.sbom_manifest), "annotations": {"org.example.kind": "sbom"},
                    "subject": self.signed["digest"]}])
                self.assertEqual(view["signatures"], [{"tag": self.sig_tag, "digest": self.sig_digest,
                                                       "kind": "sig"}])
        artifact = self.ok(f"{API}/repositories/team/signed/manifests/{self.sbom_digest}")
        self.assertEqual(artifact["artifact_type"], SPDX)
        self.assertEqual(artifact["subject"], self.signed["digest"])
        self.assertIsNone(artifact["platforms"][0]["config"])
        self.assertEqual(artifact["platforms"][0]["config_media_type"], OCI_EMPTY)

    def test_image_errors(self):
        base = f"{API}/repositories"
        check_error(self, self.get(f"{base}/team/app/manifests/2.0"), 404, "MANIFEST_UNKNOWN")
        check_error(self, self.get(f"{base}/team/app/manifests/sha256:{'0' * 64}"), 404, "MANIFEST_UNKNOWN")
        check_error(self, self.get(f"{base}/no/such/manifests/1.0"), 404, "NAME_UNKNOWN")
        check_error(self, self.get(f"{base}/team/app/manifests/sha256:zz"), 400, "DIGEST_INVALID")
        check_error(self, self.get(f"{base}/team/app/manifests/-bad"), 400, "MANIFEST_INVALID")
        check_error(self, self.get(f"{base}/team/app"), 404, "NAME_UNKNOWN")  # no such endpoint

    # ---- methods and hostile input

    def test_other_methods_are_refused(self):
        for target in (f"{API}/session", f"{API}/repositories", f"{API}/repositories/team/app/tags",
                       f"{API}/repositories/team/app/manifests/1.0"):
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                with self.subTest(target=target, method=method):
                    check_error(self, self.get(target, method=method), 405, "UNSUPPORTED")
            head = self.get(target, method="HEAD")
            self.assertEqual(head.status, 200, str(head))
            self.assertEqual(head.body, b"")
        # the manifest is still there
        self.ok(f"{API}/repositories/team/app/manifests/1.0")

    def test_hostile_input(self):
        base = f"{API}/repositories"
        self.assertEqual(self.ok(f"{base}?q=" + "a" * 6000)["repositories"], [])
        self.assertEqual(self.ok(f"{base}?q=%zz%4&last=%ff%00")["repositories"], [])
        self.assertEqual(self.ok(f"{base}?q=%00")["repositories"], [])
        for target in (f"{base}/../../etc/tags", f"{base}/team/../app/tags", f"{base}/%2e%2e/tags",
                       f"{base}/team%2F..%2Fapp/tags", f"{base}/../manifests/1.0",
                       f"{base}/team/%zz/manifests/1.0", f"{base}/" + "a/" * 200 + "b/tags"):
            with self.subTest(target=target[:80]):
                check_error(self, self.get(target), 400, "NAME_INVALID")
        for reference in ("..", "%2e%2e", "%zz", "sha256:" + "g" * 64, "a" * 200, "sha999:00"):
            with self.subTest(reference=reference):
                answer = self.get(f"{base}/team/app/manifests/{reference}")
                self.assertEqual(answer.status, 400, str(answer))
        # the server is still well
        self.ok(f"{API}/session")


@unittest.skipIf(PEER, "regmirror's own API")
class UiApiLimitsTest(unittest.TestCase):
    """A read-only registry offers no push or delete; deletes disabled, no delete."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-ui-api-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def start(self, *args, read_only=False):
        server = Server(workdir=self.workdir, read_only=read_only, extra_args=list(args)).start()
        self.addCleanup(lambda: server.stop() if server.running() else None)
        return server

    def views(self, server):
        session = call(server, "GET", f"{API}/session").json()
        tags = call(server, "GET", f"{API}/repositories/team/app/tags").json()
        image = call(server, "GET", f"{API}/repositories/team/app/manifests/1.0").json()
        self.assertEqual(tags["actions"], image["actions"])
        return session["features"], tags["actions"]

    def test_deletes_disabled(self):
        path = os.path.join(self.workdir, "config.yaml")
        with open(path, "w") as f:
            f.write("delete:\n  enabled: false\n")
        server = self.start("--config", path)
        Pusher(server).image("team/app", "1.0", "amd64")
        features, actions = self.views(server)
        self.assertEqual((features["delete"], features["read_only"], features["gc"]), (False, False, True))
        self.assertEqual(actions, {"pull": True, "push": True, "delete": False})

    def test_read_only(self):
        server = self.start()
        Pusher(server).image("team/app", "1.0", "amd64")
        server.stop()
        features, actions = self.views(self.start(read_only=True))
        self.assertEqual((features["delete"], features["read_only"], features["gc"]), (False, True, False))
        self.assertEqual(actions, {"pull": True, "push": False, "delete": False})


@unittest.skipIf(PEER, "regmirror's own API")
class UiApiPullThroughTest(unittest.TestCase):
    """A repository in an upstream's namespace: the views answer what this registry cached, ask
    the upstream nothing, and offer no push or delete (the upstream does not allow pushes)."""

    def test_views_of_a_cached_repository(self):
        upstream = Server().start()
        self.addCleanup(upstream.cleanup)
        self.addCleanup(lambda: upstream.stop() if upstream.running() else None)
        image = Pusher(upstream).image("ns/app", "v1", "amd64")
        Pusher(upstream).image("ns/other", "v1", "arm64")
        mirror = Server(extra_args=["--upstream", f"up=http://127.0.0.1:{upstream.port}"]).start()
        self.addCleanup(mirror.cleanup)
        self.addCleanup(lambda: mirror.stop() if mirror.running() else None)

        # A client pulls up/ns/app:v1 through the mirror: manifest and config.
        pulled = call(mirror, "GET", "/v2/up/ns/app/manifests/v1", headers={"Accept": OCI_MANIFEST})
        self.assertEqual(pulled.status, 200, str(pulled))
        config = call(mirror, "GET", f"/v2/up/ns/app/blobs/{sha256(image['config'])}")
        self.assertEqual(config.status, 200, str(config))
        # A fetched blob is committed once the client has it: wait for it to be cached.
        deadline = time.monotonic() + 10
        while call(mirror, "GET", f"{API}/repositories/up/ns/app/manifests/v1").json() \
                ["platforms"][0]["config"] is None:
            self.assertLess(time.monotonic(), deadline, "the config was never cached")
            time.sleep(0.05)
        # What is cached is answered even with the upstream gone.
        upstream.stop()

        tags = call(mirror, "GET", f"{API}/repositories/up/ns/app/tags")
        self.assertEqual(tags.status, 200, str(tags))
        tags = tags.json()
        self.assertEqual(tags["actions"], {"pull": True, "push": False, "delete": False})
        self.assertEqual([(t["name"], t["digest"]) for t in tags["tags"]], [("v1", image["digest"])])
        self.assertEqual(tags["tags"][0]["platforms"], ["linux/amd64"])

        view = call(mirror, "GET", f"{API}/repositories/up/ns/app/manifests/v1")
        self.assertEqual(view.status, 200, str(view))
        view = view.json()
        self.assertEqual(view["digest"], image["digest"])
        self.assertEqual(view["actions"], {"pull": True, "push": False, "delete": False})
        self.assertEqual(view["platforms"][0]["config"]["architecture"], "amd64")

        listed = call(mirror, "GET", f"{API}/repositories?q=up/ns").json()
        self.assertEqual([r["name"] for r in listed["repositories"]], ["up/ns/app"])
        self.assertEqual(listed["repositories"][0]["tags"], 1)
        # Not pulled through: not there, and the upstream is not asked.
        check_error(self, call(mirror, "GET", f"{API}/repositories/up/ns/other/tags"), 404, "NAME_UNKNOWN")
        check_error(self, call(mirror, "GET", f"{API}/repositories/up/ns/other/manifests/v1"), 404,
                    "NAME_UNKNOWN")
        check_error(self, call(mirror, "GET", f"{API}/repositories/up/ns/app/manifests/v2"), 404,
                    "MANIFEST_UNKNOWN")


def peak_rss_kib(server):
    """The server process's peak resident memory (VmHWM), in KiB."""
    with open(f"/proc/{server.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/<pid>/status")


@unittest.skipIf(PEER, "regmirror's own API")
@unittest.skipUnless(os.path.exists("/proc/self/status"), "needs /proc")
@unittest.skipIf("ASAN_OPTIONS" in os.environ,
                 "AddressSanitizer's shadow memory and quarantine make peak RSS no measure")
class UiApiMemoryTest(unittest.TestCase):
    """The tags view keeps what it needs of each tag, not every config and manifest it read."""

    def test_tags_view_of_many_big_configs(self):
        server = Server().start()
        self.addCleanup(server.cleanup)
        self.addCleanup(lambda: server.stop() if server.running() else None)
        push = Pusher(server)
        layer = push.blob("big/configs", b"layer")
        for i in range(20):
            # Just under the 4 MiB a config is read up to: many small strings, big once parsed.
            env = [f"V{n}={i}" for n in range(330_000)]
            config = compact_json({"os": "linux", "architecture": "amd64", "config": {"Env": env}})
            self.assertLess(len(config), 4 << 20)
            push.blob("big/configs", config)
            manifest = image_manifest(descriptor(OCI_CONFIG, config),
                                      [descriptor(OCI_LAYER, b"layer", digest=layer)])
            push.manifest("big/configs", f"t{i}", manifest)
        before = peak_rss_kib(server)
        answer = call(server, "GET", f"{API}/repositories/big/configs/tags")
        self.assertEqual(answer.status, 200, str(answer))
        tags = answer.json()["tags"]
        self.assertEqual(len(tags), 20)
        self.assertEqual({tuple(tag["platforms"]) for tag in tags}, {("linux/amd64",)})
        grown = peak_rss_kib(server) - before
        # One parsed config at a time (some tens of MiB), not twenty (over 500 MiB).
        self.assertLess(grown, 200 * 1024, f"peak RSS grew by {grown} KiB")


PASSWORDS = {"admin": "admin-secret-1", "viewer": "viewer-secret-2"}
AUTH_CONFIG = """\
auth:
  htpasswd: {htpasswd}
  admins: [admin]
  access:
    - repositories: "**"
      actions: [pull, push, delete]
      subjects: [admin]
    - repositories: public/**
      actions: [pull]
      subjects: [viewer]
"""


@unittest.skipIf(PEER, "regmirror's own auth")
class UiApiAuthTest(unittest.TestCase):
    """Auth on (token mode): a pull-only user on public/**, an admin, scoped tokens."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-ui-api-auth-")
        htpasswd = os.path.join(cls.workdir, "htpasswd")
        for user, password in PASSWORDS.items():
            add_user(htpasswd, user, password)
        config = os.path.join(cls.workdir, "config.yaml")
        with open(config, "w") as f:
            f.write(AUTH_CONFIG.format(htpasswd=htpasswd))
        cls.server = Server(workdir=cls.workdir, extra_args=["--config", config]).start()
        push = Pusher(cls.server, cls.as_user("admin"))
        for repo in ("public/a", "public/b", "private/x"):
            push.image(repo, "1.0", "amd64")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.workdir, ignore_errors=True)

    @staticmethod
    def as_user(user, password=None):
        return basic(user, PASSWORDS[user] if password is None else password)

    def token(self, user, *scopes):
        query = urllib.parse.urlencode({"service": "regmirror", "scope": list(scopes)}, doseq=True)
        answer = call(self.server, "GET", "/token?" + query, headers=self.as_user(user) if user else {})
        self.assertEqual(answer.status, 200, str(answer))
        return answer.json()["access_token"]

    def get(self, target, headers=None):
        return call(self.server, "GET", target, headers=headers)

    def names(self, headers):
        answer = self.get(f"{API}/repositories", headers)
        self.assertEqual(answer.status, 200, str(answer))
        return [r["name"] for r in answer.json()["repositories"]]

    def assertAsV2(self, view, v2):
        """The view answers as /v2/ does for the same repository and credentials."""
        self.assertEqual(view.status, v2.status, f"{view}\n{v2}")
        if view.status == 401:
            self.assertTrue(view.header("WWW-Authenticate"), str(view))
            self.assertEqual(view.header("WWW-Authenticate"), v2.header("WWW-Authenticate"))

    def test_pull_only_user_sees_only_what_it_may_pull(self):
        viewer = self.as_user("viewer")
        self.assertEqual(self.names(viewer), ["public/a", "public/b"])
        self.assertEqual(self.get(f"{API}/repositories?q=private", viewer).json(),
                         {"repositories": [], "next": None})
        tags = self.get(f"{API}/repositories/public/a/tags", viewer)
        self.assertEqual(tags.status, 200, str(tags))
        self.assertEqual(tags.json()["actions"], {"pull": True, "push": False, "delete": False})
        image = self.get(f"{API}/repositories/public/a/manifests/1.0", viewer)
        self.assertEqual(image.json()["actions"], {"pull": True, "push": False, "delete": False})
        for view, v2 in ((f"{API}/repositories/private/x/tags", "/v2/private/x/tags/list"),
                         (f"{API}/repositories/private/x/manifests/1.0", "/v2/private/x/manifests/1.0")):
            answer = self.get(view, viewer)
            check_error(self, answer, 403, "DENIED")
            self.assertAsV2(answer, self.get(v2, viewer))

    def test_admin_may_do_everything(self):
        admin = self.as_user("admin")
        self.assertEqual(self.names(admin), ["private/x", "public/a", "public/b"])
        for target in (f"{API}/repositories/private/x/tags", f"{API}/repositories/private/x/manifests/1.0"):
            answer = self.get(target, admin)
            self.assertEqual(answer.status, 200, str(answer))
            self.assertEqual(answer.json()["actions"], {"pull": True, "push": True, "delete": True})

    def test_nobody_is_asked_to_sign_in(self):
        for view, v2 in ((f"{API}/repositories", "/v2/_catalog"),
                         (f"{API}/repositories/public/a/tags", "/v2/public/a/tags/list"),
                         (f"{API}/repositories/private/x/manifests/1.0", "/v2/private/x/manifests/1.0")):
            answer = self.get(view)
            check_error(self, answer, 401, "UNAUTHORIZED")
            self.assertTrue(answer.header("WWW-Authenticate").startswith("Bearer realm="), str(answer))
            self.assertAsV2(answer, self.get(v2))
        check_error(self, self.get(f"{API}/repositories", self.as_user("viewer", "wrong")), 401, "UNAUTHORIZED")

    def test_scoped_token_reads_only_its_repository(self):
        token = bearer(self.token("viewer", "repository:public/a:pull"))
        self.assertEqual(self.get(f"{API}/repositories/public/a/tags", token).status, 200)
        self.assertEqual(self.get(f"{API}/repositories/public/a/manifests/1.0", token).status, 200)
        for repo, tail in (("public/b", "tags"), ("public/b", "manifests/1.0"), ("private/x", "tags")):
            answer = self.get(f"{API}/repositories/{repo}/{tail}", token)
            v2 = self.get(f"/v2/{repo}/" + ("tags/list" if tail == "tags" else tail), token)
            self.assertIn(answer.status, (401, 403), str(answer))
            self.assertAsV2(answer, v2)
        # public/b: a new token would do (insufficient_scope); private/x: denied
        self.assertEqual(self.get(f"{API}/repositories/public/b/tags", token).status, 401)
        self.assertEqual(self.get(f"{API}/repositories/private/x/tags", token).status, 403)
        # the list needs registry:catalog:* in the token, then shows what the rules allow
        check_error(self, self.get(f"{API}/repositories", token), 401, "UNAUTHORIZED")
        catalog = bearer(self.token("viewer", "registry:catalog:*"))
        self.assertEqual(self.names(catalog), ["public/a", "public/b"])

    def test_session(self):
        def session(headers=None):
            answer = self.get(f"{API}/session", headers)
            self.assertEqual(answer.status, 200, str(answer))
            self.assertEqual(answer.header("Cache-Control"), "no-store")
            return answer.json()

        nobody = session()
        self.assertEqual(nobody["auth"], "token")
        self.assertEqual(nobody["token_realm"], "/token")
        self.assertEqual(nobody["service"], "regmirror")
        self.assertIsNone(nobody["user"])
        self.assertFalse(nobody["admin"])
        self.assertEqual(session(self.as_user("viewer"))["user"], "viewer")
        self.assertFalse(session(self.as_user("viewer"))["admin"])
        admin = session(self.as_user("admin"))
        self.assertEqual((admin["user"], admin["admin"]), ("admin", True))
        self.assertEqual(session(bearer(self.token("viewer", "repository:public/a:pull")))["user"], "viewer")
        self.assertTrue(session(bearer(self.token("admin")))["admin"])
        for bad in (self.as_user("viewer", "wrong"), bearer("not.a.token"), {"Authorization": "Negotiate x"},
                    {"Authorization": "Basic %%%"}, bearer(self.token(None))):
            with self.subTest(authorization=bad["Authorization"][:20]):
                answer = session(bad)
                self.assertIsNone(answer["user"])
                self.assertFalse(answer["admin"])


if __name__ == "__main__":
    unittest.main()
