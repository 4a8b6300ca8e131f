#!/usr/bin/env python3
"""`regmirror migrate` through the real binary against a throwaway PostgreSQL cluster
(tests/fixtures/postgres_server.py): a new database is migrated and the version printed, a
second run changes nothing, an unreachable server is exit 1 with a message that names it
without the password. Skipped (77) when PostgreSQL is not installed.

    python3 tests/cli/migrate_test.py build/src/cli/regmirror
"""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import postgres_server  # noqa: E402

BINARY = None


def migrate(url):
    return subprocess.run([BINARY, "migrate", "--database", url, "--connect-timeout", "2"],
                          capture_output=True, text=True, timeout=60)


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.url = postgres_server.start(cls.dir.name)

    @classmethod
    def tearDownClass(cls):
        postgres_server.stop(cls.dir.name)
        cls.dir.cleanup()

    def test_migrates_once_and_prints_the_version(self):
        first = migrate(self.url)
        self.assertEqual((first.returncode, first.stdout, first.stderr), (0, "schema version 5\n", ""))
        again = migrate(self.url)
        self.assertEqual((again.returncode, again.stdout, again.stderr), (0, "schema version 5\n", ""))
        versions = subprocess.run(
            ["psql", self.url, "-Atc", "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"],
            capture_output=True, text=True, check=True)
        self.assertEqual(versions.stdout, "1,2,3,4,5\n")

    def test_unreachable_server_is_a_clear_failure(self):
        url = self.url.replace(self.url.split(":")[3].split("/")[0], "1")  # port 1: nobody there
        done = migrate(url)
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stdout, "")
        self.assertIn("cannot connect to postgresql://regmirror:***@127.0.0.1:1/", done.stderr)
        self.assertNotIn(postgres_server.PASSWORD, done.stderr)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    if not os.path.exists(f"{postgres_server.BIN}/initdb"):
        print("PostgreSQL 15 is not installed: skipped")
        sys.exit(77)
    unittest.main()
