"""Upload sessions across a restart, and the expiry of abandoned ones.

- A chunked upload started before a graceful restart (SIGTERM, start again on the same storage)
  continues: the status GET reports the bytes received so far, PATCH sends the rest, PUT
  completes with the right digest and the blob reads back byte for byte.
- With `uploads: {expire_after: 1s, purge_interval: 1s}`, an upload nobody touches is forgotten
  within about 3 s: its status is 404 BLOB_UPLOAD_UNKNOWN and DIR/uploads holds no file for it.
  Once with bytes received (PATCH), once with none (POST only).
"""

import os
import sys
import time
import unittest

import robustness_harness as rh

EXPIRY_CONFIG = "uploads:\n  expire_after: 1s\n  purge_interval: 1s\n"
EXPIRY_DEADLINE = 3.5  # seconds: up to 2 s for the 1 s expiry at one-second resolution, 1 s purge period


def upload_id(location):
    return location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[1]


class RestartTest(rh.ServerCase):
    def test_chunked_upload_continues_after_restart(self):
        server = self.new_server().start()
        c = server.client()
        repo = "restart/chunked"
        data = rh.content("restart-upload", 3 * rh.MiB + 12345)
        digest = rh.sha256(data)
        chunks = [(0, 700_000), (700_000, 1_000_000), (1_700_000, 300_001)]  # then the rest after restart

        h, _ = self.expect(server, "POST", self.call(server, c.post_upload, repo), 202)
        location = rh.location_path(h)
        self.assertTrue(location, "POST gave no Location")
        for offset, length in chunks:  # each request goes to the Location the last answer gave
            h, _ = self.expect(server, f"PATCH [{offset}, +{length})",
                               self.call(server, c.patch, location, data[offset:offset + length], offset),
                               202, range=f"0-{offset + length - 1}")
            location = rh.location_path(h) or location
        sent = sum(length for _, length in chunks)

        rc, took = server.terminate()
        self.assertEqual(rc, 0, f"SIGTERM: exit status {rc} after {took:.1f}s\n{server.log_tail()}")
        self.assertTrue(os.path.isfile(os.path.join(server.storage, "uploads", upload_id(location))),
                        "the upload's bytes are not in DIR/uploads while the server is down")

        server.start()
        c = server.client()
        h, _ = self.expect(server, "upload status after the restart",
                           self.call(server, c.upload_status, location), 204, range=f"0-{sent - 1}")
        self.assertEqual(rh.location_path(h).split("?")[0], location.split("?")[0], "status Location")
        location = rh.location_path(h)
        h, _ = self.expect(server, f"PATCH the rest from {sent}",
                           self.call(server, c.patch, location, data[sent:], sent), 202, range=f"0-{len(data) - 1}")
        location = rh.location_path(h) or location
        self.expect(server, "PUT ?digest=", self.call(server, c.put_upload, location, digest), 201,
                    docker_content_digest=digest)
        _, body = self.expect(server, "GET the blob", self.call(server, c.get_blob, repo, digest), 200)
        self.assertEqual(len(body), len(data), "blob size")
        self.assertEqual(rh.sha256(body), digest, "blob content")
        self.assertFalse(os.path.exists(os.path.join(server.storage, "uploads", upload_id(location))),
                         "the completed upload left its file in DIR/uploads")
        h, body = self.expect(server, "status of the completed upload",
                              self.call(server, c.upload_status, location), 404)
        self.assertIn("BLOB_UPLOAD_UNKNOWN", rh.error_codes(body))
        rc, _ = server.terminate()
        self.assertEqual(rc, 0, f"SIGTERM: exit status {rc}\n{server.log_tail()}")

    def abandon_and_wait(self, with_bytes):
        server = self.new_server(config_text=EXPIRY_CONFIG).start()
        c = server.client()
        repo = "restart/abandoned"
        h, _ = self.expect(server, "POST", self.call(server, c.post_upload, repo), 202)
        location = rh.location_path(h)
        path = os.path.join(server.storage, "uploads", upload_id(location))
        if with_bytes:
            chunk = rh.content("abandoned", 100_000)
            h, _ = self.expect(server, "PATCH", self.call(server, c.patch, location, chunk, 0), 202, range="0-99999")
            location = rh.location_path(h) or location
            self.assertTrue(os.path.isfile(path), f"no file {path} for the upload after a PATCH")
        self.expect(server, "status right away", self.call(server, c.upload_status, location), 204)
        abandoned = time.monotonic()

        status = None
        while time.monotonic() - abandoned < EXPIRY_DEADLINE:
            time.sleep(0.25)
            status, h, body = self.call(server, c.upload_status, location)
            if status != 204:
                break
        waited = time.monotonic() - abandoned
        self.assertEqual(status, 404, f"upload status {waited:.1f}s after it was abandoned: "
                                      f"{rh.describe('GET', location, status, h, body)}\n{server.log_tail()}")
        self.assertIn("BLOB_UPLOAD_UNKNOWN", rh.error_codes(body))
        self.assertFalse(os.path.exists(path), f"{path} still exists after the upload expired")
        print(f"\n  upload ({'with' if with_bytes else 'without'} bytes) forgotten {waited:.1f}s after its "
              f"last request", file=sys.stderr)
        self.assertTrue(server.running(), f"server: {server.state()}")
        rc, _ = server.terminate()
        self.assertEqual(rc, 0, f"SIGTERM: exit status {rc}\n{server.log_tail()}")

    def test_abandoned_upload_with_bytes_expires(self):
        self.abandon_and_wait(with_bytes=True)

    def test_abandoned_empty_upload_expires(self):
        self.abandon_and_wait(with_bytes=False)


if __name__ == "__main__":
    unittest.main()
