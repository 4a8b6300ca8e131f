#!/usr/bin/env python3
"""`regmirror passwd` through the real binary: add, change and delete a user in an htpasswd
file, other lines kept byte for byte, mode 0600 for a new file, hashes that crypt(3) verifies,
and the exit statuses (0 done, 1 refused, 2 usage). Nothing here reaches the network.

    python3 tests/cli/passwd_test.py build/src/cli/regmirror
"""
import os
import stat
import subprocess
import sys
import tempfile
import unittest
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # crypt: deprecated in 3.11, still here
    import crypt

BINARY = None
# crypt.crypt('x', '$2y$04$abcdefghijklmnopqrstuu'): a user the tests never touch.
BOB = "bob:$2y$04$abcdefghijklmnopqrstuuPp7HPfoAs8I2dCQCQ/fW7zEJv8I8C8e"


def passwd(*args, stdin=""):
    return subprocess.run([BINARY, "passwd", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def hash_of(path, user):
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.startswith(user + ":"):
                return line.rstrip("\n").split(":", 1)[1]
    return None


class PasswdTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "htpasswd")

    def tearDown(self):
        self.dir.cleanup()

    def test_add_creates_a_private_file_with_a_checkable_hash(self):
        done = passwd("alice", "--htpasswd", self.path, "--password-stdin", "--cost", "4",
                      stdin="correct horse\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"Added user alice to {self.path}\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        hashed = hash_of(self.path, "alice")
        self.assertTrue(hashed.startswith("$2y$04$"), hashed)
        self.assertEqual(crypt.crypt("correct horse", hashed), hashed)  # newline stripped
        self.assertNotEqual(crypt.crypt("correct horse\n", hashed), hashed)

    def test_default_cost_is_the_modules(self):
        done = passwd("alice", "--htpasswd", self.path, "--password-stdin", stdin="pw")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(hash_of(self.path, "alice").startswith("$2y$10$"))

    def test_change_and_delete_keep_every_other_byte(self):
        before = f"# team\r\n{BOB}\r\n\n  # alice next\nalice:{BOB[4:]}\ncarol:{BOB[4:]}"
        with open(self.path, "w", encoding="utf-8", newline="") as file:
            file.write(before)
        os.chmod(self.path, 0o640)
        done = passwd("alice", "--htpasswd", self.path, "--password-stdin", "--cost", "4",
                      stdin="new one\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"Changed password of alice in {self.path}\n")
        hashed = hash_of(self.path, "alice")
        self.assertEqual(crypt.crypt("new one", hashed), hashed)
        with open(self.path, encoding="utf-8", newline="") as file:
            self.assertEqual(file.read(), before.replace(f"alice:{BOB[4:]}", f"alice:{hashed}"))
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o640)  # kept

        done = passwd("alice", "--htpasswd", self.path, "--delete")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"Deleted user alice from {self.path}\n")
        with open(self.path, encoding="utf-8", newline="") as file:
            self.assertEqual(file.read(), before.replace(f"alice:{BOB[4:]}\n", ""))

    def test_refusals_write_nothing(self):
        with open(self.path, "w", encoding="utf-8") as file:
            file.write(f"{BOB}\n")
        cases = [  # (args, stdin, words on stderr)
            (["alice", "--delete"], "", 'no user "alice"'),
            (["alice", "--password-stdin"], "\n", "the password is empty"),
            (["alice"], "one\ntwo\n", "the passwords differ"),
        ]
        for args, stdin, words in cases:
            done = passwd(*args, "--htpasswd", self.path, stdin=stdin)
            self.assertEqual(done.returncode, 1, args)
            self.assertIn(words, done.stderr, args)
            self.assertEqual(done.stdout, "", args)
        with open(self.path, encoding="utf-8") as file:
            self.assertEqual(file.read(), f"{BOB}\n")

    def test_a_file_the_server_would_refuse_is_left_alone(self):
        text = f"{BOB}\n# md5 below\ncarol:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n"
        with open(self.path, "w", encoding="utf-8") as file:
            file.write(text)
        done = passwd("alice", "--htpasswd", self.path, "--password-stdin", stdin="pw")
        self.assertEqual(done.returncode, 1)
        self.assertIn("line 3:", done.stderr)
        with open(self.path, encoding="utf-8") as file:
            self.assertEqual(file.read(), text)
        self.assertEqual(os.listdir(self.dir.name), ["htpasswd"])  # no temporary file left

    def test_usage_errors_exit_2(self):
        for args in (["alice"], ["--htpasswd", self.path], ["a:b", "--htpasswd", self.path],
                     ["alice", "--htpasswd", self.path, "--cost", "3"],
                     ["alice", "--htpasswd", self.path, "--delete", "--password-stdin"]):
            done = passwd(*args, stdin="pw")
            self.assertEqual(done.returncode, 2, (args, done.stderr))
            self.assertTrue(done.stderr.startswith("regmirror passwd: "), done.stderr)
        self.assertFalse(os.path.exists(self.path))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
