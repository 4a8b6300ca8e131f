#!/usr/bin/env python3
"""Checks the corpus in cases/ reference by reference against its expected.json files, which
the oracle (oracle/main.go, containers/image itself) wrote: regen-expected.sh.

    run_corpus.py --regmirror build/src/cli/regmirror --policy accept-anything-policy.json
        `regmirror resolve --json` agrees with expected.json in one view (compare_views.py):
        COMPARE=library (default), transport or shortname; STRICT_ERRORS=1 compares error
        texts too, else only whether there is an error.
    run_corpus.py --oracle build/oracle/resolve
        the oracle still answers exactly what expected.json says (the files are up to date).

A case is a folder: ABOUT (what it covers), registries.conf (may be missing on purpose),
optional registries.conf.d/, refs.txt (one reference a line, '#' comments) and expected.json.
Both programs run from inside the case folder with relative paths, so error texts name
"registries.conf". Arguments after the options keep only the cases whose name contains one
of them. The last line printed is "N passed, M failed"; the exit status is 1 on a failure.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

from compare_views import VIEWS, differences

HERE = os.path.dirname(os.path.abspath(__file__))
CONF, DROPINS = "registries.conf", "registries.conf.d"


def references(case):
    with open(os.path.join(case, "refs.txt")) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def regmirror_results(args, case, refs):
    run = subprocess.run([args.regmirror, "resolve", "--json", "--policy", args.policy,
                          "--registries-conf", CONF, "--registries-conf-dir", DROPINS, "--"] + refs,
                         cwd=case, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    # 1 means "resolved, but something cannot be pulled": the objects say what.
    if run.returncode not in (0, 1):
        raise RuntimeError(f"regmirror exited with {run.returncode}: {run.stderr.strip()}")
    return [json.loads(line) for line in run.stdout.splitlines()]


def oracle_document(args, case, refs):
    run = subprocess.run([args.oracle, "--config", CONF, "--dropin-dir", DROPINS, "--"] + refs,
                         cwd=case, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    if run.returncode != 0:
        raise RuntimeError(f"the oracle exited with {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def unequal_fields(want, have):
    return [f"{key}: expected.json {want.get(key)!r}, oracle {have.get(key)!r}"
            for key in sorted(set(want) | set(have)) if want.get(key) != have.get(key)]


def check_case(args, case, expected):
    """(reference, differences) for each reference of the case."""
    refs = references(case)
    if len(refs) != len(expected["results"]):
        raise RuntimeError("refs.txt and expected.json list different references: run regen-expected.sh")
    if args.oracle:
        document = oracle_document(args, case, refs)
        checked = [(ref, unequal_fields(e, g)) for ref, e, g in zip(refs, expected["results"], document["results"])]
        if document["config"] != expected["config"]:
            checked.append(("(configuration)", ["the merged configuration differs: run regen-expected.sh"]))
        return checked
    got = regmirror_results(args, case, refs)
    if len(got) != len(refs):
        raise RuntimeError(f"regmirror printed {len(got)} objects for {len(refs)} references")
    return [(ref, differences(e, g, args.view, args.strict_errors))
            for ref, e, g in zip(refs, expected["results"], got)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    implementation = parser.add_mutually_exclusive_group(required=True)
    implementation.add_argument("--regmirror", help="the regmirror binary")
    implementation.add_argument("--oracle", help="the oracle binary (oracle/build.sh)")
    parser.add_argument("--policy", help="policy.json for regmirror (any verdict will do)")
    parser.add_argument("filters", nargs="*", help="only cases whose name contains one of these")
    args = parser.parse_args()
    args.view = os.environ.get("COMPARE", "library")
    args.strict_errors = os.environ.get("STRICT_ERRORS", "") not in ("", "0")
    if args.view not in VIEWS:
        parser.error(f"COMPARE={args.view}: one of {', '.join(VIEWS)}")
    if args.regmirror and not args.policy:
        parser.error("--regmirror needs --policy")
    if args.policy:
        args.policy = os.path.abspath(args.policy)

    passed = failed = 0
    for case in sorted(glob.glob(os.path.join(HERE, "cases", "*", ""))):
        case = case.rstrip("/")
        name = os.path.basename(case)
        if args.filters and not any(f in name for f in args.filters):
            continue
        with open(os.path.join(case, "expected.json")) as f:
            expected = json.load(f)
        try:
            checked = check_case(args, case, expected)
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as problem:
            checked = [("(every reference)", [str(problem)])]
        for ref, found in checked:
            if not found:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {name} {ref}")
            for line in found:
                print(f"     {line}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
