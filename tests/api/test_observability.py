"""Metrics and access logs (docs/config.md, "Logs and metrics"): GET /metrics in the Prometheus
text format, checked by promtool and scraped by a real Prometheus; the access line's fields and
the request id sent back in X-Request-Id on every answer.

Needs promtool and prometheus (Debian package prometheus, scripts/install-deps.sh --test)."""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import (ACCEPT_ALL, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, PEER, RawConnection, RegistryTestCase,
                     Server, descriptor, free_port, image_manifest, raw_request_head, request, sha256, unique_repo,
                     upload_blob)

NOT_PEER = "docker-registry 2.8's metrics and access log are its own"
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def samples(text, name):
    """{label text: value} of every sample of `name` in an exposition."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"^" + re.escape(name) + r"(\{[^}]*\})? (\S+)$", line)
        if m:
            found[m.group(1) or ""] = float(m.group(2))
    return found


def access_lines(server):
    """The server's JSON access lines (those with a request_id)."""
    with open(server.log_path, "rb") as f:
        lines = [json.loads(line) for line in f.read().decode().splitlines() if line.startswith("{")]
    return [line for line in lines if "request_id" in line]


def access_line(testcase, server, request_id):
    """The access line of the request `request_id` (written just after its answer: poll a moment)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [line for line in access_lines(server) if line["request_id"] == request_id]
        if found:
            return found[0]
        time.sleep(0.02)
    testcase.fail(f"no access line with request_id {request_id!r}\n{server.log_tail()}")


@unittest.skipIf(PEER, NOT_PEER)
class MetricsTest(RegistryTestCase):
    def seed_content(self):
        type(self).repo = unique_repo("metrics")
        type(self).image = self.push_image(self.repo, "1.0")
        for _ in range(3):
            self.assertStatus(self.head(f"/v2/{self.repo}/manifests/1.0", {"Accept": ACCEPT_ALL}), 200)
        self.assertStatus(self.get(f"/v2/{self.repo}/manifests/missing", {"Accept": ACCEPT_ALL}), 404)

    def scrape(self):
        resp = request(self.server, "GET", "/metrics")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.header("Content-Type"), EXPOSITION)
        return resp.body.decode()

    def test_exposition_passes_promtool_and_counts_requests(self):
        text = self.scrape()
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
        self.assertEqual(check.returncode, 0, f"promtool check metrics:\n{check.stdout.decode()}"
                                              f"{check.stderr.decode()}\n{text}")
        requests = samples(text, "regmirror_http_requests_total")
        self.assertGreaterEqual(requests.get('{route="manifest",method="HEAD",code="200"}', 0), 3, text)
        self.assertGreaterEqual(requests.get('{route="manifest",method="GET",code="404"}', 0), 1, text)
        self.assertGreaterEqual(requests.get('{route="blob_upload",method="PUT",code="201"}', 0), 2, text)
        duration = samples(text, "regmirror_http_request_duration_seconds_count")
        self.assertGreaterEqual(duration.get('{route="manifest",method="HEAD"}', 0), 3, text)
        received = samples(text, "regmirror_http_request_bytes_total")
        self.assertGreaterEqual(received['{route="blob_upload"}'], len(self.image.layers[0]), text)
        self.assertGreater(samples(text, "regmirror_http_response_bytes_total")['{route="manifest"}'], 0)
        # This scrape is in flight while it is written.
        self.assertEqual(samples(text, "regmirror_http_requests_in_flight"), {"": 1.0})
        self.assertEqual(samples(text, "regmirror_uploads_in_progress"), {"": 0.0})
        # The config, the layer and the manifest's own bytes.
        self.assertEqual(samples(text, "regmirror_storage_blobs"), {"": 3.0})
        self.assertEqual(samples(text, "regmirror_storage_bytes"),
                         {"": float(len(self.image.config) + len(self.image.layers[0]) +
                                    len(self.image.manifest))})
        self.assertEqual(len(samples(text, "regmirror_build_info")), 1)
        self.assertGreater(samples(text, "process_resident_memory_bytes")[""], 1 << 20)
        self.assertGreater(samples(text, "process_open_fds")[""], 2)
        self.assertLess(samples(text, "process_start_time_seconds")[""], time.time())
        # Bounded labels only: no repository, tag or digest.
        self.assertNotIn(self.repo, text)
        self.assertNotIn(self.image.digest, text)

    def test_the_alert_rules_of_the_operations_guide_pass_promtool(self):
        guide = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "operations.md")
        with open(guide) as f:
            blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
        rules = [b for b in blocks if b.startswith("groups:")]
        self.assertEqual(len(rules), 1, "docs/operations.md has one block of alert rules")
        workdir = tempfile.mkdtemp(prefix="regmirror-rules-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        path = os.path.join(workdir, "rules.yml")
        with open(path, "w") as f:
            f.write(rules[0])
        check = subprocess.run(["promtool", "check", "rules", path], capture_output=True)
        self.assertEqual(check.returncode, 0, f"promtool check rules:\n{check.stdout.decode()}{check.stderr.decode()}")

    def test_only_get_and_head(self):
        self.assertStatus(request(self.server, "HEAD", "/metrics"), 200)
        self.assertError(request(self.server, "POST", "/metrics", b""), 405, {"UNSUPPORTED"})

    def test_prometheus_scrapes_it(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-prometheus-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        config = os.path.join(workdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: regmirror\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.server.port}']\n")
        port = free_port()
        with open(os.path.join(workdir, "prometheus.log"), "wb") as log:
            proc = subprocess.Popen(["prometheus", f"--config.file={config}",
                                     f"--storage.tsdb.path={os.path.join(workdir, 'data')}",
                                     f"--web.listen-address=127.0.0.1:{port}"],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=workdir, start_new_session=True)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        query = urllib.parse.urlencode(
            {"query": 'regmirror_http_requests_total{route="manifest",method="HEAD",code="200"}'})
        url = f"http://127.0.0.1:{port}/api/v1/query?{query}"
        deadline, last = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            self.assertIsNone(proc.poll(), "prometheus exited")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    last = json.load(resp)
                if last["data"]["result"]:
                    break
            except OSError as e:
                last = repr(e)
            time.sleep(0.2)
        else:
            with open(os.path.join(workdir, "prometheus.log"), "rb") as f:
                self.fail(f"prometheus has no sample within 30 s: {last}\n{f.read().decode()[-3000:]}")
        (result,) = last["data"]["result"]
        self.assertEqual(result["metric"]["job"], "regmirror")
        self.assertGreaterEqual(float(result["value"][1]), 3)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 0)


@unittest.skipIf(PEER, NOT_PEER)
class AccessLogTest(RegistryTestCase):
    def test_new_fields_and_a_client_sent_request_id(self):
        repo = unique_repo("log")
        image = self.push_image(repo, "1.0")
        resp = request(self.server, "GET", f"/v2/{repo}/manifests/1.0",
                       headers={"Accept": ACCEPT_ALL, "X-Request-Id": "client-id-1", "User-Agent": "tester/1.0"})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.header("X-Request-Id"), "client-id-1")
        line = access_line(self, self.server, "client-id-1")
        self.assertRegex(line["time"], TIME)
        self.assertEqual(line["user_agent"], "tester/1.0")
        self.assertEqual(line["repository"], repo)
        self.assertEqual(line["reference"], "1.0")
        # The keys the log had before keep their meaning.
        self.assertEqual((line["method"], line["path"], line["status"], line["bytes"], line["remote"]),
                         ("GET", f"/v2/{repo}/manifests/1.0", 200, len(image.manifest), "127.0.0.1"))
        self.assertIsInstance(line["ms"], float)
        self.assertIn("user", line)

    def test_a_request_id_is_generated_when_none_is_sent(self):
        resp = request(self.server, "GET", "/v2/")
        request_id = resp.header("X-Request-Id")
        self.assertRegex(request_id or "", GENERATED_ID)
        line = access_line(self, self.server, request_id)
        self.assertEqual((line["path"], line["repository"], line["reference"]), ("/v2/", "", ""))
        self.assertNotEqual(request(self.server, "GET", "/v2/").header("X-Request-Id"), request_id)

    def test_errors_carry_the_request_id_too(self):
        resp = request(self.server, "GET", f"/v2/{unique_repo('none')}/manifests/x",
                       headers={"X-Request-Id": "error-id"})
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.header("X-Request-Id"), "error-id")
        conn = RawConnection(self.server)
        try:
            conn.send(b"GARBAGE\r\n\r\n")
            status, headers, _ = conn.read_response()
        finally:
            conn.close()
        self.assertEqual(status, 400)
        self.assertRegex(headers.get("x-request-id", ""), GENERATED_ID)

    def test_hostile_request_ids_are_replaced(self):
        # Too long, a control character (HTTP lets a tab through), a space, a byte past ASCII.
        for hostile in ("x" * 129, "a\tb", "two words", "caf\xe9"):
            conn = RawConnection(self.server)
            try:
                head = raw_request_head("GET", "/v2/", {"X-Request-Id": hostile})
                conn.send(head)
                status, headers, _ = conn.read_response()
            finally:
                conn.close()
            self.assertEqual(status, 200, repr(hostile))
            self.assertRegex(headers.get("x-request-id", ""), GENERATED_ID, repr(hostile))
            self.assertTrue(access_line(self, self.server, headers["x-request-id"]))



class InfoServer(Server):
    """A server that logs at info (the harness's log at warn), so that its own lines show."""

    def command(self):
        cmd = super().command()
        cmd[cmd.index("--log-level") + 1] = "info"
        return cmd


@unittest.skipIf(PEER, NOT_PEER)
class ConfiguredTest(unittest.TestCase):
    """Servers of their own for the metrics and log settings."""

    def start(self, config, *args):
        server = InfoServer(extra_args=list(args))
        self.addCleanup(server.cleanup)
        path = os.path.join(server.workdir, "config.yml")
        with open(path, "w") as f:
            f.write(config)
        server.extra_args += ["--config", path]
        server.start()
        self.addCleanup(lambda: server.running() and server.stop())
        return server

    def test_the_servers_own_lines_are_json_by_default(self):
        server = self.start("")
        with open(server.log_path, "rb") as f:
            lines = [json.loads(line) for line in f]
        serving = [line for line in lines if "regmirror serving HTTP" in line.get("msg", "")]
        self.assertEqual(len(serving), 1, lines)
        self.assertRegex(serving[0]["time"], TIME)
        self.assertEqual(serving[0]["level"], "info")

    def test_disabled_metrics_are_not_served(self):
        server = self.start("metrics:\n  enabled: false\n")
        self.assertEqual(request(server, "GET", "/metrics").status, 404)

    def test_another_path(self):
        server = self.start("metrics:\n  path: /internal/metrics\n")
        self.assertEqual(request(server, "GET", "/metrics").status, 404)
        resp = request(server, "GET", "/internal/metrics")
        self.assertEqual((resp.status, resp.header("Content-Type")), (200, EXPOSITION))
        self.assertIn('regmirror_http_requests_total{route="other",method="GET",code="404"} 1', resp.body.decode())

    def test_signed_in_metrics_need_credentials(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-htpasswd-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        htpasswd = os.path.join(workdir, "htpasswd")
        subprocess.run([self.binary(), "passwd", "scraper", "--htpasswd", htpasswd, "--password-stdin", "--cost", "4"],
                       input=b"secret", check=True, capture_output=True)
        server = self.start("metrics:\n  auth: signed-in\n", "--htpasswd", htpasswd, "--auth-mode", "basic")
        self.assertEqual(request(server, "GET", "/metrics").status, 401)
        basic = "Basic " + base64.b64encode(b"scraper:secret").decode()
        self.assertEqual(request(server, "GET", "/metrics", headers={"Authorization": basic}).status, 200)

    def test_open_metrics_with_auth_on(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-htpasswd-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        htpasswd = os.path.join(workdir, "htpasswd")
        subprocess.run([self.binary(), "passwd", "someone", "--htpasswd", htpasswd, "--password-stdin", "--cost", "4"],
                       input=b"secret", check=True, capture_output=True)
        server = self.start("", "--htpasswd", htpasswd, "--auth-mode", "basic")
        self.assertEqual(request(server, "GET", "/v2/").status, 401)
        self.assertEqual(request(server, "GET", "/metrics").status, 200)

    def test_text_format(self):
        server = self.start("log:\n  format: text\n")
        resp = request(server, "GET", "/v2/", headers={"X-Request-Id": "text-id", "User-Agent": 'odd "agent"'})
        self.assertEqual(resp.status, 200)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(server.log_path, "rb") as f:
                lines = f.read().decode().splitlines()
            access = [line for line in lines if line.endswith(" text-id")]
            if access:
                break
            time.sleep(0.02)
        self.assertEqual(len(access), 1, "\n".join(lines))
        self.assertRegex(access[0], r'^\S+Z access 127\.0\.0\.1 - "GET /v2/" 200 2 [0-9.]+ms '
                                    r'"odd \\x22agent\\x22" text-id$')
        self.assertTrue(any(re.match(r"^\S+Z info regmirror serving HTTP", line) for line in lines),
                        "\n".join(lines))
        self.assertFalse(any(line.startswith("{") for line in lines), "\n".join(lines))

    def test_pull_through_is_counted_per_upstream(self):
        upstream = self.start("")
        repo = unique_repo("up")
        config, layer = b'{"architecture":"amd64","os":"linux"}', os.urandom(2048)
        for blob in (config, layer):
            upload_blob(upstream, repo, blob)
        body = image_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER_GZIP, layer)])
        self.assertEqual(request(upstream, "PUT", f"/v2/{repo}/manifests/1.0", body,
                                 {"Content-Type": OCI_MANIFEST}).status, 201)
        mirror = self.start("", "--upstream", f"up=http://127.0.0.1:{upstream.port}")
        resp = request(mirror, "GET", f"/v2/up/{repo}/blobs/{sha256(layer)}")  # a miss: fetched
        self.assertEqual((resp.status, resp.body), (200, layer))
        # The fetch is counted once it has stored the blob, which may be just after the answer.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = request(mirror, "GET", "/metrics").body.decode()
            if samples(text, "regmirror_mirror_upstream_bytes_total") == {'{upstream="up"}': len(layer)}:
                break
            time.sleep(0.05)
        else:
            self.fail(f"no upstream bytes counted:\n{text}")
        resp = request(mirror, "GET", f"/v2/up/{repo}/blobs/{sha256(layer)}")  # a hit
        self.assertEqual((resp.status, resp.body), (200, layer))
        # Not at the upstream: it answers all the same (a tag it lacks is an answer, not an error).
        self.assertEqual(request(mirror, "GET", f"/v2/up/{repo}/manifests/nothing",
                                 headers={"Accept": ACCEPT_ALL}).status, 404)
        text = request(mirror, "GET", "/metrics").body.decode()
        self.assertEqual(samples(text, "regmirror_mirror_cache_hits_total"), {'{upstream="up"}': 1}, text)
        self.assertEqual(samples(text, "regmirror_mirror_cache_misses_total"), {'{upstream="up"}': 1}, text)
        fetches = samples(text, "regmirror_mirror_upstream_fetches_total")
        self.assertGreaterEqual(fetches['{upstream="up",result="ok"}'], 2, text)
        self.assertEqual(fetches['{upstream="up",result="error"}'], 0, text)
        self.assertNotIn(repo, text)

    @staticmethod
    def binary():
        from harness import regmirror_binary
        return regmirror_binary()


if __name__ == "__main__":
    unittest.main()
