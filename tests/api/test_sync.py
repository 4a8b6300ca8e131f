"""GET /regmirror/v1/sync: the scheduled sync sets of `mirror.sync` (docs/serve.md), each with
its schedule, whether it runs, its last run (times, images, bytes, errors) and its next run.

A source regmirror holds one image; the registry under test syncs it (and one image the
source lacks) into itself every hour, starting at once, and has a second set on a cron
schedule that has not run yet. With auth on, the status needs a signed-in caller."""

import base64
import datetime
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, PEER, Server, descriptor,
                     image_config, image_manifest, regmirror_binary, request, sha256, upload_blob)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
USER, PASSWORD = "watcher", "watcher-secret"


def push_source_image(server, repo, tag):
    config = image_config()
    layer = os.urandom(4096)
    upload_blob(server, repo, config)
    upload_blob(server, repo, layer)
    body = image_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER_GZIP, layer)])
    resp = request(server, "PUT", f"/v2/{repo}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST})
    if resp.status != 201:
        raise AssertionError(f"pushing {repo}:{tag} to the source:\n{resp}")
    return sha256(body), len(config) + len(layer)


def next_utc(hour):
    """The next hh:00:00 UTC after now, RFC 3339."""
    now = datetime.datetime.now(datetime.timezone.utc)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= now:
        at += datetime.timedelta(days=1)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class SyncSetsServer:
    """A source registry with team/app:v1 and a registry under test whose mirror.sync copies it."""

    def __init__(self, extra_config=""):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-sync-api-")
        self.source = Server(workdir=os.path.join(self.workdir, "source")).start()
        src = f"127.0.0.1:{self.source.port}"
        self.digest, self.bytes = push_source_image(self.source, "team/app", "v1")
        # How a server reaches a plain-HTTP source: registries.conf, as `regmirror sync` does.
        conf = os.path.join(self.workdir, "registries.conf")
        with open(conf, "w") as f:
            f.write(f'[[registry]]\nlocation = "{src}"\ninsecure = true\n')
        os.environ["CONTAINERS_REGISTRIES_CONF"] = conf
        sets = os.path.join(self.workdir, "team.yaml")
        with open(sets, "w") as f:
            f.write(f"images:\n  - source: {src}/team/app:v1\n  - source: {src}/team/gone:1\n")
        with open(os.path.join(self.workdir, "nightly.yaml"), "w") as f:
            f.write(f"images:\n  - source: {src}/team/app:v1\n")
        config = os.path.join(self.workdir, "config.yaml")
        with open(config, "w") as f:
            f.write("mirror:\n  sync:\n"
                    f"    - config: {sets}\n      interval: 1h\n      prefix: mirror\n"
                    f"    - name: nightly\n      config: {self.workdir}/nightly.yaml\n"
                    "      schedule: \"0 3 * * *\"\n" + extra_config)
        self.server = Server(workdir=os.path.join(self.workdir, "mirror"), extra_args=["--config", config])

    def stop(self):
        try:
            for server in (self.server, self.source):
                try:
                    if server.running():
                        server.stop()
                finally:
                    server.cleanup()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def wait_for_first_run(testcase, server, headers=None):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        resp = request(server, "GET", "/regmirror/v1/sync", headers=headers)
        testcase.assertEqual(resp.status, 200, str(resp))
        sets = resp.json()["sets"]
        if sets[0]["last_run"] is not None:
            return sets
        time.sleep(0.1)
    testcase.fail(f"the set did not finish a run within 60 s\n{server.log_tail()}")


@unittest.skipIf(PEER, "regmirror's own API")
class SyncStatusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = SyncSetsServer()
        cls.server = cls.env.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def test_runs_are_counted_in_the_metrics(self):
        wait_for_first_run(self, self.server)
        text = request(self.server, "GET", "/metrics").body.decode()
        # team/gone:1 is not at the source: the run failed.
        self.assertIn('\nregmirror_sync_runs_total{result="failed"} 1\n', text)
        self.assertIn('\nregmirror_sync_runs_total{result="ok"} 0\n', text)
        last_run = re.search(r"^regmirror_sync_last_run_timestamp_seconds (\S+)$", text, re.M)
        self.assertAlmostEqual(float(last_run.group(1)), time.time(), delta=120)

    def test_lists_every_set_with_its_last_and_next_run(self):
        sets = wait_for_first_run(self, self.server)
        self.assertEqual([s["name"] for s in sets], ["team", "nightly"])
        team, nightly = sets
        self.assertEqual(team["config"], os.path.join(self.env.workdir, "team.yaml"))
        self.assertEqual(team["interval"], "1h")
        self.assertNotIn("schedule", team)
        self.assertEqual(team["prefix"], "mirror")
        self.assertFalse(team["running"])
        run = team["last_run"]
        self.assertRegex(run["started"], RFC3339)
        self.assertRegex(run["finished"], RFC3339)
        self.assertLessEqual(run["started"], run["finished"])
        self.assertEqual(run["images_ok"], 1)
        self.assertEqual(run["images_failed"], 1)
        self.assertEqual(run["bytes"], self.env.bytes)
        self.assertEqual(len(run["errors"]), 1, run["errors"])
        self.assertIn("team/gone:1", run["errors"][0])
        self.assertRegex(team["next_run"], RFC3339)
        self.assertGreater(team["next_run"], run["started"])

        self.assertEqual(nightly["schedule"], "0 3 * * *")
        self.assertNotIn("interval", nightly)
        self.assertEqual(nightly["prefix"], "")
        self.assertFalse(nightly["running"])
        self.assertIsNone(nightly["last_run"])
        self.assertEqual(nightly["next_run"], next_utc(3))

        # What the run copied is served under the prefix and the source path.
        resp = request(self.server, "GET", "/v2/mirror/team/app/manifests/v1",
                       headers={"Accept": OCI_MANIFEST})
        self.assertEqual(resp.status, 200, str(resp))
        self.assertEqual(sha256(resp.body), self.env.digest)

    def test_only_reads(self):
        head = request(self.server, "HEAD", "/regmirror/v1/sync")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        for method in ("POST", "PUT", "DELETE"):
            resp = request(self.server, method, "/regmirror/v1/sync", b"")
            self.assertEqual(resp.status, 405, str(resp))
            self.assertEqual(resp.json()["errors"][0]["code"], "UNSUPPORTED")

    def test_other_paths_under_the_api_are_unknown(self):
        for target in ("/regmirror/v1/", "/regmirror/v1/sync/team", "/regmirror/v2/sync"):
            resp = request(self.server, "GET", target)
            self.assertEqual(resp.status, 404, f"{target}: {resp}")


@unittest.skipIf(PEER, "regmirror's own API")
class SyncStatusWithoutSetsTest(unittest.TestCase):
    def test_an_empty_list(self):
        server = Server().start()
        try:
            resp = request(server, "GET", "/regmirror/v1/sync")
            self.assertEqual(resp.status, 200, str(resp))
            self.assertEqual(resp.header("Content-Type"), "application/json")
            self.assertEqual(resp.json(), {"sets": []})
        finally:
            server.stop()
            server.cleanup()


@unittest.skipIf(PEER, "regmirror's own API")
class SyncStatusAuthTest(unittest.TestCase):
    """With auth on, as GET /v2/: a caller whose credentials check out."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-sync-auth-")
        cls.htpasswd = os.path.join(cls.workdir, "htpasswd")
        subprocess.run([regmirror_binary(), "passwd", USER, "--htpasswd", cls.htpasswd,
                        "--password-stdin", "--cost", "4"], input=PASSWORD.encode(), check=True,
                       capture_output=True)
        cls.env = SyncSetsServer(f"auth:\n  htpasswd: {cls.htpasswd}\n")
        cls.server = cls.env.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.env.stop()
        finally:
            shutil.rmtree(cls.workdir, ignore_errors=True)

    def basic(self, password):
        return {"Authorization": "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()}

    def test_needs_a_signed_in_caller(self):
        resp = request(self.server, "GET", "/regmirror/v1/sync")
        self.assertEqual(resp.status, 401, str(resp))
        self.assertTrue(resp.header("WWW-Authenticate").startswith("Bearer "), str(resp))
        resp = request(self.server, "GET", "/regmirror/v1/sync", headers=self.basic("wrong"))
        self.assertEqual(resp.status, 401, str(resp))
        sets = wait_for_first_run(self, self.server, self.basic(PASSWORD))
        self.assertEqual(sets[0]["name"], "team")


if __name__ == "__main__":
    unittest.main()
