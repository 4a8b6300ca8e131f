#!/usr/bin/env python3
"""`regmirror verify`'s inputs through the real binary: an image list that is a device or too
large is refused before it is read whole, a node root without policy.json is refused unless
--policy is given, and a name without a tag is checked as :latest. Only loopback is contacted
(a port nothing listens on).

    python3 tests/verify/verify_inputs_test.py build/src/cli/regmirror
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

BINARY = None
ACCEPT_ALL = '{"default":[{"type":"insecureAcceptAnything"}]}'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VerifyInputs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.dir.name, "node")
        os.makedirs(os.path.join(self.root, "etc/containers"))
        self.policy = os.path.join(self.root, "etc/containers/policy.json")
        with open(self.policy, "w") as f:
            f.write(ACCEPT_ALL)
        self.images = os.path.join(self.dir.name, "images.txt")

    def tearDown(self):
        self.dir.cleanup()

    def verify(self, *args):
        return subprocess.run([BINARY, "verify", "--node-root", self.root, "--progress", "none",
                               "--retry-times", "0", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)

    def test_a_device_as_the_image_list_is_refused(self):
        done = self.verify("--images", "/dev/zero")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("/dev/zero", done.stderr)

    def test_an_oversized_image_list_is_refused(self):
        with open(self.images, "w") as f:
            line = "quay.io/ns/app:v1\n"
            f.write(line * (16 * 1024 * 1024 // len(line) + 1))
        done = self.verify("--images", self.images)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("larger than", done.stderr)

    def test_a_node_without_policy_json_is_refused_unless_one_is_given(self):
        os.remove(self.policy)
        port = free_port()
        with open(self.images, "w") as f:
            f.write(f"127.0.0.1:{port}/ns/app:v1\n")
        done = self.verify("--images", self.images)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("policy.json does not exist", done.stderr)
        given = os.path.join(self.dir.name, "policy.json")
        with open(given, "w") as f:
            f.write(ACCEPT_ALL)
        done = self.verify("--images", self.images, "--policy", given, "--json")
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertEqual(json.loads(done.stdout.splitlines()[0])["status"], "UNREACHABLE")

    def test_a_name_without_tag_is_checked_as_latest(self):
        port = free_port()
        with open(self.images, "w") as f:
            f.write(f"127.0.0.1:{port}/ns/app\n")
        done = self.verify("--images", self.images, "--json")
        self.assertEqual(done.returncode, 1, done.stderr)
        verdict = json.loads(done.stdout.splitlines()[0])
        self.assertEqual(verdict["image"], f"127.0.0.1:{port}/ns/app:latest")
        # Asked at the registry, not BLOCKED for want of a source.
        self.assertEqual(verdict["status"], "UNREACHABLE", verdict)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
