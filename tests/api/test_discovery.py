"""Content discovery: tags/list with n, last and Link; _catalog pagination; NAME_UNKNOWN.

ConformanceDiscoveryTagsTest follows the tag part of conformance/03_discovery_test.go
(the referrers part is in test_referrers.py).
"""

import re
import unittest

from conformance_data import ConformanceData
from harness import (OCI_MANIFEST, RegistryTestCase, add_query, location, peer_bug, requires,
                     unique_repo)

LINK_RE = re.compile(r'^\s*<([^>]+)>\s*;\s*rel="?next"?\s*$')


def next_link(tc, resp):
    """The target of a Link: <...>; rel="next" header, or None."""
    link = resp.header("Link")
    if link is None:
        return None
    m = LINK_RE.match(link)
    if not m:
        tc.fail(f'Link must be RFC 5988 <url>; rel="next":\n{resp}')
    return m.group(1)


class ConformanceDiscoveryTagsTest(RegistryTestCase):
    """03_discovery_test.go, listing tags: steps run in order and share state."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = ConformanceData()
        cls.name = f"conformance/{unique_repo('discovery')}"
        cls.num_tags = 4
        cls.tag_list = []

    def populate(self, blob):
        post = self.post(f"/v2/{self.name}/blobs/uploads/")
        resp = self.put(add_query(location(post), digest=blob.digest), blob.content,
                        {"Content-Type": "application/octet-stream", "Content-Length": str(blob.length)})
        self.assert2xx(resp)

    def test_00_setup(self):
        self.populate(self.data.configs[2])
        self.populate(self.data.layer)
        for i in range(self.num_tags):
            resp = self.put(f"/v2/{self.name}/manifests/test{i}", self.data.manifests[2].content,
                            {"Content-Type": OCI_MANIFEST})
            self.assert2xx(resp, "Populate registry with test tags")
        resp = self.get(f"/v2/{self.name}/tags/list")
        type(self).tag_list = resp.json().get("tags") or []

    def test_10_list_tags_200(self):
        resp = self.get(f"/v2/{self.name}/tags/list")
        self.assertStatus(resp, 200)
        type(self).tag_list = resp.json().get("tags") or []
        type(self).num_tags = len(self.tag_list)

    @requires("tag_pagination")
    def test_11_n_limits_tags(self):
        n = self.num_tags // 2
        resp = self.get(add_query(f"/v2/{self.name}/tags/list", n=n))
        self.assertStatus(resp, 200)
        self.assertEqual(len(resp.json().get("tags") or []), n, str(resp))

    @requires("tag_pagination")
    def test_12_last_sets_start(self):
        n = self.num_tags // 2
        self.assertGreater(n, 0, "the tag list was empty (the suite would index tagList[-1] here)")
        resp = self.get(add_query(f"/v2/{self.name}/tags/list", n=n))
        tag_list = resp.json().get("tags") or []
        self.assertGreaterEqual(len(tag_list), n, str(resp))
        resp = self.get(add_query(f"/v2/{self.name}/tags/list", n=n, last=tag_list[n - 1]))
        self.assertStatus(resp, 200)
        # the suite re-checks its first page here (len <= n); the page after `last` is checked too
        self.assertLessEqual(len(tag_list), n, str(resp))
        page = resp.json().get("tags") or []
        self.assertNotIn(tag_list[n - 1], page, f"last is exclusive:\n{resp}")
        self.assertEqual(page, self.tag_list[n:2 * n], f"the page after {tag_list[n - 1]}:\n{resp}")

    def test_90_teardown(self):
        for ref in (self.data.manifests[2].digest,):
            resp = self.delete(f"/v2/{self.name}/manifests/{ref}")
            self.assertStatus(resp, 202, 404, 405)
        for blob in (self.data.configs[2], self.data.layer):
            resp = self.delete(f"/v2/{self.name}/blobs/{blob.digest}")
            if resp.status != 405:
                self.assert2xx(resp)


class TagsTest(RegistryTestCase):
    TAGS = ["1.0", "1.0-rc1", "10", "2", "a_b", "a-b", "a.b", "latest", "v1", "zz"]

    @classmethod
    def setUpClass(cls):
        cls.repo = unique_repo("tags")
        super().setUpClass()

    def seed_content(self):
        img = self.push_image(self.repo)
        for tag in reversed(self.TAGS):  # pushed out of order on purpose
            self.push_manifest(self.repo, tag, img.manifest)

    def tags(self, **query):
        resp = self.get(add_query(f"/v2/{self.repo}/tags/list", **query) if query else f"/v2/{self.repo}/tags/list")
        self.assertStatus(resp, 200)
        doc = resp.json()
        self.assertEqual(doc.get("name"), self.repo, f"tags/list names the repository:\n{resp}")
        self.assertIsInstance(doc.get("tags"), list, f"tags is a JSON list:\n{resp}")
        return resp, doc["tags"]

    @peer_bug("2.8 lists tags in directory order, not lexical order")
    def test_all_tags_in_lexical_order(self):
        resp, tags = self.tags()
        self.assertEqual(tags, sorted(self.TAGS), f"all tags, in lexical order:\n{resp}")
        self.assertTrue((resp.header("Content-Type") or "").startswith("application/json"), str(resp))

    @requires("tag_pagination")
    def test_n(self):
        resp, tags = self.tags(n=3)
        self.assertEqual(tags, sorted(self.TAGS)[:3], str(resp))

    @requires("tag_pagination")
    def test_n_zero(self):
        resp, tags = self.tags(n=0)
        self.assertEqual(tags, [], f"n=0 MUST return an empty list:\n{resp}")
        self.assertIsNone(resp.header("Link"), f"n=0 MUST NOT include a Link header:\n{resp}")

    @requires("tag_pagination")
    def test_n_larger_than_count(self):
        resp, tags = self.tags(n=1000)
        self.assertEqual(tags, sorted(self.TAGS))
        self.assertIsNone(resp.header("Link"), f"no next page:\n{resp}")

    @requires("tag_pagination")
    def test_link_pagination(self):
        seen, target, pages = [], f"/v2/{self.repo}/tags/list?n=3", 0
        while target:
            resp = self.get(target)
            self.assertStatus(resp, 200)
            page = resp.json()["tags"]
            self.assertLessEqual(len(page), 3, str(resp))
            link = next_link(self, resp)
            if link and len(page) < 3:
                self.fail(f"a short page with a Link header:\n{resp}")
            if not link and len(page) == 3 and len(seen) + 3 < len(self.TAGS):
                self.fail(f"a full page without a Link header while tags remain:\n{resp}")
            seen += page
            target = link
            pages += 1
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(seen, sorted(self.TAGS), "following Link visits every tag once, in order")

    @requires("tag_pagination")
    def test_last(self):
        ordered = sorted(self.TAGS)
        resp, tags = self.tags(last=ordered[3])
        self.assertEqual(tags, ordered[4:], f"last without n: everything after it:\n{resp}")
        resp, tags = self.tags(n=2, last=ordered[3])
        self.assertEqual(tags, ordered[4:6], str(resp))
        resp, tags = self.tags(last=ordered[-1])
        self.assertEqual(tags, [], str(resp))
        resp, tags = self.tags(last="1.0-a")  # not a tag itself: starts after where it would sort
        self.assertEqual(tags, ordered[1:], str(resp))

    def test_unknown_repository(self):
        self.assertError(self.get(f"/v2/{unique_repo('nothing')}/tags/list"), 404, "NAME_UNKNOWN")

    @peer_bug("2.8 answers 404 NAME_UNKNOWN for a repository that holds content but no tags")
    def test_repository_without_tags(self):
        repo = unique_repo("untagged")
        self.push_image(repo)  # by digest only
        resp = self.get(f"/v2/{repo}/tags/list")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json().get("tags"), [], f"no tags: an empty list:\n{resp}")


class CatalogTest(RegistryTestCase):
    """_catalog is not in the OCI spec; registries (and skopeo/oc-mirror) use the Docker API's."""

    REPOS = ["alpha", "beta/one", "beta/two", "delta", "gamma/a/b"]

    def seed_content(self):
        for repo in reversed(self.REPOS):
            self.push_image(repo, "v1")

    def test_full_list(self):
        resp = self.get("/v2/_catalog")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json().get("repositories"), self.REPOS, str(resp))

    def test_pagination(self):
        resp = self.get("/v2/_catalog?n=2")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json()["repositories"], self.REPOS[:2], str(resp))
        seen, target, pages = [], "/v2/_catalog?n=2", 0
        while target:
            resp = self.get(target)
            self.assertStatus(resp, 200)
            page = resp.json()["repositories"]
            seen += page
            target = next_link(self, resp)
            pages += 1
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(seen, self.REPOS)

    def test_last(self):
        resp = self.get("/v2/_catalog?n=10&last=beta/one")
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json()["repositories"], self.REPOS[2:], str(resp))

    def test_listing_is_sorted_and_unique(self):
        resp = self.get("/v2/_catalog")
        self.assertStatus(resp, 200)
        repos = resp.json()["repositories"]
        self.assertEqual(repos, sorted(repos))
        self.assertEqual(len(repos), len(set(repos)))


if __name__ == "__main__":
    unittest.main()
