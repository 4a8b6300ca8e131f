#!/usr/bin/env python3
"""Prints a Go file of Debian's containers/image without one of its sigstore stubs.

    drop_stub.py FILE FUNC

FUNC (a function or method name) must be declared once in FILE, at the top level, with a body
holding Debian's "Debian-local change: sigstore disabled"; its declaration (from the `func`
line to the first `}` line after it) and the doc comment above it give way to a one-line note.
Imports nothing else in the file uses any more are dropped, as Go refuses unused imports.
The oracle's own replacements/ file, added to the same package, then defines FUNC.
"""
import re
import sys

STUB_MARK = "Debian-local change: sigstore disabled"


def fail(message):
    sys.exit(f"drop_stub.py: {message}")


def drop_function(lines, name):
    header = re.compile(r"^func (\([^)]*\) )?" + re.escape(name) + r"\(")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) != 1:
        fail(f"{len(starts)} declarations of {name}, expected 1")
    start = starts[0]
    end = next((i for i in range(start, len(lines)) if lines[i] == "}\n"), None)
    if end is None:
        fail(f"no closing brace for {name}")
    if STUB_MARK not in "".join(lines[start:end]):
        fail(f"{name} is not Debian's stub")
    while start > 0 and lines[start - 1].startswith("//"):
        start -= 1
    note = f"// {name}: Debian's stub removed by regmirror's sigstore oracle (replacements/).\n"
    return lines[:start] + [note] + lines[end + 1 :]


def drop_unused_imports(lines):
    begin = lines.index("import (\n")
    end = lines.index(")\n", begin)
    rest = "".join(lines[:begin] + lines[end + 1 :])
    kept = []
    for line in lines[begin + 1 : end]:
        spec = re.match(r'\s*(?:(\w+) )?"([^"]+)"', line)
        if spec:
            package = spec.group(1) or spec.group(2).rsplit("/", 1)[-1]
            if not re.search(r"\b" + re.escape(package) + r"\.", rest):
                continue
        kept.append(line)
    return lines[: begin + 1] + kept + lines[end:]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: drop_stub.py FILE FUNC")
    with open(sys.argv[1], encoding="utf-8") as source:
        lines = [line.rstrip("\n") + "\n" for line in source]
    sys.stdout.write("".join(drop_unused_imports(drop_function(lines, sys.argv[2]))))


if __name__ == "__main__":
    main()
