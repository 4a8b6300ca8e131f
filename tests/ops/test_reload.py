"""SIGHUP re-reads the config file: the log level, auth's access rules and who is an admin
take effect at once;
a changed key that needs a restart is logged as such; a file that no longer parses or holds
a wrong rule is logged and the running configuration kept."""

import base64
import http.client
import os
import signal
import subprocess
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


def admins_config(htpasswd, admins, ops):
    return (f"log:\n  level: info\nauth:\n  mode: basic\n  htpasswd: {htpasswd}\n"
            f"  groups:\n    ops: [{', '.join(ops)}]\n  admins: [{', '.join(admins)}]\n")


class AdminsReloadTest(unittest.TestCase):
    """auth.admins and the groups it names, as POST /regmirror/v1/gc judges them."""

    def setUp(self):
        self.server = Serve()
        self.addCleanup(self.server.cleanup)
        self.htpasswd = os.path.join(self.server.workdir, "htpasswd")
        for user in ("alice", "bob"):
            subprocess.run([self.server.binary, "passwd", user, "--htpasswd", self.htpasswd,
                            "--password-stdin", "--cost", "4"],
                           input=f"{user}-password".encode(), check=True)

    def gc_status(self, user):
        credentials = base64.b64encode(f"{user}:{user}-password".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("POST", "/regmirror/v1/gc", body='{"dry_run": true}',
                     headers={"Authorization": f"Basic {credentials}"})
        status = conn.getresponse().status
        conn.close()
        return status

    def reload(self, config):
        self.server.write_config(config)
        offset = len(self.server.log())
        self.server.signal(signal.SIGHUP)
        log = self.server.wait_for_log("SIGHUP: reloaded", after=offset)
        self.assertNotIn("needs a restart", log)

    def test_admins_and_their_groups_follow_the_reload(self):
        self.server.write_config(admins_config(self.htpasswd, ["group:ops"], ["alice"]))
        self.server.start()
        self.assertEqual(self.gc_status("alice"), 200)
        self.assertEqual(self.gc_status("bob"), 403)
        self.reload(admins_config(self.htpasswd, ["group:ops"], ["alice", "bob"]))
        self.assertEqual(self.gc_status("bob"), 200)
        self.reload(admins_config(self.htpasswd, ["alice"], ["alice", "bob"]))
        self.assertEqual(self.gc_status("bob"), 403)
        self.assertEqual(self.gc_status("alice"), 200)
        self.server.stop()


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
