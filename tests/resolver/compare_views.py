"""What "regmirror agrees with containers/image" means for one reference: the oracle's
answer (oracle/main.go) and the object `regmirror resolve --json` prints have the same field
names, and are compared in three views:

  library    error, blocked, matched entry, pull sources (location, insecure, mirror, reference)
  transport  the docker:// reference (":latest" added), error, attempts with their refusals
  shortname  is_short_name, candidates, error

Error texts are compared word for word when asked to, except where regmirror's wording is
its own on purpose (docs/resolve.md, "Compatibility"): TOML syntax and type errors (only
their presence counts), the details after "mixing sysregistry v1/v2 is not supported", and
the order in which several bad [aliases] are listed (upstream's is Go's random map order).
"""

VIEWS = ("library", "transport", "shortname")

_MIXING = "mixing sysregistry v1/v2 is not supported"
_ALIASES = "validating short-name aliases: "


def _comparable_error(text):
    if not isinstance(text, str):
        return text
    if _MIXING in text:
        return text[: text.index(_MIXING) + len(_MIXING)]
    if _ALIASES in text:
        head, tail = text.split(_ALIASES, 1)
        return head + _ALIASES + "|".join(sorted(tail.split("\n: ")))
    return text


def _fields(items, keys):
    return [tuple(item.get(key) for key in keys) for item in items]


def _errors(expected):
    return [expected["error"], expected["transport"]["error"], expected["short_name"]["error"]]


def differences(expected, got, view, strict_errors=True):
    """The ways `got` (regmirror) differs from `expected` (the oracle) in `view`, as text."""
    toml_error = any(e and "toml: " in e for e in _errors(expected))
    found = []

    def compare(name, want, have, is_error=False):
        if is_error and (toml_error or not strict_errors):
            want, have = want is not None, have is not None
        elif is_error:
            want, have = _comparable_error(want), _comparable_error(have)
        if want != have:
            found.append(f"{name}: oracle {want!r}, regmirror {have!r}")

    if view == "library":
        compare("error", expected["error"], got["error"], is_error=True)
        compare("blocked", expected["blocked"], got["blocked"])
        compare("registry", expected["registry"], got["registry"])
        keys = ["location", "insecure", "mirror", "reference"]
        compare("pull_sources", _fields(expected["pull_sources"], keys), _fields(got["pull_sources"], keys))
    elif view == "transport":
        want, have = expected["transport"], got["transport"]
        compare("transport.reference", want["reference"], have["reference"])
        compare("transport.error", want["error"], have["error"], is_error=True)
        keys = ["location", "insecure", "mirror", "reference", "blocked"]
        compare("transport.attempts", _fields(want["attempts"], keys), _fields(have["attempts"], keys))
        for number, (a, b) in enumerate(zip(want["attempts"], have["attempts"])):
            compare(f"transport.attempts[{number}].error", a["error"], b["error"], is_error=True)
    elif view == "shortname":
        want, have = expected["short_name"], got["short_name"]
        compare("short_name.is_short_name", want["is_short_name"], have["is_short_name"])
        compare("short_name.candidates", want["candidates"], have["candidates"])
        compare("short_name.error", want["error"], have["error"], is_error=True)
    else:
        raise ValueError(f"unknown view {view!r}; one of {', '.join(VIEWS)}")
    return found
