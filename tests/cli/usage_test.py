#!/usr/bin/env python3
"""Usage errors of every regmirror command, through the real binary: an unknown flag, a
missing argument and a bad value each exit 2 with exactly two lines on stderr, the problem
("regmirror copy: ...") and the hint ("see 'regmirror copy --help'"), and nothing on stdout;
--help prints help on stdout and exits 0. Nothing here reaches the network: every case fails
while the command line is parsed, before a command runs.

    python3 tests/cli/usage_test.py build/src/cli/regmirror
"""
import os
import subprocess
import sys
import tempfile

# command -> [(argv after "regmirror", words the error line must contain)]: an unknown flag,
# a missing argument, a bad value, and whatever else that command can get wrong.
CASES = {
    "": [
        (["--bogus"], "unknown option --bogus"),
        ([], "subcommand is required"),
        (["bogus"], "unknown command 'bogus'"),
    ],
    "serve": [
        (["serve", "--bogus"], "--bogus"),
        (["serve", "--listen"], "--listen"),
        (["serve", "--threads", "many"], "--threads"),
        (["serve", "--log-level", "loud"], "--log-level"),
        (["serve", "--config", "/nonexistent/regmirror.yaml"], "--config"),
    ],
    "resolve": [
        (["resolve", "--bogus", "quay.io/a/b"], "--bogus"),
        (["resolve"], "references is required"),
        (["resolve", "--json=maybe", "quay.io/a/b"], "--json"),
    ],
    "render": [
        (["render", "--bogus", "-f", "x.yaml", "--out", "out"], "--bogus"),
        (["render", "--out", "out"], "--filename is required"),
        (["render", "-f", "x.yaml"], "--out or --check is required"),
        (["render", "-f", "x.yaml", "--out", "out", "--machineconfig", "infra"], "--machineconfig"),
    ],
    "copy": [
        (["copy", "--bogus", "oci:a", "oci:b"], "--bogus"),
        (["copy", "oci:a"], "destination is required"),
        (["copy", "--jobs", "0", "oci:a", "oci:b"], "--jobs"),
        (["copy", "--platform", "linux", "oci:a", "oci:b"], "--platform"),
        (["copy", "--creds", ":secret", "oci:a", "oci:b"], "--creds"),
        (["copy", "oci:a", "oci:b", "oci:c"], "oci:c"),
        (["copy", "--sign-passphrase-file", "p", "oci:a", "oci:b"], "--sign-by-sigstore-private-key"),
        (["copy", "--sign-by-sigstore-private-key", "k", "--sign-identity", "busybox", "oci:a",
          "oci:b"], "--sign-identity"),
    ],
    "sync": [
        (["sync", "--bogus", "--config", "s.yaml"], "--bogus"),
        (["sync"], "--config"),
        (["sync", "--config", "s.yaml", "--jobs", "100"], "--jobs"),
        (["sync", "--config", "s.yaml", "--progress", "fancy"], "--progress"),
        (["sync", "--config", "s.yaml", "--to-dir", "d", "--sign-by-sigstore-private-key", "k"],
         "--sign-by-sigstore-private-key"),
        (["sync", "--config", "s.yaml", "--sign-identity", "quay.io/a/b"], "--sign-identity"),
    ],
    "sync status": [
        (["sync", "status", "--bogus", "--server", "127.0.0.1:5000"], "--bogus"),
        (["sync", "status"], "--server is required"),
        (["sync", "status", "--server", "127.0.0.1:5000", "--retry-times", "-1"], "--retry-times"),
        (["sync", "status", "--server", "http://127.0.0.1:5000/v2/"], "not a registry address"),
    ],
    "pull": [
        (["pull", "--bogus", "quay.io/a/b"], "--bogus"),
        (["pull"], "reference is required"),
        (["pull", "--platform", "linux", "quay.io/a/b"], "--platform"),
        (["pull", "--retry-times", "-1", "quay.io/a/b"], "--retry-times"),
    ],
    "verify": [
        (["verify", "--bogus", "-f", "c.yaml", "--images", "i.txt"], "--bogus"),
        (["verify", "--images", "i.txt"], "-f (the cluster's objects) or --node-root"),
        (["verify", "-f", "c.yaml"], "--images or --config"),
        (["verify", "-f", "c.yaml", "--node-root", "/", "--images", "i.txt"], "excludes"),
        (["verify", "-f", "c.yaml", "--images", "i.txt", "--config", "s.yaml"], "excludes"),
        (["verify", "--node-root", "/", "--rendered-root", "r", "--images", "i.txt"], "requires"),
        (["verify", "-f", "c.yaml", "--images", "i.txt", "--jobs", "0"], "--jobs"),
        (["verify", "-f", "c.yaml", "--images", "i.txt", "--connect-timeout", "0"],
         "--connect-timeout"),
    ],
    "login": [
        (["login", "--bogus", "quay.io"], "--bogus"),
        (["login"], "registry is required"),
        (["login", "--tls-verify=maybe", "quay.io"], "--tls-verify"),
        (["login", "-u", "a", "-p", "b", "--password-stdin", "quay.io"], "mutually exclusive"),
        (["login", "--password-stdin", "quay.io"], "--username"),
    ],
    "logout": [
        (["logout", "--bogus", "quay.io"], "--bogus"),
        (["logout"], "a registry or --all is required"),
        (["logout", "--all=maybe"], "--all"),
        (["logout", "--all", "quay.io"], "--all"),
    ],
    "passwd": [
        (["passwd", "--bogus", "alice", "--htpasswd", "users"], "--bogus"),
        (["passwd", "--htpasswd", "users"], "user is required"),
        (["passwd", "alice"], "--htpasswd is required"),
        (["passwd", "alice", "--htpasswd", "users", "--cost", "15"], "--cost"),
        (["passwd", "alice", "--htpasswd", "users", "--cost", "many"], "--cost"),
        (["passwd", "alice", "--htpasswd", "users", "--delete", "--password-stdin"], "--delete"),
        (["passwd", "a:b", "--htpasswd", "users"], "user name"),
        (["passwd", "#alice", "--htpasswd", "users"], "user name"),
    ],
    "key": [
        (["key"], "subcommand is required"),
    ],
    "key generate": [
        (["key", "generate"], "name is required"),
        (["key", "generate", "--bogus", "release"], "--bogus"),
        (["key", "generate", "keys/release"], "without '/'"),
        (["key", "generate", ".."], "without '/'"),
        (["key", "generate", "release", "--output-dir"], "--output-dir"),
    ],
    "retention": [
        (["retention", "--bogus", "--config", "/dev/null"], "--bogus"),
        (["retention"], "--config is required"),
        (["retention", "--config", "/nonexistent/regmirror.yaml"], "--config"),
        (["retention", "--config", "/dev/null", "--dry-run=maybe"], "--dry-run"),
    ],
    "migrate": [
        (["migrate"], "--database is required"),
        (["migrate", "--database", "mysql://app:pw@db/registry"], "postgresql://"),
        (["migrate", "--database", "postgres://db/x", "--connect-timeout", "0"],
         "--connect-timeout"),
    ],
}


def run(binary, args, cwd):
    # No terminal, no stdin: a case that got past parsing could not prompt or hang long.
    return subprocess.run([binary, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=20)


def check_usage_error(binary, command, args, words, cwd):
    name = f"regmirror {command}".strip()
    done = run(binary, args, cwd)
    lines = done.stderr.splitlines()
    problems = []
    if done.returncode != 2:
        problems.append(f"exit {done.returncode}, not 2")
    if len(lines) != 2:
        problems.append(f"{len(lines)} lines on stderr, not 2")
    if not lines or not lines[0].startswith(name + ": ") or words not in lines[0]:
        problems.append(f"first line does not start with '{name}: ' and name '{words}'")
    if len(lines) < 2 or lines[1] != f"see '{name} --help'":
        problems.append(f"second line is not \"see '{name} --help'\"")
    if done.stdout:
        problems.append("something on stdout")
    if problems:
        return [f"regmirror {' '.join(args)}: {'; '.join(problems)}\n"
                f"  stdout: {done.stdout!r}\n  stderr: {done.stderr!r}"]
    return []


def check_help(binary, command, cwd):
    args = [*command.split(), "--help"]
    done = run(binary, args, cwd)
    if done.returncode != 0 or "Usage:" not in done.stdout or done.stderr:
        return [f"regmirror {' '.join(args)}: exit {done.returncode}, stdout "
                f"{done.stdout[:80]!r}, stderr {done.stderr!r}"]
    return []


def main():
    binary = os.path.abspath(sys.argv[1])
    failures = []
    count = 0
    with tempfile.TemporaryDirectory() as cwd:  # nothing a case might write lands elsewhere
        for command, cases in CASES.items():
            for args, words in cases:
                failures += check_usage_error(binary, command, args, words, cwd)
                count += 1
            failures += check_help(binary, command, cwd)
            count += 1
        version = run(binary, ["--version"], cwd)
        count += 1
        if version.returncode != 0 or not version.stdout.startswith("regmirror "):
            failures.append(f"regmirror --version: exit {version.returncode}: {version.stdout!r}")
    for failure in failures:
        print(failure)
    print(f"{count - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
