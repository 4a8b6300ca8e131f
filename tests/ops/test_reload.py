"""SIGHUP re-reads the config file: the log level and auth's access rules take effect at once;
a changed key that needs a restart is logged as such; a file that no longer parses or holds
a wrong rule is logged and the running configuration kept."""

import os
import signal
import unittest

from ops_harness import Serve

# Anonymous callers may pull public/** only (basic mode: the rules judge them directly).
PUBLIC_ONLY = """log:
  level: warn
auth:
  mode: basic
  access:
    - repositories: public/**
      actions: pull
      subjects: [anonymous]
"""
# Everything; and the log level lowered to info.
EVERYTHING = PUBLIC_ONLY.replace("level: warn", "level: info").replace("public/**", '"**"')


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.server = Serve(PUBLIC_ONLY)
        self.addCleanup(self.server.cleanup)
        self.server.start()

    def reload(self, expect):
        """SIGHUP; the log after it once it holds `expect`."""
        offset = len(self.server.log())
        self.server.signal(signal.SIGHUP)
        return self.server.wait_for_log(expect, after=offset)

    def test_log_level_and_access_rules_take_effect(self):
        self.assertEqual(self.server.get("/v2/private/app/tags/list"), 401)
        self.assertNotIn("regmirror serving", self.server.log())  # info is below warn
        self.server.write_config(EVERYTHING)
        log = self.reload("SIGHUP: reloaded")
        self.assertNotIn("needs a restart", log)
        self.assertEqual(self.server.get("/v2/private/app/tags/list"), 404)  # allowed, unknown
        self.server.stop()
        self.assertIn("regmirror stopped", self.server.log())  # info now

    def test_keys_that_need_a_restart_are_named_and_keep_their_value(self):
        other_storage = os.path.join(self.server.workdir, "other")
        self.server.write_config(EVERYTHING, listen="127.0.0.1:1", storage=other_storage)
        log = self.reload("SIGHUP: reloaded")
        self.assertIn("listen changed: needs a restart", log)
        self.assertIn("storage.root changed: needs a restart", log)
        self.assertNotIn("auth.access changed", log)
        self.assertEqual(self.server.get("/healthz"), 200)  # still on its port
        self.assertFalse(os.path.exists(other_storage))
        self.assertEqual(self.server.get("/v2/private/app/tags/list"), 404)  # the rules did change
        self.server.stop()

    def test_a_broken_config_is_logged_and_the_running_one_kept(self):
        for broken, why in [("auth: [\n", "config.yaml:"),
                            ("bogus: 1\n", "unknown key bogus"),
                            (EVERYTHING.replace("actions: pull", "actions: fly"), "fly")]:
            with self.subTest(why=why):
                self.server.write_config(broken)
                log = self.reload("SIGHUP: keeping the running configuration")
                self.assertIn(why, log)
                self.assertEqual(self.server.get("/v2/private/app/tags/list"), 401)
        self.assertNotIn("regmirror stopped", self.server.log())
        self.server.stop()
        self.assertNotIn("regmirror stopped", self.server.log())  # still warn


class AuthOnOffTest(unittest.TestCase):
    def test_turning_auth_on_needs_a_restart(self):
        server = Serve("log:\n  level: info\n")
        self.addCleanup(server.cleanup)
        server.start()
        server.write_config(PUBLIC_ONLY.replace("level: warn", "level: info"))
        offset = len(server.log())
        server.signal(signal.SIGHUP)
        log = server.wait_for_log("SIGHUP: reloaded", after=offset)
        self.assertIn("turning it on needs a restart", log)
        self.assertEqual(server.get("/v2/private/app/tags/list"), 404)  # still no auth
        server.stop()


if __name__ == "__main__":
    unittest.main()
