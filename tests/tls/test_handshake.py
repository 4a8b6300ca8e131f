"""HTTPS: TLS 1.2 and 1.3, the names the certificate is for, ALPN, keep-alive, blobs both ways,
and what becomes of clients that do not speak TLS or that stall (closed, the server unmoved),
and of certificate files that cannot be used (exit 2, the file named)."""

import http.client
import os
import socket
import ssl
import subprocess
import time
import unittest

from tls_harness import MiB, TlsTestCase, content, regmirror_binary, sha256


def closed_by_server(sock, timeout=5.0):
    """True when the server closes `sock` (EOF or reset) within `timeout`, having sent at most
    a TLS alert record (never an HTTP answer)."""
    sock.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            piece = sock.recv(4096)
            if not piece:
                break
            received += piece
        else:
            return False
    except ConnectionResetError:
        pass
    except socket.timeout:
        return False
    return received == b"" or received[0] == 0x15  # ContentType alert


class Handshake(TlsTestCase):
    def test_tls_1_2_and_1_3(self):
        server = self.serve()
        for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
            with self.subTest(name):
                connection = server.connection(self.context(version=version))
                connection.request("GET", "/v2/")
                response = connection.getresponse()
                self.assertEqual(response.status, 200)
                response.read()
                self.assertEqual(connection.sock.version(), name)
                connection.close()

    def test_certificate_names(self):
        server = self.serve()
        for name in ("127.0.0.1", "localhost", "mirror.example.com"):
            with self.subTest(name):
                with server.tls_socket(self.context(), server_name=name) as sock:
                    sock.sendall(b"GET /v2/ HTTP/1.1\r\nHost: " + name.encode() + b"\r\nConnection: close\r\n\r\n")
                    self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 200 "))
        with self.assertRaises(ssl.SSLCertVerificationError):
            server.tls_socket(self.context(), server_name="other.example.com")

    def test_alpn_picks_http_1_1_and_is_optional(self):
        server = self.serve()
        with server.tls_socket(self.context(alpn=["h2", "http/1.1"])) as sock:
            self.assertEqual(sock.selected_alpn_protocol(), "http/1.1")
        with server.tls_socket(self.context(alpn=["h2"])) as sock:
            self.assertIsNone(sock.selected_alpn_protocol())
        with server.tls_socket(self.context()) as sock:
            self.assertIsNone(sock.selected_alpn_protocol())

    def test_keep_alive(self):
        server = self.serve()
        connection = server.connection(self.context())
        connection.request("GET", "/v2/")
        connection.getresponse().read()
        first = connection.sock
        for _ in range(20):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
        self.assertIs(connection.sock, first, "every request on one TLS connection")
        connection.close()
        self.assertEqual(server.log().count("TLS connection from 127.0.0.1"), 2,
                         "the readiness check and this connection: one handshake each")

    def test_blobs_over_tls(self):
        server = self.serve()
        data = content("tls-blob", 24 * MiB + 5)
        digest = server.push_blob(self.context(), "tls/blob", data)
        connection = server.connection(self.context())
        connection.request("GET", f"/v2/tls/blob/blobs/{digest}")
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(sha256(response.read()), digest)
        connection.request("GET", f"/v2/tls/blob/blobs/{digest}", headers={"Range": "bytes=1000-1999"})
        response = connection.getresponse()
        self.assertEqual(response.status, 206)
        self.assertEqual(response.read(), data[1000:2000])
        connection.close()


class NotTls(TlsTestCase):
    def assert_still_serving(self, server):
        self.assertTrue(server.running())
        self.assertEqual(server.get(self.context(), "/v2/")[0], 200)
        for line in server.log().splitlines():
            self.assertNotRegex(line, r" (warn|error|critical) ", "nothing worth more than debug")

    def test_plain_http_to_the_tls_port_is_closed(self):
        server = self.serve()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assertTrue(closed_by_server(sock))
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            connection.request("GET", "/v2/")
            connection.getresponse()
        connection.close()
        server.wait_for_log("TLS handshake with 127.0.0.1 failed")
        self.assert_still_serving(server)

    def test_garbage_is_closed(self):
        server = self.serve()
        for garbage in (os.urandom(3000), b"\x16\x03\x01\x00\x04\x63\x00\x00\x00", b"\x00" * 100):
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                sock.sendall(garbage)
                self.assertTrue(closed_by_server(sock), garbage[:10])
        self.assert_still_serving(server)

    def test_a_stalled_handshake_is_closed_after_its_timeout(self):
        server = self.serve(config="tls:\n  handshake_timeout: 500ms\n")
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            started = time.monotonic()
            self.assertTrue(closed_by_server(sock, timeout=5), "closed without a word")
            self.assertLess(time.monotonic() - started, 3)
        self.assert_still_serving(server)

    def test_a_client_that_does_not_trust_the_certificate_leaves_the_server_unmoved(self):
        server = self.serve()
        with self.assertRaises(ssl.SSLCertVerificationError):
            server.tls_socket(ssl.create_default_context())  # the system's CAs, not the test CA
        self.assert_still_serving(server)


class StartupErrors(TlsTestCase):
    def start(self, *args):
        command = [regmirror_binary(), "serve", "--listen", "127.0.0.1:0", "--storage",
                   os.path.join(self.workdir, "storage"), *args]
        return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)

    def assert_refused(self, args, *expected):
        done = self.start(*args)
        self.assertEqual(done.returncode, 2, done.stderr)
        for text in expected:
            self.assertIn(text, done.stderr)
        with open(self.ca.path("server.key")) as f:
            for line in f:
                if not line.startswith("-----"):
                    self.assertNotIn(line.strip(), done.stderr, "key material printed")
        return done.stderr

    def test_unusable_files_exit_2_naming_the_file(self):
        crt, key = self.cert("server")
        other_crt, other_key = self.cert("other-host")
        missing = os.path.join(self.workdir, "missing.crt")
        self.assert_refused(["--tls-cert", missing, "--tls-key", key], missing)
        self.assert_refused(["--tls-cert", crt, "--tls-key", other_key], other_key, "does not match", crt)
        self.assert_refused(["--tls-cert", key, "--tls-key", key], key, "no PEM certificate")
        self.assert_refused(["--tls-cert", crt, "--tls-key", crt], crt, "no PEM private key")
        self.assert_refused(["--tls-cert", crt], "needs its key")
        self.assert_refused(["--tls-cert", crt, "--tls-key", key, "--tls-client-ca", missing], missing)
        directory = os.path.join(self.workdir, "a-directory.crt")
        os.mkdir(directory)
        self.assert_refused(["--tls-cert", directory, "--tls-key", key], directory)

    def test_an_unreadable_file_exits_2_naming_it(self):
        if os.geteuid() == 0:
            self.skipTest("root reads every file; a directory stands for an unreadable file above")
        crt, key = self.cert("server")
        unreadable = os.path.join(self.workdir, "unreadable.key")
        with open(key, "rb") as f, open(unreadable, "wb") as out:
            out.write(f.read())
        os.chmod(unreadable, 0)
        self.assert_refused(["--tls-cert", crt, "--tls-key", unreadable], unreadable, "Permission denied")


if __name__ == "__main__":
    unittest.main()
