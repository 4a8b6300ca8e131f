"""`make package`: cpack's .deb of the existing build (into a temporary directory): its
files, its control data (conffile, Depends, maintainer scripts), the unit as systemd-analyze
verifies it, the packaged config that the packaged binary starts with, and the maintainer
scripts at work in a throwaway root (throwaway_root.sh, when root may make namespaces).

Needs REGMIRROR_BUILD_DIR (a configured, built tree) and dpkg-deb; systemd-analyze is used
when installed. Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))

from ops_harness import Serve  # noqa: E402  (the path above)

BUILD_DIR = os.environ.get("REGMIRROR_BUILD_DIR", "")


def run(*cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited with {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
            raise unittest.SkipTest(f"REGMIRROR_BUILD_DIR={BUILD_DIR!r} holds no CPackConfig.cmake")
        cls.out = tempfile.mkdtemp(prefix="regmirror-package-")
        run("cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", cls.out)
        debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.out, debs[0])
        cls.root = os.path.join(cls.out, "root")
        run("dpkg-deb", "-x", cls.deb, cls.root)
        cls.control = os.path.join(cls.out, "control")
        run("dpkg-deb", "-e", cls.deb, cls.control)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_files(self):
        listing = run("dpkg-deb", "-c", self.deb)
        for path in ["./usr/bin/regmirror", "./lib/systemd/system/regmirror.service",
                     "./etc/regmirror/config.yaml", "./usr/share/doc/regmirror/copyright",
                     "./usr/share/doc/regmirror/README.md", "./usr/share/doc/regmirror/config.md",
                     "./usr/share/doc/regmirror/install.md"]:
            self.assertRegex(listing, rf"\s{re.escape(path)}\n", path)
        self.assertRegex(listing, r"-rwxr-xr-x root/root .* \./usr/bin/regmirror\n")

    def test_control(self):
        info = run("dpkg-deb", "-I", self.deb)
        depends = re.search(r"^ Depends: (.*)$", info, re.M)
        self.assertIsNotNone(depends, info)
        # From dpkg-shlibdeps (libc6, libssl3, libcurl4, ...) and ours (adduser).
        for package in ["adduser", "libc6", "libssl3", "libcurl4", "libyaml-cpp0.7", "libpq5"]:
            self.assertRegex(depends.group(1), rf"(^|, ){re.escape(package)}\b", package)
        with open(os.path.join(self.control, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/regmirror/config.yaml"])
        for script in ["postinst", "prerm", "postrm"]:
            path = os.path.join(self.control, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            run("sh", "-n", path)
        with open(os.path.join(self.control, "postinst")) as f:
            self.assertIn("adduser --system --group", f.read())

    def test_unit_verifies(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed (Debian package systemd)")
        with open(os.path.join(self.root, "lib/systemd/system/regmirror.service")) as f:
            unit = f.read()
        # verify checks that ExecStart's binary exists: the packaged one, where it was unpacked.
        binary = os.path.join(self.root, "usr/bin/regmirror")
        self.assertIn("ExecStart=/usr/bin/regmirror serve --config /etc/regmirror/config.yaml\n", unit)
        unit_dir = os.path.join(self.out, "units")
        os.makedirs(unit_dir, exist_ok=True)
        path = os.path.join(unit_dir, "regmirror.service")
        with open(path, "w") as f:
            f.write(unit.replace("ExecStart=/usr/bin/regmirror", f"ExecStart={binary}"))
        done = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output)
        self.assertNotIn("regmirror.service:", output)  # no warning about our unit
        # The hardening stays: 1.2 when written ("OK" is below 4.0; 10 = none at all).
        done = subprocess.run(["systemd-analyze", "security", "--offline=yes", path],
                              capture_output=True, text=True)
        exposure = re.search(r"Overall exposure level for regmirror.service: ([0-9.]+)", done.stdout)
        self.assertIsNotNone(exposure, done.stdout + done.stderr)
        self.assertLessEqual(float(exposure.group(1)), 2.0, done.stdout)

    def test_install_serve_remove_purge_in_a_throwaway_root(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "throwaway_root.sh")
        done = subprocess.run(["sh", script, self.deb], capture_output=True, text=True, timeout=120)
        if done.returncode == 77:
            self.skipTest(done.stdout.strip())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_the_packaged_binary_starts_with_the_packaged_config(self):
        with open(os.path.join(self.root, "etc/regmirror/config.yaml")) as f:
            config = f.read()
        self.assertIn('listen: ":5000"', config)
        self.assertIn("root: /var/lib/regmirror", config)
        server = Serve(binary=os.path.join(self.root, "usr/bin/regmirror"))
        self.addCleanup(server.cleanup)
        # Only where it listens and stores changes; every other line as packaged.
        with open(server.config_path, "w") as f:
            f.write(config.replace('listen: ":5000"', f'listen: "127.0.0.1:{server.port}"')
                    .replace("root: /var/lib/regmirror", f"root: {server.workdir}/storage"))
        server.start()
        self.assertEqual(server.get("/v2/"), 200)
        server.stop()


if __name__ == "__main__":
    unittest.main()
