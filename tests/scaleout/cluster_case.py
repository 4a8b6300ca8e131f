"""A test class that runs one cluster (tests/fixtures/replicas.py) for all its tests."""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from harness import regmirror_binary  # noqa: E402
import replicas  # noqa: E402


class ClusterTestCase(unittest.TestCase):
    """`cluster_options`: keyword arguments of replicas.Replicas (count, extra_args, config...).
    `replica[i]` addresses replica i directly, `cluster` through HAProxy."""

    cluster_options = {}

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="regmirror-scaleout-")
        cls.cluster = replicas.Replicas(regmirror_binary(), cls.workdir, **cls.cluster_options)
        try:
            cls.cluster.start()
        except BaseException:
            cls.cluster.kill()
            shutil.rmtree(cls.workdir, ignore_errors=True)
            raise
        cls.replica = [replicas.Direct(cls.cluster, i) for i in range(cls.cluster.count)]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.cluster.stop()
        finally:
            cls.cluster.kill()
            shutil.rmtree(cls.workdir, ignore_errors=True)
