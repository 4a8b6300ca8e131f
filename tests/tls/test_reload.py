"""Certificate reload: SIGHUP, or a change of the files (tls.reload_interval), gives new
connections the new certificate while a connection already open keeps its own, a large
download on it included; a file that cannot be used (half written, a key of another
certificate) keeps the current certificate; SIGHUP never stops the server."""

import hashlib
import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from tls_harness import MiB, TlsServer, TlsTestCase, content, free_port, regmirror_binary


class Reload(TlsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ca.issue("renewed", "mirror.example.com")

    def setUp(self):
        super().setUp()
        self.live_cert = os.path.join(self.workdir, "live.crt")
        self.live_key = os.path.join(self.workdir, "live.key")
        self.install("server")

    def install(self, name, *, cert=True, key=True):
        """Puts certificate NAME in place as an administrator would: written beside, renamed."""
        for wanted, source, target in ((cert, self.ca.path(name + ".crt"), self.live_cert),
                                       (key, self.ca.path(name + ".key"), self.live_key)):
            if wanted:
                shutil.copyfile(source, target + ".new")
                os.replace(target + ".new", target)

    def serve_live(self, reload_interval):
        server = TlsServer(self.workdir, ["--tls-cert", self.live_cert, "--tls-key", self.live_key],
                           config=f"tls:\n  reload_interval: {reload_interval}\n")
        self.servers.append(server)
        return server.start(self.ca.cert)

    def serial_seen(self, server):
        """The serial number of the certificate a new connection gets."""
        with server.tls_socket(self.context()) as sock:
            return sock.getpeercert()["serialNumber"]

    def wait_for_serial(self, server, serial, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.serial_seen(server) != serial:
            if time.monotonic() > deadline:
                self.fail(f"new connections still get serial {self.serial_seen(server)}, not {serial}; "
                          f"log:\n{server.log()[-2000:]}")
            time.sleep(0.05)

    def test_sighup_gives_new_connections_the_new_certificate_and_keeps_a_download(self):
        server = self.serve_live("0s")
        old, new = self.ca.serial("server"), self.ca.serial("renewed")
        self.assertNotEqual(old, new)
        data = content("reload", 128 * MiB)
        digest = server.push_blob(self.context(), "reload/big", data)

        downloading = server.connection(self.context())
        downloading.request("GET", f"/v2/reload/big/blobs/{digest}")
        response = downloading.getresponse()
        self.assertEqual(response.status, 200)
        hasher = hashlib.sha256(response.read(8 * MiB))
        self.assertEqual(downloading.sock.getpeercert()["serialNumber"], old)

        self.install("renewed")
        offset = len(server.log())
        server.hup()
        server.wait_for_log("TLS reloaded (SIGHUP)", after=offset)
        self.assertEqual(self.serial_seen(server), new)

        while piece := response.read(4 * MiB):
            hasher.update(piece)
        self.assertEqual("sha256:" + hasher.hexdigest(), digest, "the download in flight completed intact")
        downloading.request("GET", "/v2/")  # and its connection carries on
        self.assertEqual(downloading.getresponse().status, 200)
        downloading.close()
        self.assertTrue(server.running())

    def test_a_change_of_the_files_is_picked_up_without_a_signal(self):
        server = self.serve_live("200ms")
        self.assertEqual(self.serial_seen(server), self.ca.serial("server"))
        self.install("renewed")
        self.wait_for_serial(server, self.ca.serial("renewed"))
        self.assertIn("TLS reloaded (its files changed)", server.log())

    def test_files_that_cannot_be_used_keep_the_current_certificate(self):
        server = self.serve_live("200ms")
        old = self.ca.serial("server")
        with open(self.ca.path("renewed.crt")) as f:
            pem = f.read()

        offset = len(server.log())
        with open(self.live_cert, "w") as f:  # half written, in place
            f.write(pem[: len(pem) // 2])
        server.wait_for_log("TLS reload (its files changed) failed", after=offset)
        self.assertEqual(self.serial_seen(server), old)

        offset = len(server.log())
        server.hup()
        log = server.wait_for_log("TLS reload (SIGHUP) failed", after=offset)
        self.assertIn(self.live_cert, log[offset:], "the warning names the file")
        self.assertEqual(self.serial_seen(server), old)

        offset = len(server.log())
        self.install("renewed", key=False)  # the new certificate, the old key
        log = server.wait_for_log("TLS reload (its files changed) failed", after=offset)
        self.assertIn("does not match", log[offset:])
        self.assertEqual(self.serial_seen(server), old)

        self.install("renewed", cert=False)
        self.wait_for_serial(server, self.ca.serial("renewed"))
        self.assertTrue(server.running())
        for line in server.log().splitlines():
            self.assertNotIn("PRIVATE KEY", line)


class HangupWithoutTls(unittest.TestCase):
    def test_sighup_does_not_stop_a_plain_server(self):
        workdir = tempfile.mkdtemp(prefix="regmirror-tls-")
        self.addCleanup(shutil.rmtree, workdir, True)
        port = free_port()
        proc = subprocess.Popen([regmirror_binary(), "serve", "--listen", f"127.0.0.1:{port}", "--storage",
                                 os.path.join(workdir, "storage"), "--log-level", "info"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self.assertEqual(self.wait_ready(port), 200)
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertIsNone(proc.poll(), "SIGHUP stopped the server")
            self.assertEqual(self.wait_ready(port), 200)
        finally:
            proc.send_signal(signal.SIGTERM)
            output = proc.communicate(timeout=15)[0].decode(errors="replace")
        self.assertEqual(proc.returncode, 0, output)
        self.assertIn("SIGHUP: no config file to re-read", output)

    @staticmethod
    def wait_ready(port, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                return connection.getresponse().status
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                connection.close()


if __name__ == "__main__":
    unittest.main()
