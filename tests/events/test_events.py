"""Events delivered to webhooks (docs/events.md): what a receiver gets for pushes, pulls, tag
moves and deletes, exactly once and in order; that nothing is lost while the receiver is down
and the registry restarts (SIGTERM, and kill -9 once the events are in the outbox); the
distribution format; and that a webhook that hangs does not hold pushes.

Run by hand:  cd tests/events && REGMIRROR_BIN=$PWD/../../build/src/cli/regmirror python3 -m unittest -v test_events
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# The robustness harness: a server that restarts on the same storage, and a plain HTTP client.
sys.path.insert(0, os.path.join(HERE, "..", "robustness"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from oci_layout import write_oci_layout  # noqa: E402
from robustness_harness import Server, content, free_port, image_config, image_manifest, sha256  # noqa: E402
from webhook_receiver import Receiver  # noqa: E402

SECRET = "events-test-secret"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


ALL_ACTIONS = "[push, pull, delete, tag, mirror.fetch, gc.delete]"


def config_text(endpoints, extra=""):
    """Endpoints as (name, port, format) or (name, port, format, actions)."""
    lines = [extra + "events:", "  endpoints:"]
    for name, port, fmt, *actions in endpoints:
        lines += [f"    - name: {name}", f"      url: http://127.0.0.1:{port}/hook",
                  f"      secret: {SECRET}", f"      format: {fmt}", "      timeout: 1s"]
        lines += [f"      actions: {a}" for a in actions]
    return "\n".join(lines) + "\n"


def push_image(client, repo, reference, seed):
    """Pushes a two-blob image over HTTP; returns its manifest digest."""
    layer = content(seed, 1000)
    config = image_config(seed)
    for blob in (layer, config):
        status, _, body = client.post_upload(repo, sha256(blob), blob)
        assert status == 201, (status, body)
    manifest = image_manifest((sha256(config), len(config)), [(sha256(layer), len(layer))])
    reference = reference or sha256(manifest)
    status, _, body = client.put_manifest(repo, reference, manifest)
    assert status == 201, (status, body)
    return sha256(manifest)


def write_hello_image(directory, tag, seed):
    """A one-layer image in an OCI layout, as skopeo reads it; returns its manifest digest."""
    return write_oci_layout(directory, tag, "hello.txt", f"seed {seed}\n".encode())[0]


class EventsCase(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-events-")
        self.receivers = []
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            if server.running():
                server.kill()
        for receiver in self.receivers:
            receiver.stop()
        if not os.environ.get("KEEP"): shutil.rmtree(self.workdir, ignore_errors=True)

    def receiver(self):
        receiver = Receiver(free_port(), SECRET).start()
        self.receivers.append(receiver)
        return receiver

    def server(self, endpoints, extra=""):
        server = Server(self.workdir, config_text=config_text(endpoints, extra), log_level="info")
        self.servers.append(server)
        return server.start()

    def skopeo_push(self, server, repo, tag, seed):
        layout = os.path.join(self.workdir, f"layout-{seed}")
        digest = write_hello_image(layout, tag, seed)
        policy = os.path.join(self.workdir, "policy.json")
        with open(policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        subprocess.run(["skopeo", "--policy", policy, "copy", "--quiet", "--dest-tls-verify=false",
                        f"oci:{layout}:{tag}", f"docker://127.0.0.1:{server.port}/{repo}:{tag}"],
                       check=True, timeout=60, stdin=subprocess.DEVNULL)
        return digest

    def assert_once_in_order(self, events):
        ids = [int(event["id"]) for event in events]
        self.assertEqual(len(ids), len(set(ids)), f"an event arrived twice: {ids}")
        self.assertEqual(ids, sorted(ids), "events arrived out of order")


def summary(event):
    """(repository, action, digest, tag) of a CloudEvent."""
    data = event["data"]
    return (data["repository"], data["action"], data.get("digest", ""), data.get("tag", ""))


class Delivery(EventsCase):
    def test_every_event_once_in_order_in_both_formats(self):
        hook = self.receiver()
        dist = self.receiver()
        # hook has the default actions (every one but pull), dist lists them all
        server = self.server([("hook", hook.port, "cloudevents"),
                              ("dist", dist.port, "distribution", ALL_ACTIONS)])
        client = server.client()

        first = self.skopeo_push(server, "events/a", "v1", seed=1)
        second = self.skopeo_push(server, "events/a", "v1", seed=2)  # the tag moves
        status, _, manifest = client.get_manifest("events/a", second)
        self.assertEqual(status, 200)
        status, _, _ = client.put_manifest("events/a", "v1", manifest)  # again: the tag stays
        self.assertEqual(status, 201)
        status, _, _ = client.get_manifest("events/a", "v1")
        self.assertEqual(status, 200)
        status, _, _ = client.request("HEAD", "/v2/events/a/manifests/v1", headers={"Accept": OCI_MANIFEST})
        self.assertEqual(status, 200)  # no event for a HEAD
        status, _, _ = client.get_blob("events/a", json.loads(manifest)["config"]["digest"])
        self.assertEqual(status, 200)  # nor for a blob
        status, _, _ = client.request("DELETE", f"/v2/events/a/manifests/{first}")
        self.assertEqual(status, 202)
        status, _, _ = client.request("DELETE", "/v2/events/a/manifests/v1")
        self.assertEqual(status, 202)
        third = push_image(client, "events/b", None, seed=3)

        expected = [
            ("events/a", "push", first, "v1"), ("events/a", "tag", first, "v1"),
            ("events/a", "push", second, "v1"), ("events/a", "tag", second, "v1"),
            ("events/a", "pull", second, ""),
            ("events/a", "push", second, "v1"),
            ("events/a", "pull", second, "v1"),
            ("events/a", "delete", first, ""),
            ("events/a", "delete", "", "v1"),
            ("events/b", "push", third, ""),
        ]
        without_pulls = [e for e in expected if e[1] != "pull"]
        hook.wait_for(lambda r: len(r.requests), len(without_pulls))
        dist.wait_for(lambda r: len(r.distribution_events()), len(expected))
        time.sleep(0.3)  # time for a duplicate, were one coming
        events = hook.cloudevents()
        self.assertEqual(hook.bad_signatures, 0)
        self.assertEqual([summary(e) for e in events], without_pulls, f"server log:\n{server.log_tail()}")
        self.assert_once_in_order(events)
        self.assertEqual(hook.content_types(), {"application/cloudevents+json"})
        push = events[0]
        self.assertEqual(push["specversion"], "1.0")
        self.assertEqual(push["type"], "io.regmirror.manifest.push")
        self.assertEqual(push["subject"], f"events/a@{first}")
        self.assertEqual(push["data"]["mediaType"], OCI_MANIFEST)
        self.assertEqual(push["data"]["request"]["method"], "PUT")
        self.assertEqual(events[1]["type"], "io.regmirror.tag.update")

        # The same events in distribution's envelope, batched.
        envelope = dist.distribution_events()
        self.assertEqual(dist.bad_signatures, 0)
        self.assertEqual(dist.content_types(), {"application/vnd.docker.distribution.events.v1+json"})
        self.assertEqual([(e["target"]["repository"], e["action"], e["target"].get("digest", ""),
                           e["target"].get("tag", "")) for e in envelope], expected)
        self.assert_once_in_order(envelope)
        pull = envelope[4]
        self.assertEqual(pull["target"]["mediaType"], OCI_MANIFEST)
        self.assertEqual(pull["target"]["size"], len(manifest))
        self.assertEqual(pull["target"]["url"], f"http://127.0.0.1:{server.port}/v2/events/a/manifests/{second}")
        self.assertEqual(pull["request"]["method"], "GET")
        self.assertEqual(pull["request"]["addr"], "127.0.0.1")
        self.assertTrue(pull["source"]["instanceID"])  # the host name


class GarbageCollection(EventsCase):
    def test_each_manifest_collected_is_an_event(self):
        hook = self.receiver()
        server = self.server([("hook", hook.port, "cloudevents")], extra='gc: {schedule: "", grace: 1s}\n')
        client = server.client()
        first = push_image(client, "events/gc", "v1", seed=41)
        push_image(client, "events/gc", "v1", seed=42)  # the tag moves: the first is garbage
        time.sleep(2.1)  # past the grace
        status, _, body = client.request("POST", "/regmirror/v1/gc")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["manifests_removed"], 1, body)
        collected = lambda r: [summary(e) for e in r.cloudevents() if e["data"]["action"] == "gc.delete"]
        hook.wait_for(lambda r: len(collected(r)), 1)
        self.assertEqual(collected(hook), [("events/gc", "gc.delete", first, "")])


class Outage(EventsCase):
    def outbox_count(self, server):
        db = sqlite3.connect(f"file:{os.path.join(server.storage, 'metadata.sqlite')}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            db.close()

    def test_events_wait_out_a_dead_receiver_and_registry_restarts(self):
        port = free_port()
        server = self.server([("hook", port, "cloudevents")])  # nothing listens there yet
        digests = []

        def push(seed):
            digests.append(push_image(server.client(), "events/outage", f"t{seed}", seed))

        push(1)
        push(2)
        rc, _ = server.terminate()  # a graceful stop, the receiver still down
        self.assertEqual(rc, 0, server.log_tail())
        server.start()
        push(3)
        push(4)
        # A push answered means its events are in the outbox: kill -9 loses none of them.
        self.assertEqual(self.outbox_count(server), 8)
        server.kill()
        server.start()
        push(5)

        receiver = Receiver(port, SECRET).start()
        self.receivers.append(receiver)
        expected = []
        for seed, digest in enumerate(digests, start=1):
            expected += [("events/outage", "push", digest, f"t{seed}"), ("events/outage", "tag", digest, f"t{seed}")]
        received = receiver.wait_for(lambda r: len({e["id"] for e in r.cloudevents()}), len(expected), timeout=30)
        self.assertEqual(received, len(expected), f"server log:\n{server.log_tail()}")
        # At least once: a request cut short by a restart may come again; dropping the repeats
        # leaves every event once, in order.
        unique = {}
        for event in receiver.cloudevents():
            unique.setdefault(event["id"], event)
        events = list(unique.values())
        self.assertEqual([summary(e) for e in events], expected)
        self.assert_once_in_order(events)
        self.assertEqual(receiver.bad_signatures, 0)


class HungWebhook(EventsCase):
    def test_pushes_complete_while_the_webhook_hangs(self):
        receiver = self.receiver()
        receiver.mode = "hang"
        server = self.server([("hook", receiver.port, "cloudevents")])
        client = server.client()
        digests = [push_image(client, "events/hung", None, seed) for seed in range(1, 6)]
        self.assertGreaterEqual(receiver.attempts, 1, "the webhook was called and is hanging")
        self.assertEqual(len(receiver.requests), 0)
        with receiver.lock:
            receiver.mode = "ok"
        receiver.released.set()
        receiver.wait_for(lambda r: len(r.requests), len(digests), timeout=30)
        unique = {e["id"]: e for e in receiver.cloudevents()}
        self.assertEqual([summary(e)[2] for e in unique.values()], digests, server.log_tail())


class PullThrough(EventsCase):
    def test_fetches_from_an_upstream_are_events(self):
        upstream_dir = os.path.join(self.workdir, "upstream")
        os.makedirs(upstream_dir)
        upstream = Server(upstream_dir)  # no events of its own
        self.servers.append(upstream)
        upstream.start()
        digest = push_image(upstream.client(), "library/tool", "v1", seed=7)

        hook = self.receiver()
        mirror = Server(self.workdir, config_text=config_text([("hook", hook.port, "cloudevents", ALL_ACTIONS)]) +
                        f"mirror:\n  upstreams:\n    - url: http://127.0.0.1:{upstream.port}\n      prefix: up\n")
        self.servers.append(mirror)
        mirror.start()
        client = mirror.client()
        status, _, manifest = client.get_manifest("up/library/tool", "v1")
        self.assertEqual(status, 200, mirror.log_tail())
        config = json.loads(manifest)["config"]
        status, _, _ = client.get_blob("up/library/tool", config["digest"])
        self.assertEqual(status, 200)

        expected = [("up/library/tool", "mirror.fetch", digest, "v1"),
                    ("up/library/tool", "pull", digest, "v1"),
                    ("up/library/tool", "mirror.fetch", config["digest"], "")]
        hook.wait_for(lambda r: len(r.requests), len(expected))
        events = hook.cloudevents()
        self.assertEqual([summary(e) for e in events], expected, mirror.log_tail())
        self.assertEqual(events[0]["type"], "io.regmirror.mirror.fetch")
        self.assertEqual(events[2]["data"]["size"], config["size"])
