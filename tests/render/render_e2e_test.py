#!/usr/bin/env python3
"""`regmirror render` end to end, over the golden cases in src/openshift/testdata/:

  golden   render/<case>/input.yaml renders exactly render/<case>/expected/
  oracle   each rendered registries.conf gives, for the images in refs/<case>.txt, the same
           pull sources under `regmirror resolve --json` and the containers/image oracle
  check    `render --check` against a rendered tree matches (exit 0), and after an edit
           prints a diff and exits 3
  drain    `render --check` says whether the MCO would drain: not for added digest-only
           mirrors, a policy.json or a CA change; yes for a removed mirror, a tag mirror, a
           new blocked scope or search registries; the update fails for a node registries.conf
           that does not decode; --json carries the same verdict
  hostile  --check on a FIFO, an oversized and a 200000-line node file; a stale registry CA;
           --out's staging directory not at a name that can be guessed
  errors   errors/<case>.yaml fails: non-zero exit, one stderr line holding the message the
           file's first line gives, no output directory
"""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "..", "src", "openshift", "testdata")


def render_args(case_dir):
    args = []
    options = os.path.join(case_dir, "options")
    if os.path.exists(options):
        for line in open(options).read().split():
            key, _, value = line.partition("=")
            if key == "base-registries-conf":
                value = os.path.join(case_dir, value)
            args += ["--" + key] + ([value] if value else [])
    return args


def tree(root):
    files = set()
    for base, _, names in os.walk(root):
        files |= {os.path.relpath(os.path.join(base, n), root) for n in names}
    return files


def pull_view(doc):
    if "results" in doc:
        doc = doc["results"][0]
    sources = [(s["location"], s["insecure"]) for s in doc.get("pull_sources") or []]
    return {"error": doc.get("error") is not None, "blocked": doc.get("blocked", False),
            "pull_sources": sources}


def check_case(args, name, work):
    case_dir = os.path.join(TESTDATA, "render", name)
    out = os.path.join(work, name)
    run = subprocess.run([args.regmirror, "render", "-f", os.path.join(case_dir, "input.yaml"),
                          "--out", out] + render_args(case_dir), capture_output=True, text=True)
    if run.returncode != 0:
        return [f"{name}: render failed: {run.stderr.strip()}"]
    problems = []
    expected = os.path.join(case_dir, "expected")
    if tree(out) != tree(expected):
        problems.append(f"{name}: files {sorted(tree(out))} != {sorted(tree(expected))}")
    for path in tree(out) & tree(expected):
        if not filecmp.cmp(os.path.join(out, path), os.path.join(expected, path), shallow=False):
            problems.append(f"{name}: {path} differs from the golden file")
    if not args.oracle:
        return problems
    conf = os.path.join(out, "etc", "containers", "registries.conf")
    dropin = os.path.join(out, "etc", "containers", "registries.conf.d")
    for ref in open(os.path.join(HERE, "refs", name + ".txt")).read().split():
        ours = subprocess.run([args.regmirror, "resolve", "--json", "--policy", args.policy,
                               "--registries-conf", conf, "--registries-conf-dir", dropin,
                               "--", ref], capture_output=True, text=True)
        theirs = subprocess.run([args.oracle, "--config", conf, "--dropin-dir", dropin, "--", ref],
                                capture_output=True, text=True)
        a = pull_view(json.loads(ours.stdout))
        b = pull_view(json.loads(theirs.stdout))
        if a != b:
            problems.append(f"{name}: {ref}: regmirror {a} != oracle {b}")
    return problems


def check_node_diff(args, work):
    case_input = os.path.join(TESTDATA, "render", "mix", "input.yaml")
    node = os.path.join(work, "mix")  # rendered by check_case
    command = [args.regmirror, "render", "-f", case_input, "--check", node]
    same = subprocess.run(command, capture_output=True, text=True)
    if same.returncode != 0 or "match" not in same.stdout:
        return [f"--check on an identical tree: exit {same.returncode}: {same.stdout}"]
    conf = os.path.join(node, "etc", "containers", "registries.conf")
    with open(conf, "a") as f:
        f.write("# edited on the node\n")
    edited = subprocess.run(command, capture_output=True, text=True)
    if edited.returncode != 3 or "-# edited on the node" not in edited.stdout:
        return [f"--check on an edited tree: exit {edited.returncode}: {edited.stdout}"]
    return []


IDMS = """apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: ns}
spec:
  imageDigestMirrors:
  - {source: quay.io/ns, mirrors: [%s]}
"""
ITMS = """---
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata: {name: tags}
spec:
  imageTagMirrors:
  - {source: quay.io/ns, mirrors: [tags.example.com/ns]}
"""
IMAGE = """---
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  registrySources: {%s}
"""


def check_drain(args, work):
    node = os.path.join(work, "drain-node")
    before = os.path.join(work, "drain-before.yaml")
    with open(before, "w") as f:
        f.write(IDMS % "m1.example.com/ns")
    subprocess.run([args.regmirror, "render", "-f", before, "--out", node], check=True)
    cases = [
        (IDMS % "m1.example.com/ns, m2.example.com/ns", 3,
         "drain: not required (registries.conf: only digest-only mirrors added)"),
        (IDMS % "m1.example.com/ns" + IMAGE % "allowedRegistries: [quay.io]", 3,
         "drain: not required (policy.json: CRI-O reload)"),
        (IDMS % "m1.example.com/ns", 0, "drain: not required (no change)"),
        (IDMS % "m2.example.com/ns", 3,
         "drain: required (registries.conf: mirror m1.example.com/ns removed from quay.io/ns)"),
        (IDMS % "m1.example.com/ns" + ITMS, 3,
         'drain: required (registries.conf: mirror tags.example.com/ns added to quay.io/ns with '
         'pull-from-mirror "tag-only", not "digest-only")'),
        (IDMS % "m1.example.com/ns" + IMAGE % "blockedRegistries: [docker.io]", 3,
         "drain: required (registries.conf: registry docker.io added without mirrors and "
         "without mirror-by-digest-only)"),
        (IDMS % "m1.example.com/ns" + IMAGE % "containerRuntimeSearchRegistries: [quay.io]", 3,
         "drain: required (01-image-searchRegistries.conf: no node disruption policy, the node "
         "reboots)"),
    ]
    problems = []
    after = os.path.join(work, "drain-after.yaml")
    for text, code, line in cases:
        with open(after, "w") as f:
            f.write(text)
        run = subprocess.run([args.regmirror, "render", "-f", after, "--check", node],
                             capture_output=True, text=True)
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        if run.returncode != code or last != line:
            problems.append(f"drain: exit {run.returncode} {last!r}, wanted {code} {line!r}")
        as_json = subprocess.run([args.regmirror, "render", "-f", after, "--check", node,
                                  "--json"], capture_output=True, text=True)
        verdict = json.loads(as_json.stdout)["drain"]
        wanted = line.removeprefix("drain: ")
        got = ("required" if verdict["required"] else "not required") + f" ({verdict['reason']})"
        if as_json.returncode != code or got != wanted or verdict["fails"]:
            problems.append(f"drain --json: exit {as_json.returncode} {got!r}, wanted {wanted!r}")
    # A registries.conf on the node that does not decode: the daemon's check returns an error,
    # so the update fails (node Degraded) rather than drains.
    with open(os.path.join(node, "etc", "containers", "registries.conf"), "w") as f:
        f.write("[[registry]\n")
    run = subprocess.run([args.regmirror, "render", "-f", before, "--check", node],
                         capture_output=True, text=True)
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    if run.returncode != 3 or not last.startswith(
            "drain: the daemon would fail this update: registries.conf on the node does not "
            "decode"):
        problems.append(f"drain on an undecodable node file: exit {run.returncode} {last!r}")
    as_json = subprocess.run([args.regmirror, "render", "-f", before, "--check", node, "--json"],
                             capture_output=True, text=True)
    verdict = json.loads(as_json.stdout)["drain"]
    if not verdict["fails"] or verdict["required"]:
        problems.append(f"drain --json on an undecodable node file: {verdict}")
    return problems


def check_hostile_node_files(args, work):
    """--check reads node files with a size limit, never waits on a FIFO, and does not build a
    line diff of files too long to compare."""
    case_input = os.path.join(TESTDATA, "render", "mix", "input.yaml")
    node = os.path.join(work, "hostile-node")
    subprocess.run([args.regmirror, "render", "-f", case_input, "--out", node], check=True)
    conf = os.path.join(node, "etc", "containers", "registries.conf")
    command = [args.regmirror, "render", "-f", case_input, "--check", node]
    problems = []
    os.remove(conf)
    os.mkfifo(conf)
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if run.returncode != 3 or "missing on node: /etc/containers/registries.conf" not in run.stdout:
            problems.append(f"FIFO on the node: exit {run.returncode}: {run.stdout}{run.stderr}")
    except subprocess.TimeoutExpired:
        problems.append("FIFO on the node: render --check waited for a writer")
    os.remove(conf)
    with open(conf, "wb") as f:
        f.truncate((64 << 20) + 1)  # sparse: one byte over nodeconf's limit
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 1 or "larger than" not in run.stderr:
        problems.append(f"oversized node file: exit {run.returncode}: {run.stderr}")
    with open(conf, "w") as f:
        f.writelines(f"# line {i}\n" for i in range(200000))
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 3 or len(run.stdout) > 10000 or "files differ (200000 vs" not in run.stdout:
        problems.append(f"200000-line node file: exit {run.returncode}: {run.stdout[:300]}")
    return problems


def check_stale_registry_ca(args, work):
    """A CA dropped from the ConfigMap: the daemon removes its etc/docker/certs.d directory;
    the internal registry's and etc/containers/certs.d are left alone."""
    case = "image-allowed-insecure-ca"
    node = os.path.join(work, "node-stale-ca")
    shutil.copytree(os.path.join(TESTDATA, "render", case, "expected"), node)
    for d in ["etc/docker/certs.d/old.example.com", "etc/containers/certs.d/old.example.com",
              "etc/docker/certs.d/image-registry.openshift-image-registry.svc:5000"]:
        os.makedirs(os.path.join(node, d))
        with open(os.path.join(node, d, "ca.crt"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n")
    run = subprocess.run([args.regmirror, "render", "-f",
                          os.path.join(TESTDATA, "render", case, "input.yaml"), "--check", node],
                         capture_output=True, text=True)
    wanted = ("only on node (would be removed): /etc/docker/certs.d/old.example.com/ca.crt\n"
              "drain: not required (certs.d: written by the daemon, no drain)\n")
    if run.returncode != 3 or run.stdout != wanted:
        return [f"stale CA: exit {run.returncode}: {run.stdout!r}, wanted {wanted!r}"]
    return []


def check_private_staging(args, work):
    """--out stages its files in a fresh private directory: a symlink planted at the name the
    pid would give is neither followed nor moved into place."""
    elsewhere = os.path.join(work, "planted")
    os.mkdir(elsewhere)
    out = os.path.join(work, "staged-out")
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_write)
        os.read(go_read, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            os.execv(args.regmirror, [args.regmirror, "render", "-f",
                                      os.path.join(TESTDATA, "render", "mix", "input.yaml"),
                                      "--out", out])
        finally:
            os._exit(127)
    os.close(go_read)
    planted = os.path.join(work, f".regmirror-render-staged-out-{pid}")
    os.symlink(elsewhere, planted)
    os.write(go_write, b"x")
    os.close(go_write)
    _, status = os.waitpid(pid, 0)
    if os.path.islink(planted):
        os.remove(planted)
    leftovers = [e for e in os.listdir(work) if e.startswith(".regmirror-render")]
    problems = [f"staging: left behind {leftovers}"] if leftovers else []
    if os.waitstatus_to_exitcode(status) != 0 or os.path.islink(out) or os.listdir(elsewhere):
        problems.append(f"staging: exit {os.waitstatus_to_exitcode(status)}, out is a link: "
                        f"{os.path.islink(out)}, planted dir holds {os.listdir(elsewhere)}")
    umask = os.umask(0)
    os.umask(umask)
    if os.path.isdir(out) and os.stat(out).st_mode & 0o777 != 0o777 & ~umask:
        problems.append(f"staging: output directory mode {os.stat(out).st_mode & 0o777:o}")
    return problems


def check_node_without_containers_certs(args, work):
    """A real node has only the daemon's etc/docker/certs.d copy of a CA: still a match."""
    case = "image-allowed-insecure-ca"
    node = os.path.join(work, "node-docker-certs-only")
    shutil.copytree(os.path.join(TESTDATA, "render", case, "expected"), node)
    shutil.rmtree(os.path.join(node, "etc", "containers", "certs.d"))
    run = subprocess.run([args.regmirror, "render", "-f",
                          os.path.join(TESTDATA, "render", case, "input.yaml"), "--check", node],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return [f"--check without etc/containers/certs.d: exit {run.returncode}: {run.stdout}"]
    return []


def check_error(args, name, work):
    path = os.path.join(TESTDATA, "errors", name)
    expected = open(path).readline().strip().removeprefix("# error: ")
    out = os.path.join(work, "error-" + name)
    # Run beside the file so that messages name it as the golden first line does.
    run = subprocess.run([args.regmirror, "render", "-f", name, "--out", out],
                         capture_output=True, text=True, cwd=os.path.dirname(path))
    lines = run.stderr.strip().splitlines()
    if run.returncode == 0:
        return [f"{name}: render succeeded"]
    if len(lines) != 1 or expected not in lines[0]:
        return [f"{name}: stderr {lines!r} does not hold {expected!r}"]
    if os.path.exists(out) or any(e.startswith(".regmirror-render") for e in os.listdir(work)):
        return [f"{name}: output left behind"]
    return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--regmirror", required=True, type=os.path.abspath)
    parser.add_argument("--oracle", help="the containers/image oracle binary")
    parser.add_argument("--policy", required=True)
    args = parser.parse_args()
    problems = []
    with tempfile.TemporaryDirectory() as work:
        cases = sorted(os.listdir(os.path.join(TESTDATA, "render")))
        for name in cases:
            problems += check_case(args, name, work)
        problems += check_node_diff(args, work)
        problems += check_drain(args, work)
        problems += check_node_without_containers_certs(args, work)
        problems += check_hostile_node_files(args, work)
        problems += check_stale_registry_ca(args, work)
        problems += check_private_staging(args, work)
        errors = sorted(os.listdir(os.path.join(TESTDATA, "errors")))
        for name in errors:
            problems += check_error(args, name, work)
    print("\n".join(problems))
    print(f"{len(cases)} golden cases, {len(errors)} error cases, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
