"""Readiness for systemd (Type=notify): serve sends READY=1 on NOTIFY_SOCKET once it answers,
RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a SIGHUP, and STOPPING=1 at SIGTERM."""

import signal
import socket
import time
import unittest

from ops_harness import FakeManager, Serve


class NotifyTest(unittest.TestCase):
    def start(self, abstract=False):
        server = Serve()
        self.addCleanup(server.cleanup)
        manager = FakeManager(server.workdir, abstract=abstract)
        self.addCleanup(manager.close)
        server.env["NOTIFY_SOCKET"] = manager.address
        server.start(wait=False)
        return server, manager

    def expect(self, server, manager, state):
        got = manager.receive()
        self.assertIsNotNone(got, f"no {state!r} from the server\n{server.log()}")
        self.assertEqual(got.splitlines()[0], state, got)
        return got

    def test_ready_reloading_stopping(self):
        server, manager = self.start()
        self.expect(server, manager, "READY=1")
        # Ready means answering: no retry here.
        self.assertEqual(server.get("/healthz"), 200)

        before = time.monotonic_ns() // 1000
        server.signal(signal.SIGHUP)
        reloading = self.expect(server, manager, "RELOADING=1")
        fields = dict(line.split("=", 1) for line in reloading.splitlines())
        usec = int(fields["MONOTONIC_USEC"])  # CLOCK_MONOTONIC, as time.monotonic on Linux
        self.assertTrue(before <= usec <= time.monotonic_ns() // 1000, (before, usec))
        self.expect(server, manager, "READY=1")
        self.assertEqual(server.get("/healthz"), 200)

        server.signal(signal.SIGTERM)
        self.expect(server, manager, "STOPPING=1")
        self.assertEqual(server.proc.wait(timeout=20), 0, server.log())

    def test_abstract_socket(self):
        server, manager = self.start(abstract=True)
        self.expect(server, manager, "READY=1")
        self.assertEqual(server.get("/healthz"), 200)
        server.stop()
        self.expect(server, manager, "STOPPING=1")

    def test_a_server_that_cannot_start_never_says_ready(self):
        server = Serve()
        self.addCleanup(server.cleanup)
        manager = FakeManager(server.workdir)
        self.addCleanup(manager.close)
        server.env["NOTIFY_SOCKET"] = manager.address
        # The port is taken: serve opens the store, then fails to listen.
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", server.port))
            taken.listen()
            server.start(wait=False)
            self.assertEqual(server.proc.wait(timeout=20), 1, server.log())
        self.assertIsNone(manager.receive(timeout=0.2))


if __name__ == "__main__":
    unittest.main()
