#!/usr/bin/env python3
"""`regmirror key generate` through the real binary: NAME.key in cosign's encrypted format (mode
0600) and NAME.pub (a PEM public key openssl reads), the passphrase from REGMIRROR_KEY_PASSPHRASE
or typed twice at a terminal (never read from a pipe; ^C at the hidden prompt leaves echo on),
existing files never overwritten. The key file is also decrypted here without
regmirror's code (hashlib's scrypt, libsodium's secretbox through ctypes) and the key signs
what openssl verifies with NAME.pub. Last, skopeo takes NAME.pub in a sigstoreSigned policy.
Nothing here reaches the network.

    python3 tests/cli/key_test.py build/src/cli/regmirror
"""
import base64
import ctypes
import ctypes.util
import hashlib
import json
import os
import pty
import select
import signal
import shutil
import stat
import subprocess
import sys
import tempfile
import termios
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import oci_images  # noqa: E402

BINARY = None
PASSPHRASE = "correct horse battery"


def generate(*args, passphrase=PASSPHRASE, stdin="", cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "REGMIRROR_KEY_PASSPHRASE"}
    if passphrase is not None:
        env["REGMIRROR_KEY_PASSPHRASE"] = passphrase
    return subprocess.run([BINARY, "key", "generate", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=60)


class TerminalRun:
    def __init__(self, returncode, output, echo_after):
        self.returncode = returncode
        self.output = output
        self.echo_after = echo_after


def generate_at_terminal(*args, typed, interrupt=False):
    """`key generate` with a pseudo-terminal as its stdin: each of `typed` is answered to one
    passphrase prompt, then ^C is typed when `interrupt`. The terminal's ECHO flag is read
    after the process ends."""
    env = {k: v for k, v in os.environ.items() if k != "REGMIRROR_KEY_PASSPHRASE"}
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execve(BINARY, [BINARY, "key", "generate", *args], env)
        finally:
            os._exit(127)
    output = b""
    answers = list(typed)

    def read_until(marker):
        nonlocal output
        while marker not in output:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise AssertionError(f"no {marker!r} from key generate: {output!r}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                return False
            if not chunk:
                return False
            output += chunk
        return True

    def wait_for_hidden_input():
        # The prompt is written before echo goes off, and turning it off flushes what was
        # typed already: answer only once the terminal hides input.
        for _ in range(600):
            if not termios.tcgetattr(master)[3] & termios.ECHO:
                return
            select.select([], [], [], 0.05)
        raise AssertionError(f"echo never turned off: {output!r}")

    prompts = 0
    while answers:
        prompts += 1
        if not read_until(b"passphrase" if prompts == 1 else b"again"):
            break
        wait_for_hidden_input()
        os.write(master, answers.pop(0).encode() + b"\n")
    if interrupt:
        read_until(b"passphrase")
        wait_for_hidden_input()
        os.write(master, b"\x03")  # ^C: the terminal sends SIGINT
    while read_until(b"\0never"):
        pass
    _, status = os.waitpid(pid, 0)
    echo_after = bool(termios.tcgetattr(master)[3] & termios.ECHO)
    os.close(master)
    returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return TerminalRun(returncode, output.decode(errors="replace"), echo_after)


def pem_body(path):
    with open(path, encoding="ascii") as file:
        lines = file.read().splitlines()
    return lines[0], lines[-1], base64.b64decode("".join(lines[1:-1]))


def decrypt_cosign_key(path, passphrase):
    """The PKCS#8 DER inside a cosign key file, by go-securesystemslib's recipe; None when the
    passphrase does not open it."""
    _, _, envelope_bytes = pem_body(path)
    envelope = json.loads(envelope_bytes)
    params = envelope["kdf"]["params"]
    key = hashlib.scrypt(passphrase.encode(), salt=base64.b64decode(envelope["kdf"]["salt"]),
                         n=params["N"], r=params["r"], p=params["p"], dklen=32,
                         maxmem=128 * 1024 * 1024)
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
    if sodium.sodium_init() < 0:
        raise RuntimeError("sodium_init failed")
    sealed = base64.b64decode(envelope["ciphertext"])
    nonce = base64.b64decode(envelope["cipher"]["nonce"])
    opened = ctypes.create_string_buffer(len(sealed) - 16)
    if sodium.crypto_secretbox_open_easy(opened, sealed, ctypes.c_ulonglong(len(sealed)), nonce,
                                         key) != 0:
        return None
    return opened.raw


class KeyGenerateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def file(self, name):
        return os.path.join(self.path, name)

    def test_writes_an_encrypted_key_and_a_public_key(self):
        done = generate("release", "--output-dir", self.path)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"Private key written to {self.file('release.key')}\n"
                                      f"Public key written to {self.file('release.pub')}\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.file("release.key")).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.file("release.pub")).st_mode), 0o644)

        begin, end, envelope = pem_body(self.file("release.key"))
        self.assertEqual(begin, "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----")
        self.assertEqual(end, "-----END ENCRYPTED COSIGN PRIVATE KEY-----")
        envelope = json.loads(envelope)
        self.assertEqual(list(envelope), ["kdf", "cipher", "ciphertext"])
        self.assertEqual(envelope["kdf"]["name"], "scrypt")
        self.assertEqual(envelope["kdf"]["params"], {"N": 32768, "r": 8, "p": 1})
        self.assertEqual(envelope["cipher"]["name"], "nacl/secretbox")

        text = subprocess.run(["openssl", "pkey", "-pubin", "-in", self.file("release.pub"),
                               "-noout", "-text"], capture_output=True, text=True, check=True)
        self.assertIn("ASN1 OID: prime256v1", text.stdout)

    def test_the_key_decrypts_without_regmirror_and_signs_for_the_public_key(self):
        if ctypes.util.find_library("sodium") is None:
            self.skipTest("libsodium is not installed")
        self.assertEqual(generate("ci", cwd=self.path).returncode, 0)
        self.assertIsNone(decrypt_cosign_key(self.file("ci.key"), PASSPHRASE + "x"))
        der = decrypt_cosign_key(self.file("ci.key"), PASSPHRASE)
        self.assertIsNotNone(der)
        private = self.file("plain.pem")
        subprocess.run(["openssl", "pkey", "-inform", "DER", "-out", private], input=der,
                       check=True, capture_output=True)
        derived = subprocess.run(["openssl", "pkey", "-in", private, "-pubout"],
                                 capture_output=True, text=True, check=True).stdout
        with open(self.file("ci.pub"), encoding="ascii") as file:
            self.assertEqual(derived, file.read())
        payload = self.file("payload")
        with open(payload, "wb") as file:
            file.write(b'{"critical":{}}')
        signature = self.file("payload.sig")
        subprocess.run(["openssl", "dgst", "-sha256", "-sign", private, "-out", signature,
                        payload], check=True)
        verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", self.file("ci.pub"),
                                   "-signature", signature, payload], capture_output=True,
                                  text=True)
        self.assertEqual(verified.stdout.strip(), "Verified OK")

    def test_typed_passphrase_must_match(self):
        done = generate_at_terminal("typed", "--output-dir", self.path,
                                    typed=["same words", "same words"])
        self.assertEqual(done.returncode, 0, done.output)
        if ctypes.util.find_library("sodium") is not None:
            self.assertIsNotNone(decrypt_cosign_key(self.file("typed.key"), "same words"))

        done = generate_at_terminal("differ", "--output-dir", self.path, typed=["one", "two"])
        self.assertEqual(done.returncode, 1)
        self.assertIn("the passphrases differ", done.output)
        self.assertFalse(os.path.exists(self.file("differ.key")))
        self.assertFalse(os.path.exists(self.file("differ.pub")))
        self.assertEqual(sorted(os.listdir(self.path)), ["typed.key", "typed.pub"])

    def test_a_passphrase_is_never_read_from_a_pipe(self):
        # Without REGMIRROR_KEY_PASSPHRASE and without a terminal there is nobody to ask: a
        # passphrase piped in (or none at all) is refused rather than taken unseen.
        for stdin in ("same words\nsame words\n", ""):
            with self.subTest(stdin=stdin):
                done = generate("piped", "--output-dir", self.path, passphrase=None, stdin=stdin)
                self.assertEqual(done.returncode, 1)
                self.assertIn("no passphrase: type it at a terminal or set "
                              "REGMIRROR_KEY_PASSPHRASE", done.stderr)
                self.assertEqual(os.listdir(self.path), [])

    def test_interrupting_the_hidden_prompt_turns_echo_back_on(self):
        done = generate_at_terminal("interrupted", "--output-dir", self.path, typed=[],
                                    interrupt=True)
        self.assertEqual(done.returncode, -signal.SIGINT, done.output)
        self.assertTrue(done.echo_after, "the terminal was left without echo")
        self.assertEqual(os.listdir(self.path), [])

    def test_an_empty_passphrase_is_allowed_as_cosign_allows_it(self):
        done = generate("open", "--output-dir", self.path, passphrase="")
        self.assertEqual(done.returncode, 0, done.stderr)
        if ctypes.util.find_library("sodium") is not None:
            self.assertIsNotNone(decrypt_cosign_key(self.file("open.key"), ""))

    def test_never_overwrites(self):
        for existing in ("taken.key", "taken.pub"):
            with self.subTest(existing=existing):
                for name in ("taken.key", "taken.pub"):
                    if os.path.exists(self.file(name)):
                        os.remove(self.file(name))
                with open(self.file(existing), "w", encoding="ascii") as file:
                    file.write("keep me\n")
                done = generate("taken", "--output-dir", self.path)
                self.assertEqual(done.returncode, 2)
                self.assertEqual(done.stdout, "")
                self.assertIn(f"{self.file(existing)} already exists; refusing to overwrite it",
                              done.stderr)
                with open(self.file(existing), encoding="ascii") as file:
                    self.assertEqual(file.read(), "keep me\n")
                self.assertEqual(os.listdir(self.path), [existing])

    def test_a_missing_output_directory_fails_without_leftovers(self):
        done = generate("k", "--output-dir", self.file("missing"))
        self.assertEqual(done.returncode, 1)
        self.assertIn("missing", done.stderr)
        self.assertEqual(os.listdir(self.path), [])


class SkopeoTakesThePublicKeyTest(unittest.TestCase):
    """Debian's skopeo 1.9.3 has sigstore verification disabled (a Debian patch) and reads the
    key only once a signature exists, so this shows that a policy naming NAME.pub is accepted
    and evaluated to "no signature", nothing more (see docs/key.md)."""

    def test_sigstore_signed_policy_with_the_public_key(self):
        if shutil.which("skopeo") is None:
            self.skipTest("skopeo is not installed")
        with tempfile.TemporaryDirectory() as path:
            self.assertEqual(generate("policy", "--output-dir", path).returncode, 0)
            oci_images.write_multiarch_layout(os.path.join(path, "src"), "v1",
                                              [{"os": "linux", "architecture": "amd64"}])
            policy = os.path.join(path, "policy.json")
            with open(policy, "w", encoding="ascii") as file:
                json.dump({"default": [{"type": "sigstoreSigned",
                                        "keyPath": os.path.join(path, "policy.pub")}]}, file)
            done = subprocess.run(
                ["skopeo", "copy", "--policy", policy, "oci:" + os.path.join(path, "src") + ":v1",
                 "oci:" + os.path.join(path, "dst") + ":v1"],
                capture_output=True, text=True, timeout=120)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("A signature was required, but no signature exists", done.stderr)
            self.assertNotIn("key", done.stderr.lower().replace("keypath", ""))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
