#!/usr/bin/env python3
"""The policy.json that pull, copy --verify-policy and resolve read by default, as
containers/image picks it: $HOME/.config/containers/policy.json when it exists, else
/etc/containers/policy.json (when that exists). Shown through `regmirror resolve`, which
names the policy it read; nothing here reaches the network.

    python3 tests/cli/default_paths_test.py build/src/cli/regmirror
"""
import os
import subprocess
import sys
import tempfile
import unittest

BINARY = None


class DefaultPolicyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.home = os.path.join(self.dir.name, "home")
        os.makedirs(self.home)
        self.conf = os.path.join(self.dir.name, "registries.conf")
        with open(self.conf, "w", encoding="utf-8") as file:
            file.write("")
        self.conf_dir = os.path.join(self.dir.name, "registries.conf.d")
        os.makedirs(self.conf_dir)

    def tearDown(self):
        self.dir.cleanup()

    def resolve(self):
        env = dict(os.environ, HOME=self.home)
        done = subprocess.run(
            [BINARY, "resolve", "--registries-conf", self.conf, "--registries-conf-dir",
             self.conf_dir, "quay.io/ns/app:1"],
            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=30)
        return [line for line in done.stdout.splitlines() if line.startswith("policy:")]

    def test_the_users_policy_comes_first(self):
        user_policy = os.path.join(self.home, ".config", "containers", "policy.json")
        os.makedirs(os.path.dirname(user_policy))
        with open(user_policy, "w", encoding="utf-8") as file:
            file.write('{"default": [{"type": "insecureAcceptAnything"}]}')
        self.assertEqual(self.resolve(), [f"policy: {user_policy}"])

    def test_else_the_systems(self):
        system = "/etc/containers/policy.json"
        expected = (f"policy: {system}" if os.path.exists(system)
                    else f"policy: not checked ({system} does not exist)")
        self.assertEqual(self.resolve(), [expected])


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
