"""Memory stays bounded by design (issue 12): 50 concurrent chunked uploads of 100 MiB each
through one replica on S3 + PostgreSQL keep its peak RSS within what the configuration bounds
(two 1 MiB read buffers per upload in flight), far below the chunks in flight. Upload bytes
stream to spool files on disk (two parts per upload at most) and on to the bucket; nothing
holds a chunk, let alone a blob, in memory.
"""

import hashlib
import os
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from harness import add_query, location, request  # noqa: E402
from cluster_case import ClusterTestCase  # noqa: E402

UPLOADS = int(os.environ.get("MEMORY_UPLOADS", "50"))
MiB = 1024 * 1024


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")



class ChunkedUploads(ClusterTestCase):
    cluster_options = {
        "count": 1,
        "extra_args": ["--no-access-log"],
        # room for a request that starts before the one before it (another connection)
        # released its slot
        "config": f"limits:\n  uploads:\n    per_client: {2 * UPLOADS}\n    total: {2 * UPLOADS}\n",
    }

    def upload_all(self, chunk, chunks):
        """UPLOADS uploads at once, each `chunks` PATCHes of a `chunk`-sized piece of its own."""
        errors = []

        def one(i):
            try:
                piece = os.urandom(16) + chunk[16:]
                digest = hashlib.sha256()
                post = request(self.replica[0], "POST", f"/v2/memory/u{i}/blobs/uploads/")
                target = location(post)
                for n in range(chunks):
                    resp = request(self.replica[0], "PATCH", target, piece, {
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{n * len(piece)}-{(n + 1) * len(piece) - 1}"}, timeout=600)
                    if resp.status != 202:
                        raise AssertionError(str(resp))
                    digest.update(piece)
                    target = location(resp)
                put = request(self.replica[0], "PUT", add_query(target, digest="sha256:" + digest.hexdigest()),
                              timeout=600)
                if put.status != 201:
                    raise AssertionError(str(put))
            except BaseException as e:  # reported by the test thread
                errors.append(f"upload {i}: {e}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(UPLOADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertFalse(errors, "\n".join(errors))

    def test_peak_rss_does_not_grow_with_the_data(self):
        pid = self.cluster.procs[0].pid
        idle = peak_rss(pid)
        chunk = os.urandom(10 * MiB)
        self.upload_all(chunk, 2)  # 20 MiB each
        small = peak_rss(pid)
        self.upload_all(chunk, 10)  # 100 MiB each: 5 times the data, the same requests
        large = peak_rss(pid)
        print(f"peak RSS idle: {idle / MiB:.0f} MiB, after {UPLOADS} x 20 MiB: {small / MiB:.0f} MiB, "
              f"after {UPLOADS} x 100 MiB: {large / MiB:.0f} MiB", file=sys.stderr)
        # What the configuration bounds: each upload request in flight reads its body through
        # two 1 MiB buffers (one is written while the other fills: server/upload_handlers.cc),
        # and writes it on to a spool file. Holding the 10 MiB chunks in flight would take
        # 500 MiB; holding the blobs, 5 GiB.
        bound = idle + UPLOADS * 3 * MiB + 48 * MiB
        self.assertLess(large, bound, f"{UPLOADS} x 100 MiB took the peak RSS from {idle / MiB:.0f} to "
                                      f"{large / MiB:.0f} MiB (bound {bound / MiB:.0f} MiB)")


if __name__ == "__main__":
    unittest.main()
