"""Pull-through across replicas (issue 12): three replicas mirroring one upstream fetch a blob
from it once for the whole cluster, however many replicas are asked at once; a replica that
dies mid-fetch hands the fetch over when its lease lapses.

The upstream is a plain `regmirror serve` behind tests/fixtures/fault_proxy.py, which slows
its bodies down (so that requests overlap) and logs every request (so that the test counts
the blob's GETs).
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from harness import Server, regmirror_binary, request, sha256, upload_blob  # noqa: E402
import replicas  # noqa: E402

MiB = 1024 * 1024



class MirrorCluster(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-scale-mirror-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        self.upstream = Server(workdir=os.path.join(self.workdir, "upstream")).start()
        self.addCleanup(self.upstream.cleanup)
        self.blob = os.urandom(8 * MiB)
        self.digest = upload_blob(self.upstream, "app", self.blob)

    def start_cluster(self, throttle, fetch_lease="30s"):
        self.proxy = replicas.FaultProxy(os.path.join(self.workdir, "proxy"),
                                         f"http://127.0.0.1:{self.upstream.port}",
                                         ["--throttle", str(throttle)])
        self.addCleanup(self.proxy.stop)
        self.cluster = replicas.Replicas(regmirror_binary(), os.path.join(self.workdir, "cluster"),
                                         extra_args=["--upstream", f"up={self.proxy.endpoint}"],
                                         config=f"mirror:\n  fetch_lease: {fetch_lease}\n")
        os.makedirs(self.cluster.workdir)
        self.addCleanup(self.cluster.kill)
        self.cluster.start()
        self.replica = [replicas.Direct(self.cluster, i) for i in range(3)]

    def blob_gets(self):
        with open(self.proxy.log) as f:
            return sum(1 for line in f
                       if (r := json.loads(line))["method"] == "GET" and r["path"].endswith(self.digest))

    def get_blob(self, replica, results):
        resp = request(replica, "GET", f"/v2/up/app/blobs/{self.digest}", timeout=120)
        results.append((replica.index, resp.status, sha256(resp.body)))

    def test_one_upstream_fetch_for_the_whole_cluster(self):
        self.start_cluster(throttle=4 * MiB)  # 2 s for the blob: every request below overlaps it
        results = []
        threads = [threading.Thread(target=self.get_blob, args=(self.replica[i % 3], results))
                   for i in range(6)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), sorted((i % 3, 200, self.digest) for i in range(6)))
        self.assertEqual(self.blob_gets(), 1, "one upstream GET of the blob for three replicas")

    def test_a_replica_dying_mid_fetch_hands_the_fetch_over(self):
        self.start_cluster(throttle=2 * MiB, fetch_lease="2s")  # 4 s for the blob
        first, second = [], []
        doomed = threading.Thread(target=lambda: self.get_blob_quietly(self.replica[0], first))
        doomed.start()
        time.sleep(1.0)  # replica 0 holds the lease and is fetching
        waiting = threading.Thread(target=self.get_blob, args=(self.replica[1], second))
        waiting.start()
        time.sleep(0.5)
        self.cluster.kill_replica(0, signal.SIGKILL)
        waiting.join(timeout=120)
        doomed.join(timeout=10)
        self.assertEqual(second, [(1, 200, self.digest)])
        self.assertEqual(self.blob_gets(), 2, "the cut fetch, then the one that took over")
        self.cluster.start()  # the stop checks every replica

    def get_blob_quietly(self, replica, results):
        try:
            self.get_blob(replica, results)
        except AssertionError:  # its replica was killed under it
            results.append("cut")


if __name__ == "__main__":
    unittest.main()
