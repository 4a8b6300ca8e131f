"""Client certificates (mTLS): with tls.client_auth require a connection without a valid one
is refused in the handshake; with optional it is served and names no user; a verified one
names its CN as the connection's user (logged at debug), whom the access rules then see.
Over TLS 1.2 and 1.3 (where the client learns of the refusal only when it next reads)."""

import os
import ssl
import subprocess
import unittest

from tls_harness import TlsTestCase, regmirror_binary, test_ca

VERSIONS = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)


class ClientAuth(TlsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A client certificate from a CA the server does not trust.
        cls.stranger = test_ca.TestCA(os.path.join(cls.certs_dir, "stranger"), "stranger CA")
        cls.stranger.issue("client", "mallory", client=True)

    def serve_with_client_ca(self, mode):
        config = f"tls:\n  client_auth: {mode}\n" if mode else None
        return self.serve(extra=["--tls-client-ca", self.ca.cert], config=config)

    def request(self, server, version, cert=None):
        """GET /v2/ over a new connection: the status, or the exception that ended it."""
        context = self.context(version=version, cert=cert)
        connection = server.connection(context, timeout=10)
        try:
            connection.request("GET", "/v2/")
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, ssl.SSLError) as e:
            return e
        finally:
            connection.close()

    def stranger_cert(self):
        return self.stranger.path("client.crt"), self.stranger.path("client.key")

    def test_require_is_the_default_with_a_client_ca(self):
        server = self.serve_with_client_ca(None)
        for version in VERSIONS:
            with self.subTest(version.name):
                self.assertEqual(self.request(server, version, self.cert("client")), 200)
                self.assertIsInstance(self.request(server, version), (ssl.SSLError, ConnectionError))

    def test_require_refuses_a_connection_without_a_valid_certificate(self):
        server = self.serve_with_client_ca("require")
        for version in VERSIONS:
            with self.subTest(version.name):
                offset = len(server.log())
                self.assertEqual(self.request(server, version, self.cert("client")), 200)
                server.wait_for_log(f"TLS connection from 127.0.0.1: {version.name.replace('v1_', 'v1.')}, "
                                    "certificate user robot-ci", after=offset)
                self.assertIsInstance(self.request(server, version), (ssl.SSLError, ConnectionError),
                                      "no certificate")
                self.assertIsInstance(self.request(server, version, self.stranger_cert()),
                                      (ssl.SSLError, ConnectionError), "a certificate of another CA")
                # A server certificate is not for clients (extendedKeyUsage serverAuth only).
                self.assertIsInstance(self.request(server, version, self.cert("server")),
                                      (ssl.SSLError, ConnectionError), "a server certificate")
        self.assertNotIn("mallory", server.log())
        self.assertEqual(self.request(server, ssl.TLSVersion.TLSv1_3, self.cert("client")), 200)

    def test_optional_serves_everyone_and_names_only_verified_users(self):
        server = self.serve_with_client_ca("optional")
        for version in VERSIONS:
            with self.subTest(version.name):
                offset = len(server.log())
                self.assertEqual(self.request(server, version), 200)
                self.assertEqual(self.request(server, version, self.stranger_cert()), 200)
                self.assertEqual(self.request(server, version, self.cert("client")), 200)
                log = server.wait_for_log("certificate user robot-ci", after=offset)[offset:]
                self.assertEqual(log.count("certificate user"), 1, log)
        self.assertNotIn("mallory", server.log())

    def test_none_asks_for_no_certificate(self):
        server = self.serve_with_client_ca("none")
        self.assertEqual(self.request(server, ssl.TLSVersion.TLSv1_3, self.cert("client")), 200)
        self.assertNotIn("certificate user", server.log())

    def test_the_access_rules_see_the_certificate_user(self):
        htpasswd = os.path.join(self.workdir, "htpasswd")
        subprocess.run([regmirror_binary(), "passwd", "alice", "--htpasswd", htpasswd, "--password-stdin",
                        "--cost", "4"], input=b"alice-password", check=True, capture_output=True)
        server = self.serve(extra=["--tls-client-ca", self.ca.cert, "--htpasswd", htpasswd], config="""\
tls:
  client_auth: optional
auth:
  mode: basic
  access:
    - repositories: "**"
      actions: pull
      subjects: [robot-ci]
""")
        for cert, want in ((self.cert("client"), 404), (None, 401), (self.stranger_cert(), 401)):
            with self.subTest(cert=cert):
                connection = server.connection(self.context(cert=cert))
                connection.request("GET", "/v2/mirror/app/tags/list")
                response = connection.getresponse()
                response.read()
                connection.close()
                # 404: robot-ci may pull, there is just nothing there; 401: sign in first.
                self.assertEqual(response.status, want)


if __name__ == "__main__":
    unittest.main()
