"""The web UI's serving: index.html at / and at every /ui/ page, the embedded files under
/ui/assets/ with their content types, ETag and 304, the security headers, 404 for unknown
files, 405 for other methods, hostile paths answered without harm, ui.enabled false, and no
credentials needed with auth on (the JSON API guards the data, not the app's files).
"""

import hashlib
import os
import re
import tempfile
import unittest

from harness import PEER, RawConnection, RegistryTestCase, Server, raw_request_head, request

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HTML = "text/html; charset=utf-8"
JS = "text/javascript; charset=utf-8"
APP_PAGES = ["/", "/ui", "/ui/", "/ui/repositories/a/b/tags/x", "/ui/repositories/a/b/manifests/sha256:00",
             "/ui/mirrors", "/ui/login?next=%2Fui%2Fstorage", "/?q=team"]


def imports_of(source):
    """The relative module paths an ES module imports ("./api.js" -> "api.js")."""
    return re.findall(r"""(?:import|from)\s*(?:[^"';]*?from\s*)?["']\./([^"']+)["']""", source)


@unittest.skipIf(PEER, "the web UI is regmirror's")
class UiAssetsTest(RegistryTestCase):

    def assertSecurityHeaders(self, resp):
        self.assertEqual(resp.header("Content-Security-Policy"), CSP, str(resp))
        self.assertEqual(resp.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(resp.header("Referrer-Policy"), "no-referrer")
        self.assertEqual(resp.header("Cache-Control"), "no-cache")

    def assertUnknown(self, resp):
        self.assertEqual(resp.status, 404, str(resp))
        self.assertEqual(resp.json()["errors"][0]["code"], "NAME_UNKNOWN")

    def test_index_at_every_page_of_the_app(self):
        index = self.get("/ui/assets/index.html")
        self.assertEqual(index.status, 200)
        for page in APP_PAGES:
            with self.subTest(page=page):
                resp = self.get(page)
                self.assertEqual(resp.status, 200, str(resp))
                self.assertEqual(resp.header("Content-Type"), HTML)
                self.assertSecurityHeaders(resp)
                self.assertEqual(resp.body, index.body)
                self.assertIn(b'<main id="view"', resp.body)
                self.assertIn(b'src="/ui/assets/app.js"', resp.body)

    def test_every_module_and_file_the_index_names_is_served(self):
        index = self.get("/").body.decode()
        names = set(re.findall(r'(?:src|href)="/ui/assets/([^"]+)"', index))
        self.assertTrue({"app.js", "ui.css", "favicon.svg"} <= names, names)
        seen, todo, total = set(), sorted(names), 0
        types = {".js": JS, ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml; charset=utf-8"}
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            resp = self.get(f"/ui/assets/{name}")
            with self.subTest(asset=name):
                self.assertEqual(resp.status, 200, str(resp))
                self.assertEqual(resp.header("Content-Type"), types[os.path.splitext(name)[1]])
                self.assertSecurityHeaders(resp)
                total += len(resp.body)
            if name.endswith(".js"):
                todo += imports_of(resp.body.decode())
        self.assertIn("api.js", seen)
        self.assertLess(total, 200 * 1024, "the UI must stay well under 200 KB")

    def test_etag_is_the_content_hash_and_answers_304(self):
        resp = self.get("/ui/assets/app.js")
        etag = resp.header("ETag")
        self.assertEqual(etag, f'"{hashlib.sha256(resp.body).hexdigest()}"')
        for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            with self.subTest(if_none_match=if_none_match):
                again = self.get("/ui/assets/app.js", {"If-None-Match": if_none_match})
                self.assertEqual(again.status, 304, str(again))
                self.assertEqual(again.body, b"")
                self.assertEqual(again.header("ETag"), etag)
                self.assertEqual(again.header("Cache-Control"), "no-cache")
        changed = self.get("/ui/assets/app.js", {"If-None-Match": '"not-it"'})
        self.assertEqual(changed.status, 200)
        page = self.get("/ui/repositories/x", {"If-None-Match": self.get("/").header("ETag")})
        self.assertEqual(page.status, 304)

    def test_head_has_the_length_and_no_body(self):
        body = self.get("/ui/assets/ui.css").body
        resp = self.head("/ui/assets/ui.css")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("Content-Length"), str(len(body)))
        self.assertEqual(resp.body, b"")
        self.assertEqual(self.head("/").status, 200)

    def test_unknown_files_are_404(self):
        for target in ("/ui/assets/missing.js", "/ui/assets/", "/ui/assets/APP.JS", "/ui/assets/app.js/",
                       "/ui/assets/sub/app.js", "/favicon.ico", "/index.html", "/uix"):
            with self.subTest(target=target):
                self.assertUnknown(self.get(target))

    def test_other_methods_are_405(self):
        for method, target in (("POST", "/"), ("PUT", "/ui/assets/app.js"), ("DELETE", "/ui/repositories/a"),
                               ("PATCH", "/ui/"), ("OPTIONS", "/ui")):
            with self.subTest(method=method, target=target):
                resp = self.req(method, target, b"" if method in ("POST", "PUT", "PATCH") else None)
                self.assertEqual(resp.status, 405, str(resp))
                self.assertEqual(resp.json()["errors"][0]["code"], "UNSUPPORTED")

    def test_hostile_paths(self):
        app = self.get("/ui/assets/app.js").body
        for target in ("/ui/assets/../x", "/ui/assets/..%2Fapp.js", "/ui/assets/%2e%2e/%2e%2e/etc/passwd",
                       "/ui/assets/app%2Ejs", "/ui/assets/./app.js", "/ui/assets/app.js%00",
                       "/ui/assets/" + "a" * 8000, "/ui/assets//app.js", "/ui/assets/%ff%fe"):
            with self.subTest(target=target[:60]):
                conn = RawConnection(self.server)
                try:
                    conn.send(raw_request_head("GET", target, {"Connection": "close"}))
                    status, _, body = conn.read_response()
                finally:
                    conn.close()
                self.assertEqual(status, 404, body[:200])
                self.assertNotIn(b"root:", body)
        # Pages of the app take any path: the app itself says what is not there.
        for target in ("/ui/" + "b/" * 4000, "/ui/%00%ff/../../etc/passwd", "/ui/..", "/ui/assets"):
            with self.subTest(target=target[:60]):
                conn = RawConnection(self.server)
                try:
                    conn.send(raw_request_head("GET", target, {"Connection": "close"}))
                    status, headers, body = conn.read_response()
                finally:
                    conn.close()
                self.assertEqual(status, 200)
                self.assertEqual(headers.get("content-type"), HTML)
        self.assertEqual(self.get("/ui/assets/app.js").body, app)
        self.assertEqual(self.get("/v2/").status, 200)

    def test_requests_are_measured_as_route_ui(self):
        self.get("/ui/assets/ui.css")
        metrics = self.get("/metrics").body.decode()
        self.assertRegex(metrics, r'regmirror_http_requests_total\{route="ui",method="GET",code="200"\} \d+')


@unittest.skipIf(PEER, "the web UI is regmirror's")
class UiDisabledTest(unittest.TestCase):

    def test_ui_enabled_false_answers_404(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-ui-")
        config = os.path.join(workdir, "config.yaml")
        with open(config, "w") as f:
            f.write("ui:\n  enabled: false\n")
        server = Server(workdir=workdir, extra_args=["--config", config])
        server.own_workdir = True
        try:
            server.start()
            for target in ("/", "/ui/", "/ui/repositories/a", "/ui/assets/app.js"):
                with self.subTest(target=target):
                    resp = request(server, "GET", target)
                    self.assertEqual(resp.status, 404, str(resp))
                    self.assertEqual(resp.json()["errors"][0]["code"], "NAME_UNKNOWN")
            self.assertEqual(request(server, "GET", "/v2/").status, 200)
            server.stop()
        finally:
            server.cleanup()


@unittest.skipIf(PEER, "the web UI is regmirror's")
class UiWithAuthTest(unittest.TestCase):

    def test_served_without_credentials(self):
        server = Server()
        try:
            server.extra_args = ["--htpasswd", server.make_htpasswd()]
            server.start()
            for target in ("/", "/ui/repositories/a", "/ui/assets/app.js"):
                with self.subTest(target=target):
                    resp = request(server, "GET", target)
                    self.assertEqual(resp.status, 200, str(resp))
                    self.assertIsNone(resp.header("WWW-Authenticate"))
            self.assertEqual(request(server, "GET", "/v2/_catalog", headers={"Authorization": "Bearer x"}).status,
                             401)
            server.stop()
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
