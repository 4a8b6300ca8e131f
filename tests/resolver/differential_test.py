#!/usr/bin/env python3
"""Random registries.conf files (and drop-ins) and references, resolved by the oracle
(containers/image itself) and by `regmirror resolve --json`; every view must agree.

    differential_test.py --oracle build/oracle/resolve --regmirror build/src/cli/regmirror \
        --policy tests/resolver/accept-anything-policy.json [--seed N] [--configs N]

Compared per reference in the three views of compare_views.py, error texts included (with the
exceptions listed there). The generator avoids the two inputs on which regmirror follows current
upstream rather than 5.23.1 (mirror locations ending in '/', explicitly empty v1 lists);
unit tests cover those. A failure prints the files and references to reproduce it.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from compare_views import VIEWS, differences

DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HOSTS = ["example.com", "a.example.com", "b.a.example.com", "example.com:5000", "localhost",
         "localhost:5000", "docker.io", "index.docker.io", "quay.io", "mirror.net",
         "10.0.0.1:5000", "EXAMPLE.com", "x.example.company.example.com"]
PATHS = ["", "/ns", "/ns/app", "/library", "/library/busybox", "/app", "/a/b"]
REFERENCES = [
    "busybox", "busybox:1", "library/busybox", "docker.io/busybox:1",
    "index.docker.io/library/busybox", "fedora", "fedora:39", "fedora@" + DIGEST, "alpine",
    "library/alpine:3", "ubi8", "ubi8/ubi", "localhost/app", "localhost:5000/app:1",
    "localhost:5002/app", "example.com/app", "example.com/app:1", "example.com/app@" + DIGEST,
    "example.com/app:1@" + DIGEST, "example.com:5000/app:1", "example.com/ns/app:1",
    "example.com/ns", "example.com/ns:1", "a.example.com/app:1",
    "b.a.example.com/ns/app@" + DIGEST, "x.example.company.example.com/a:1", "quay.io/ns/app:1",
    "quay.io/app", "10.0.0.1:5000/ns/app:1", "EXAMPLE.com/app:1", "mirror.net/x:1",
    "m1.net/x:1", "example.com/App:1", "", "a:b:c", "example.com/library/busybox",
    "docker.io/library/busybox/sub:1", "a.example.com/x.example.com/app:1"]


class Generator:
    def __init__(self, seed):
        self.rnd = random.Random(seed)

    def choice(self, items):
        return self.rnd.choice(items)

    def chance(self, p):
        return self.rnd.random() < p

    def quoted_list(self, items, most):
        picked = [json.dumps(self.choice(items)) for _ in range(self.rnd.randint(0, most))]
        return "[" + ", ".join(picked) + "]"

    def prefix(self):
        if self.chance(0.2):
            return "*." + self.choice(["example.com", "a.example.com", "docker.io", "net",
                                       "example.com/x", "example.com:5000"])
        if self.chance(0.06):
            return self.choice(["", "/", "http://example.com", "example.com/", "*example.com",
                                "foo.*.com", "example.com/app:1.0", "example.com/app@" + DIGEST])
        return self.choice(HOSTS) + self.choice(PATHS) + self.choice(["", "", "", "/"])

    def location(self, mirror):
        if self.chance(0.1):
            odd = ["", "https://m.net", "index.docker.io", "m.net/app:pinned", "m.net:5000",
                   "M.net/x", "docker.io", "bad_host.com/x", "m.net//x"]
            if not mirror:
                odd.append("m.net/")  # a trailing '/' on a mirror is where upstream changed
            return self.choice(odd)
        return self.choice(["m1.net", "m2.net:5000", "mirror.example.com/cache", "example.com",
                            "quay.io", "127.0.0.1:5000/c", "localhost:5001", "docker.io/library",
                            "example.com/bad"]) + self.choice(["", "/x", "/ns"])

    def v1_file(self):
        lines = []
        for table in self.rnd.sample(["search", "insecure", "block"], self.rnd.randint(1, 3)):
            # Never empty: an explicitly empty v1 list is where upstream changed.
            entries = [json.dumps(self.choice(HOSTS + ["quay.io/ns", ""]))
                       for _ in range(self.rnd.randint(1, 3))]
            lines += [f"[registries.{table}]", "registries = [" + ", ".join(entries) + "]"]
        if self.chance(0.2):
            lines.insert(0, 'unqualified-search-registries = ["quay.io"]')
        return "\n".join(lines) + "\n"

    def registry(self):
        lines = ["[[registry]]"]
        if self.chance(0.8):
            lines.append("prefix = " + json.dumps(self.prefix()))
        if self.chance(0.8):
            lines.append("location = " + json.dumps(self.location(mirror=False)))
        for key in ["insecure", "blocked", "mirror-by-digest-only"]:
            if self.chance(0.3):
                lines.append(f"{key} = {self.choice(['true', 'false'])}")
        if self.chance(0.03):
            lines.append('pull-from-mirror = "all"')
        for _ in range(self.rnd.randint(0, 3)):
            lines.append("[[registry.mirror]]")
            if self.chance(0.95):
                lines.append("location = " + json.dumps(self.location(mirror=True)))
            if self.chance(0.3):
                lines.append(f"insecure = {self.choice(['true', 'false'])}")
            if self.chance(0.3):
                mode = self.choice(["all", "digest-only", "tag-only", "", "Digest-Only"])
                lines.append("pull-from-mirror = " + json.dumps(mode))
        return "\n".join(lines)

    def aliases(self):
        lines = ["[aliases]"]
        names = ["fedora", "alpine", "library/alpine", "ubi8", "ubi8/ubi", "quay.io/x", "a:1",
                 "a@" + DIGEST, "Bad"]
        values = ["registry.fedoraproject.org/fedora", "quay.io/alpine", "docker.io/alpine", "",
                  "quay.io/x:1", "alpine", "quay.io/x@" + DIGEST, "localhost/x"]
        for name in self.rnd.sample(names, self.rnd.randint(0, 3)):
            lines.append(f"{json.dumps(name)} = {json.dumps(self.choice(values))}")
        return "\n".join(lines)

    def v2_file(self):
        lines = []
        if self.chance(0.5):
            lines.append("unqualified-search-registries = " + self.quoted_list(
                ["quay.io", "docker.io", "registry.fedoraproject.org", "localhost:5000",
                 "quay.io/ns", "EXAMPLE.com", "m.net/"], 3))
        if self.chance(0.3):
            mode = self.choice(["permissive", "enforcing", "disabled", "", "strict"])
            lines.append("short-name-mode = " + json.dumps(mode))
        if self.chance(0.2):
            lines.append("credential-helpers = " + self.quoted_list(["pass", "containers-auth.json"], 2))
        lines += [self.registry() for _ in range(self.rnd.randint(0, 5))]
        if self.chance(0.3):
            lines.append(self.aliases())
        return "\n".join(lines) + "\n"

    def case(self):
        files = {}
        if self.chance(0.95):
            files["registries.conf"] = self.v1_file() if self.chance(0.15) else self.v2_file()
        if self.chance(0.4):
            for _ in range(self.rnd.randint(1, 3)):
                name = self.choice(["10-a.conf", "20-b.conf", "05-c.conf", "x.txt", "30-d.conf"])
                files["registries.conf.d/" + name] = self.v2_file()
        return files, self.rnd.sample(REFERENCES, 8)


def run_case(args, files, refs):
    with tempfile.TemporaryDirectory(prefix="regmirror-differential-") as work:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(work, name)), exist_ok=True)
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        conf = ["registries.conf", "registries.conf.d"]
        oracle = subprocess.run([args.oracle, "--config", conf[0], "--dropin-dir", conf[1], "--"] + refs,
                                cwd=work, capture_output=True, text=True, check=True)
        ours = subprocess.run([args.regmirror, "resolve", "--json", "--policy", args.policy,
                               "--registries-conf", conf[0], "--registries-conf-dir", conf[1], "--"] + refs,
                              cwd=work, capture_output=True, text=True)
        if ours.returncode not in (0, 1):
            return [f"regmirror exited with {ours.returncode}: {ours.stderr.strip()}"]
        expected = json.loads(oracle.stdout)["results"]
        got = [json.loads(line) for line in ours.stdout.splitlines()]
        if len(got) != len(refs):
            return [f"{len(got)} JSON objects for {len(refs)} references"]
        return [f"{ref!r}: {d}" for ref, e, g in zip(refs, expected, got)
                for view in VIEWS for d in differences(e, g, view)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--regmirror", required=True)
    parser.add_argument("--policy", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--configs", type=int, default=300)
    args = parser.parse_args()
    args.policy = os.path.abspath(args.policy)
    generator = Generator(args.seed)
    failed = 0
    for number in range(args.configs):
        files, refs = generator.case()
        diffs = run_case(args, files, refs)
        if not diffs:
            continue
        failed += 1
        print(f"FAIL configuration {number} (seed {args.seed})")
        for name, text in sorted(files.items()):
            print(f"--- {name}\n{text}", end="")
        for d in diffs:
            print("    " + d)
    print(f"{args.configs - failed} configurations agree, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
