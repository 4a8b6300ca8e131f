"""Crash safety: SIGKILL at random moments of concurrent pushes, then restart on the same storage.

Each iteration starts regmirror on the same storage, checks what the previous kill left behind,
runs WORKERS concurrent pushers (monolithic POST ?digest=, POST + PUT, chunked PATCHes + PUT,
manifest PUTs by tag and digest, a moving "latest" tag, the same layer pushed by every worker at
once) and kills the server with SIGKILL after a random 0-300 ms. Then, with the server down, the
metadata database is opened read-only: integrity_check and foreign_key_check must be clean and
every blob/manifest/tag row must be one whose push reached the server whole, backed by a file of
the right size and digest. After the restart:

- every push the client saw a 201 for is still there, byte for byte (blobs with the right size
  and digest, manifests hashing to their digest, each referenced blob readable in the repo);
- a push whose request body never left the client entirely is not visible (404), nor is a tag
  whose PUT did not arrive whole; a push whose 201 was lost may or may not be visible, but if it
  is it is complete and correct, and once seen it stays;
- a tag resolves to its last confirmed manifest or to a later one whose PUT was sent whole;
  tags/list lists exactly confirmed-or-possible tags;
- every upload session open at the kill either resumes (GET gives an offset no smaller than the
  last acknowledged one and no larger than what was sent, PATCH from there, PUT completes with
  the right digest) or is cleanly unknown (404 BLOB_UPLOAD_UNKNOWN).

CRASH_ITERATIONS (default 25), CRASH_TIME_BUDGET (seconds, default 60) and CRASH_SEED tune a run;
the seed is printed so a failure can be replayed. CRASH_AVOID_PATCH=1 is a diagnostic: no PATCH
at all (uploads are monolithic, open uploads stay empty, a resumed upload sends the rest in its
PUT with Content-Range), to look at the other paths while PATCH itself is broken.
"""

import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

import robustness_harness as rh

ITERATIONS = int(os.environ.get("CRASH_ITERATIONS", "25"))
TIME_BUDGET = float(os.environ.get("CRASH_TIME_BUDGET", "60"))
MIN_ITERATIONS = min(ITERATIONS, 10)
SEED = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1 << 31))
WORKERS = 4
MAX_KILL_DELAY = 0.300
SAMPLE_OLD = 60  # older entries re-checked (HEAD) per iteration; the final pass checks all

AVOID_PATCH = os.environ.get("CRASH_AVOID_PATCH", "") not in ("", "0")
BLOB_METHODS = ["post-digest", "post-put"] if AVOID_PATCH else ["post-digest", "post-put", "chunked", "chunked"]

RANK = {"partial": 0, "sent": 1, "confirmed": 2}


class Stop(Exception):
    """Ends a worker: the server went away (or answered something unexpected)."""


class Entry:
    """A blob or manifest as one repository sees it, and what the client knows of its pushes.

    state: partial   - no completing request reached the server whole: must not be visible
           sent      - a completing request was sent whole but its answer never came
           confirmed - the client got 201, or saw it present after a restart: must stay"""

    def __init__(self, kind, repo, digest, size, seed=None, data=None, refs=()):
        self.kind, self.repo, self.digest, self.size = kind, repo, digest, size
        self.seed, self._data, self.refs = seed, data, list(refs)
        self.state = "partial"
        self.iteration = 0
        self.checked = False  # content verified by a full GET at least once
        self.history = []

    def data(self):
        return self._data if self._data is not None else rh.content(self.seed, self.size)

    def upgrade(self, state):
        if RANK[state] > RANK[self.state]:
            self.state = state

    def label(self):
        return f"{self.kind} {self.repo}@{self.digest[:19]}.. ({self.size} bytes, {self.state})"


class Upload:
    """A chunked upload session the client opened (POST answered 202)."""

    def __init__(self, entry, location, iteration):
        self.entry, self.location, self.iteration = entry, location, iteration
        self.acked = 0      # the offset the last 202 reported
        self.sent_max = 0   # upper bound of the bytes that may have reached the server
        self.put_sent = False


class TagAttempt:
    def __init__(self, digest, iteration):
        self.digest, self.iteration, self.state = digest, iteration, "partial"


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.blobs = {}      # (repo, digest) -> Entry
        self.manifests = {}  # (repo, digest) -> Entry
        self.tags = {}       # (repo, tag) -> [TagAttempt] in push order
        self.uploads = []    # Upload still open (not completed by a 201)
        self.repos = set()
        self.problems = []   # found by workers while pushing (unexpected answers)
        self.stats = {"resumed": 0, "resumed_from_zero_after_put": 0, "unknown": 0,
                      "unknown_never_put": 0, "lost_201_present": 0, "lost_201_absent": 0,
                      "blob_201": 0, "manifest_201": 0, "tag_201": 0}

    def entry(self, table, kind, repo, digest, size, **kw):
        with self.lock:
            self.repos.add(repo)
            e = table.get((repo, digest))
            if e is None:
                e = table[(repo, digest)] = Entry(kind, repo, digest, size, **kw)
            return e

    def tag_attempt(self, repo, tag, digest, iteration):
        with self.lock:
            attempt = TagAttempt(digest, iteration)
            self.tags.setdefault((repo, tag), []).append(attempt)
            return attempt


class Worker(threading.Thread):
    def __init__(self, ledger, client, iteration, index, stop):
        super().__init__(daemon=True, name=f"w{index}")
        self.ledger, self.client, self.it, self.w, self.stop = ledger, client, iteration, index, stop
        self.rng = random.Random(f"{SEED}-{iteration}-{index}")
        self.repo = f"crash/w{index}"

    def note(self, entry, text):
        entry.history.append(f"it{self.it} w{self.w}: {text}")

    def problem(self, entry, text):
        with self.ledger.lock:
            self.ledger.problems.append(f"{entry.label() if entry else ''}: {text}")
        raise Stop(text)

    def call(self, entry, on_fail_sent, fn, *args):
        """Runs one request. On no answer: the entry goes to `on_fail_sent` if the request left
        whole (None = unchanged), stays as it was otherwise; the worker stops."""
        try:
            status, headers, body = fn(*args)
        except rh.RequestFailed as e:
            self.note(entry, str(e))
            if e.sent and on_fail_sent:
                entry.upgrade(on_fail_sent)
            raise Stop() from e
        return status, headers, body

    def run(self):
        try:
            # The same layer pushed by every worker at once, to its own repository and to a
            # common one; an upload left open on purpose, which the next iteration resumes.
            shared = (f"shared-{SEED}-{self.it}", 400_000)
            steps = [lambda: self.push_image(1, shared),
                     lambda: self.push_blob("crash/shared", *shared, self.rng.choice(["post-digest", BLOB_METHODS[-1]])),
                     lambda: self.open_upload(f"open-{SEED}-{self.it}-{self.w}", self.rng.randrange(300_000, 1_200_000))]
            self.rng.shuffle(steps)
            for step in steps:
                step()
            n = 1
            while not self.stop.is_set():
                n += 1
                self.push_image(n, None)
        except Stop:
            pass
        except Exception as e:  # a bug in the test itself must not pass silently
            with self.ledger.lock:
                self.ledger.problems.append(f"worker w{self.w} crashed: {e!r}")

    # -- blobs ---------------------------------------------------------------------------------

    def push_blob(self, repo, seed, size, method):
        data = rh.content(seed, size)
        digest = rh.sha256(data)
        e = self.ledger.entry(self.ledger.blobs, "blob", repo, digest, size, seed=seed)
        e.iteration = self.it
        c = self.client
        if method == "post-digest":
            status, h, body = self.call(e, "sent", c.post_upload, repo, digest, data)
            self.note(e, rh.describe("POST", f"uploads/?digest= ({size} bytes)", status, h, body))
            if status != 201:
                self.problem(e, "monolithic POST: " + rh.describe("POST", repo, status, h, body))
            self.blob_created(e, h)
            return digest, size
        status, h, body = self.call(e, None, c.post_upload, repo)
        self.note(e, rh.describe("POST", f"/v2/{repo}/blobs/uploads/", status, h, body))
        if status != 202 or not rh.location_path(h):
            self.problem(e, "POST: " + rh.describe("POST", repo, status, h, body))
        up = Upload(e, rh.location_path(h), self.it)
        with self.ledger.lock:
            self.ledger.uploads.append(up)
        if method == "post-put":
            up.sent_max = size
            self.complete(up, data, data)
            return digest, size
        # chunked: PATCHes, the last chunk sometimes in the PUT itself
        offset = 0
        last_in_put = self.rng.random() < 0.3
        while True:
            chunk = self.rng.randrange(48 * 1024, 300 * 1024)
            if last_in_put and offset + chunk >= size:
                break
            chunk = min(chunk, size - offset)
            if chunk <= 0:
                break
            self.patch(up, data, offset, chunk)
            offset += chunk
        up.sent_max = size
        self.complete(up, data, data[offset:])
        return digest, size

    def patch(self, up, data, offset, length):
        e = up.entry
        up.sent_max = offset + length
        status, h, body = self.call(e, None, self.client.patch, up.location, data[offset:offset + length], offset)
        self.note(e, rh.describe("PATCH", f"{up.location} [{offset}-{offset + length - 1}]", status, h, body))
        if status != 202 or offset + length not in rh.upload_offsets(h):  # "0-0" after a 1-byte chunk
            self.problem(e, f"PATCH at {offset} (+{length}): " + rh.describe("PATCH", up.location, status, h, body))
        up.acked = offset + length
        up.location = rh.location_path(h) or up.location  # the next request goes where this answer says

    def complete(self, up, data, last_chunk):
        e = up.entry
        up.put_sent = True
        status, h, body = self.call(e, "sent", self.client.put_upload, up.location, e.digest, last_chunk)
        self.note(e, rh.describe("PUT", f"{up.location}?digest= (+{len(last_chunk)} bytes)", status, h, body))
        if status != 201:
            self.problem(e, "PUT: " + rh.describe("PUT", up.location, status, h, body))
        with self.ledger.lock:
            self.ledger.uploads.remove(up)
        self.blob_created(e, h)

    def blob_created(self, e, h):
        if h.get("docker-content-digest") != e.digest:
            self.problem(e, f"201 with Docker-Content-Digest {h.get('docker-content-digest')}")
        e.upgrade("confirmed")
        with self.ledger.lock:
            self.ledger.stats["blob_201"] += 1

    def open_upload(self, seed, size):
        data = rh.content(seed, size)
        e = self.ledger.entry(self.ledger.blobs, "blob", self.repo, rh.sha256(data), size, seed=seed)
        e.iteration = self.it
        status, h, body = self.call(e, None, self.client.post_upload, self.repo)
        self.note(e, rh.describe("POST", f"/v2/{self.repo}/blobs/uploads/", status, h, body))
        if status != 202 or not rh.location_path(h):
            self.problem(e, "POST: " + rh.describe("POST", self.repo, status, h, body))
        up = Upload(e, rh.location_path(h), self.it)
        with self.ledger.lock:
            self.ledger.uploads.append(up)
        offset = 0
        for _ in range(0 if AVOID_PATCH else self.rng.randrange(1, 4)):
            chunk = min(self.rng.randrange(64 * 1024, 256 * 1024), size - offset - 1)
            if chunk <= 0:  # an empty chunk has no valid Content-Range
                break
            self.patch(up, data, offset, chunk)
            offset += chunk

    # -- images --------------------------------------------------------------------------------

    def push_image(self, n, shared):
        tag_base = f"t{self.it}-{self.w}-{n}"
        config = rh.image_config(f"{SEED}-{tag_base}")
        cdigest = rh.sha256(config)
        ce = self.ledger.entry(self.ledger.blobs, "blob", self.repo, cdigest, len(config), data=config)
        ce.iteration = self.it
        status, h, body = self.call(ce, "sent", self.client.post_upload, self.repo, cdigest, config)
        self.note(ce, rh.describe("POST", "uploads/?digest= (config)", status, h, body))
        if status != 201:
            self.problem(ce, "config POST: " + rh.describe("POST", self.repo, status, h, body))
        self.blob_created(ce, h)

        layers = []
        if shared:
            layers.append(self.push_blob(self.repo, *shared, BLOB_METHODS[-1]))
        for i in range(self.rng.randrange(1, 3)):
            size = (self.rng.randrange(1, 64 * 1024) if self.rng.random() < 0.7
                    else self.rng.randrange(256 * 1024, 2 * rh.MiB))
            method = self.rng.choice(BLOB_METHODS)
            layers.append(self.push_blob(self.repo, f"{SEED}-{tag_base}-l{i}", size, method))

        manifest = rh.image_manifest((cdigest, len(config)), layers)
        mdigest = rh.sha256(manifest)
        me = self.ledger.entry(self.ledger.manifests, "manifest", self.repo, mdigest, len(manifest),
                               data=manifest, refs=[(cdigest, len(config))] + layers)
        me.iteration = self.it
        references = [tag_base, "latest"]
        if self.rng.random() < 0.3:
            references.insert(0, mdigest)
        for ref in references:
            attempt = None if ref == mdigest else self.ledger.tag_attempt(self.repo, ref, mdigest, self.it)
            try:
                status, h, body = self.client.put_manifest(self.repo, ref, manifest)
            except rh.RequestFailed as e:
                self.note(me, f"tag {ref}: {e}")
                if e.sent:
                    me.upgrade("sent")
                    if attempt:
                        attempt.state = "sent"
                raise Stop() from e
            self.note(me, rh.describe("PUT", f"/v2/{self.repo}/manifests/{ref}", status, h, body))
            if status != 201 or h.get("docker-content-digest") != mdigest:
                self.problem(me, f"manifest PUT {ref}: " + rh.describe("PUT", ref, status, h, body))
            me.upgrade("confirmed")
            if attempt:
                attempt.state = "confirmed"
            with self.ledger.lock:
                self.ledger.stats["manifest_201"] += 1
                self.ledger.stats["tag_201"] += attempt is not None


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="regmirror-crash-")
        self.server = rh.Server(self.workdir)
        self.ledger = Ledger()
        self.hashed_files = set()  # blob files whose content was hashed already
        self.kills = []

    def tearDown(self):
        self.server.kill()
        if not os.environ.get("KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- reporting -----------------------------------------------------------------------------

    def fail_with(self, where, problems, entries=()):
        count = f": {len(problems)} problem(s)" if problems else ""
        lines = [f"{where}{count} (CRASH_SEED={SEED}, kills so far: "
                 f"{', '.join(f'{d * 1000:.0f}ms' for d in self.kills)})"]
        lines += [" - " + p for p in problems[:25]]
        for e in list(entries)[:6]:
            lines.append(f"history of {e.label()}:")
            lines += ["     " + h for h in e.history[-12:]]
        for start in sorted({max(1, self.server.starts - 1), self.server.starts}):
            path = os.path.join(self.workdir, f"server-{start}.log")
            lines.append(f"--- server-{start}.log (tail) ---")
            lines.append(rh.tail(path, 15))
        self.fail("\n".join(lines))

    # -- the loop ------------------------------------------------------------------------------

    def test_sigkill_during_pushes(self):
        print(f"\ncrash test: CRASH_SEED={SEED}, up to {ITERATIONS} iterations / {TIME_BUDGET:.0f}s",
              file=sys.stderr)
        rng = random.Random(SEED)
        began = time.monotonic()
        iteration = 0
        while iteration < ITERATIONS:
            if iteration >= MIN_ITERATIONS and time.monotonic() - began > TIME_BUDGET:
                break
            iteration += 1
            self.server.start()
            self.check_server(iteration, full=False)

            stop = threading.Event()
            client = self.server.client(timeout=10)
            workers = [Worker(self.ledger, client, iteration, w, stop) for w in range(WORKERS)]
            for w in workers:
                w.start()
            delay = rng.uniform(0, MAX_KILL_DELAY)
            time.sleep(delay)
            rc = self.server.kill()
            self.kills.append(delay)
            stop.set()
            for w in workers:
                w.join(30)
                self.assertFalse(w.is_alive(), f"worker {w.name} still running 30s after the kill")
            if rc != -9:
                self.fail_with(f"iteration {iteration}: the server ended by itself before the kill "
                               f"(exit status {rc}{' = ' + signal.Signals(-rc).name if rc and rc < 0 else ''})",
                               self.ledger.problems)
            if self.ledger.problems:
                self.fail_with(f"iteration {iteration}, while pushing", self.ledger.problems)
            self.check_database(iteration, full=False)

        self.server.start()
        self.check_server(iteration + 1, full=True)
        rc, took = self.server.terminate()
        self.assertEqual(rc, 0, f"SIGTERM after the crash loop: exit status {rc}\n{self.server.log_tail()}")
        self.check_database(iteration + 1, full=True)
        s = self.ledger.stats
        print(f"crash test: {iteration} kills in {time.monotonic() - began:.1f}s at "
              f"{', '.join(f'{d * 1000:.0f}' for d in self.kills)} ms; 201s: {s['blob_201']} blobs, "
              f"{s['manifest_201']} manifests, {s['tag_201']} tags; open uploads after a kill: "
              f"{s['resumed']} resumed ({s['resumed_from_zero_after_put']} from 0 after an unanswered PUT), "
              f"{s['unknown']} unknown ({s['unknown_never_put']} of them never PUT); pushes whose 201 was "
              f"lost: {s['lost_201_present']} present, {s['lost_201_absent']} absent", file=sys.stderr)

    # -- after a restart -----------------------------------------------------------------------

    @staticmethod
    def ask(fn, *args):
        """A request whose failure is a finding, not an error of the test: no answer (or a
        body cut short) comes back as status None with the reason as body."""
        try:
            return fn(*args)
        except rh.RequestFailed as e:
            return None, {}, str(e).encode()

    def check_server(self, iteration, full):
        c = self.server.client(timeout=30)
        problems, involved = [], []

        status, h, body = self.ask(c.request, "GET", "/v2/")
        if status != 200:
            problems.append("GET /v2/ after restart: " + rh.describe("GET", "/v2/", status, h, body))

        self.resume_uploads(c, iteration, problems, involved)

        last = iteration - 1
        rng = random.Random(f"{SEED}-check-{iteration}")
        blobs = list(self.ledger.blobs.values())
        manifests = list(self.ledger.manifests.values())
        if not full:
            # Settled: verified once already, or never visible (re-checked by the sample).
            old = [e for e in blobs + manifests
                   if e.iteration != last and (e.checked or e.state == "partial")]
            sample = set(map(id, rng.sample(old, min(SAMPLE_OLD, len(old)))))
            def due(e):
                return e.iteration == last or not (e.checked or e.state == "partial") or id(e) in sample
            blobs = [e for e in blobs if due(e)]
            manifests = [e for e in manifests if due(e)]

        seen_blobs = {}
        for e in blobs:
            self.check_blob(c, e, full or not e.checked, problems, involved, seen_blobs)
        for e in manifests:
            self.check_manifest(c, e, problems, involved, seen_blobs)
        self.check_tags(c, full, last, problems, involved)

        status, h, body = self.ask(c.request, "GET", "/v2/_catalog")
        if status != 200:
            problems.append("GET /v2/_catalog: " + rh.describe("GET", "/v2/_catalog", status, h, body))
        else:
            listed = set(json.loads(body).get("repositories") or [])
            unknown = listed - self.ledger.repos
            if unknown:
                problems.append(f"the catalog lists repositories never pushed to: {sorted(unknown)}")
            with_manifests = {e.repo for e in self.ledger.manifests.values() if e.state == "confirmed"}
            if with_manifests - listed:
                problems.append(f"the catalog ({len(listed)} repositories) misses repositories holding "
                                f"confirmed manifests: {sorted(with_manifests - listed)}")

        if problems:
            self.fail_with(f"after restart {iteration} (the kill at iteration {iteration - 1})", problems, involved)

    def resume_uploads(self, c, iteration, problems, involved):
        uploads, self.ledger.uploads = self.ledger.uploads, []
        for up in uploads:
            e = up.entry
            status, h, body = self.ask(c.upload_status, up.location)
            e.history.append(f"restart {iteration}: " + rh.describe("GET", up.location, status, h, body))
            if status == 404:
                if "BLOB_UPLOAD_UNKNOWN" not in rh.error_codes(body):
                    problems.append(f"{e.label()}: upload status 404 without BLOB_UPLOAD_UNKNOWN: {body[:200]!r}")
                    involved.append(e)
                self.ledger.stats["unknown"] += 1
                self.ledger.stats["unknown_never_put"] += not up.put_sent
                continue
            offsets = rh.upload_offsets(h) if status == 204 else []
            if not offsets:
                problems.append(f"{e.label()}: upload status after restart: "
                                + rh.describe("GET", up.location, status, h, body))
                involved.append(e)
                continue
            up.location = rh.location_path(h) or up.location
            # An answered PUT moves the bytes to the blob store before forgetting the session:
            # a kill between the two leaves a session with nothing stored (offset 0).
            low = 0 if up.put_sent else up.acked
            offsets = [o for o in offsets if low <= o <= up.sent_max] or offsets
            failure = None
            for offset in offsets:  # two candidates only for the ambiguous "0-0"
                failure = self.resume(c, up, offset, low, iteration)
                if failure is None or failure[0] != "range":
                    break
            if failure:
                problems.append(failure[1])
                involved.append(e)
                continue
            e.upgrade("confirmed")
            e.iteration = iteration - 1  # checked in full below
            self.ledger.stats["resumed"] += 1

    def resume(self, c, up, offset, low, iteration):
        """Continues an upload from `offset` and completes it: None, or (kind, message)."""
        e = up.entry
        if not low <= offset <= up.sent_max:
            return ("offset", f"{e.label()}: upload offset after restart is {offset}; the last 202 said "
                              f"{up.acked}, at most {up.sent_max} bytes were sent (PUT sent: {up.put_sent})")
        data = e.data()
        rest = b""
        if AVOID_PATCH:
            rest = data[offset:]
        elif offset < len(data):
            status, h, body = self.ask(c.patch, up.location, data[offset:], offset)
            e.history.append(f"restart {iteration}: " + rh.describe("PATCH", f"{up.location} [{offset}-]", status, h, body))
            if status == 416:
                return ("range", f"{e.label()}: resuming PATCH from {offset}: "
                                 + rh.describe("PATCH", up.location, status, h, body))
            if status != 202 or len(data) not in rh.upload_offsets(h):
                return ("patch", f"{e.label()}: resuming PATCH from {offset}: "
                                 + rh.describe("PATCH", up.location, status, h, body))
            up.location = rh.location_path(h) or up.location
        headers = {"Content-Range": f"{offset}-{len(data) - 1}"} if rest else {}
        status, h, body = self.ask(c.put_upload, up.location, e.digest, rest, headers)
        e.history.append(f"restart {iteration}: " + rh.describe("PUT", f"{up.location}?digest=", status, h, body))
        if status == 416 and rest:
            return ("range", f"{e.label()}: completing a resumed upload (offset {offset}): "
                             + rh.describe("PUT", up.location, status, h, body))
        if status != 201 or h.get("docker-content-digest") != e.digest:
            return ("put", f"{e.label()}: completing a resumed upload (offset {offset}): "
                           + rh.describe("PUT", up.location, status, h, body))
        if up.put_sent and offset < up.acked:
            self.ledger.stats["resumed_from_zero_after_put"] += 1
        return None

    def check_blob(self, c, e, full, problems, involved, seen):
        method = "GET" if full else "HEAD"
        status, h, body = self.ask(c.request, method, f"/v2/{e.repo}/blobs/{e.digest}")
        e.history.append(f"check: {rh.describe(method, 'blob', status, h, body if status != 200 else b'')}")
        if status == 200:
            bad = None
            if h.get("content-length") != str(e.size):
                bad = f"Content-Length {h.get('content-length')}, expected {e.size}"
            elif full and (len(body) != e.size or rh.sha256(body) != e.digest):
                bad = f"content of {len(body)} bytes hashing to {rh.sha256(body)}"
            elif h.get("docker-content-digest") not in (None, e.digest):
                bad = f"Docker-Content-Digest {h.get('docker-content-digest')}"
            if bad:
                problems.append(f"{e.label()}: {method} answers 200 with {bad}")
                involved.append(e)
                return
            if e.state == "partial":
                problems.append(f"{e.label()}: visible although no completing request reached the server whole")
                involved.append(e)
                return
            if e.state == "sent":
                self.ledger.stats["lost_201_present"] += 1
            e.state = "confirmed"
            if full:
                e.checked = True
                seen[(e.repo, e.digest)] = True
        elif status == 404 and "BLOB_UNKNOWN" in rh.error_codes(body) or (status == 404 and method == "HEAD"):
            if e.state == "confirmed":
                problems.append(f"{e.label()}: {method} 404 for a blob that was confirmed (201 or seen)")
                involved.append(e)
            elif e.state == "sent":
                self.ledger.stats["lost_201_absent"] += 1
                e.state = "partial"  # never completed: it must stay invisible
        else:
            problems.append(f"{e.label()}: " + rh.describe(method, "blob", status, h, body))
            involved.append(e)

    def check_manifest(self, c, e, problems, involved, seen):
        status, h, body = self.ask(c.get_manifest, e.repo, e.digest)
        e.history.append(f"check: {rh.describe('GET', 'manifest by digest', status, h, b'')}")
        if status == 200:
            if rh.sha256(body) != e.digest or body != e.data():
                problems.append(f"{e.label()}: GET by digest answers 200 with {len(body)} bytes "
                                f"hashing to {rh.sha256(body)}")
                involved.append(e)
                return
            if e.state == "partial":
                problems.append(f"{e.label()}: visible although its PUT never reached the server whole")
                involved.append(e)
                return
            if e.state == "sent":
                self.ledger.stats["lost_201_present"] += 1
            e.state = "confirmed"
            e.checked = True
            for digest, size in e.refs:
                if (e.repo, digest) in seen:
                    continue
                s2, h2, b2 = self.ask(c.get_blob, e.repo, digest)
                if s2 != 200 or len(b2) != size or rh.sha256(b2) != digest:
                    problems.append(f"{e.label()}: referenced blob {digest} ({size} bytes): "
                                    + rh.describe("GET", "blob", s2, h2, b2 if s2 != 200 else
                                                  f"{len(b2)} bytes hashing to {rh.sha256(b2)}".encode()))
                    involved.append(e)
                else:
                    seen[(e.repo, digest)] = True
        elif status == 404 and "MANIFEST_UNKNOWN" in rh.error_codes(body):
            if e.state == "confirmed":
                problems.append(f"{e.label()}: GET by digest 404 for a manifest that was confirmed")
                involved.append(e)
            elif e.state == "sent":
                self.ledger.stats["lost_201_absent"] += 1
                e.state = "partial"
        else:
            problems.append(f"{e.label()}: " + rh.describe("GET", "manifest", status, h, body))
            involved.append(e)

    def check_tags(self, c, full, last, problems, involved):
        by_repo = {}
        for (repo, tag), attempts in self.ledger.tags.items():
            by_repo.setdefault(repo, {})[tag] = attempts
        for repo, tags in sorted(by_repo.items()):
            status, h, body = self.ask(c.request, "GET", f"/v2/{repo}/tags/list")
            listed = set()
            if status == 200:
                listed = set(json.loads(body).get("tags") or [])
            elif status != 404:
                problems.append(f"tags/list of {repo}: " + rh.describe("GET", "tags/list", status, h, body))
                continue
            for tag in sorted(listed - set(tags)):
                problems.append(f"tags/list of {repo} lists {tag!r}, which was never pushed")
            for tag, attempts in sorted(tags.items()):
                possible = [a for a in attempts if a.state != "partial"]
                confirmed = [i for i, a in enumerate(attempts) if a.state == "confirmed"]
                if tag in listed and not possible:
                    problems.append(f"{repo}:{tag} is listed although no PUT of it reached the server whole")
                if confirmed and tag not in listed:
                    problems.append(f"{repo}:{tag} was confirmed but tags/list does not list it")
                if not (full or tag == "latest" or any(a.iteration == last for a in attempts)):
                    continue
                self.check_tag(c, repo, tag, attempts, confirmed, problems, involved)

    def check_tag(self, c, repo, tag, attempts, confirmed, problems, involved):
        first = confirmed[-1] if confirmed else 0
        acceptable = {a.digest: i for i, a in enumerate(attempts)
                      if i >= first and a.state != "partial"}
        status, h, body = self.ask(c.get_manifest, repo, tag)
        history = " -> ".join(f"{a.digest[7:19]}({a.state})" for a in attempts[-6:])
        if status == 200:
            digest = rh.sha256(body)
            if h.get("docker-content-digest") != digest:
                problems.append(f"{repo}:{tag}: Docker-Content-Digest {h.get('docker-content-digest')} "
                                f"but the body hashes to {digest}")
            if digest not in acceptable:
                problems.append(f"{repo}:{tag} resolves to {digest}; pushes of this tag: {history}")
                m = self.ledger.manifests.get((repo, digest))
                if m:
                    involved.append(m)
                return
            chosen = acceptable[digest]
            for i, a in enumerate(attempts):
                if i == chosen:
                    a.state = "confirmed"
                elif i > chosen:
                    a.state = "partial"  # not applied before the kill: can never apply now
            m = self.ledger.manifests.get((repo, digest))
            if m and m.state != "confirmed":
                problems.append(f"{repo}:{tag} resolves to {digest}, which is not available by digest")
        elif status == 404 and "MANIFEST_UNKNOWN" in rh.error_codes(body):
            if confirmed:
                problems.append(f"{repo}:{tag} is unknown after a restart but was confirmed; pushes: {history}")
            for a in attempts:
                a.state = "partial"
        else:
            problems.append(f"{repo}:{tag}: " + rh.describe("GET", "manifest", status, h, body))

    # -- with the server down ------------------------------------------------------------------

    def blob_file(self, digest):
        algorithm, hexdigest = digest.split(":", 1)
        return os.path.join(self.server.storage, "blobs", algorithm, hexdigest[:2], hexdigest)

    def check_file(self, digest, size, what, problems, rehash=False):
        path = self.blob_file(digest)
        try:
            actual = os.path.getsize(path)
        except OSError as e:
            problems.append(f"{what}: no file {path}: {e}")
            return
        if actual != size:
            problems.append(f"{what}: {path} holds {actual} bytes, the database says {size}")
            return
        if digest in self.hashed_files and not rehash:
            return
        with open(path, "rb") as f:
            got = rh.sha256(f.read())
        if got != digest:
            problems.append(f"{what}: {path} hashes to {got}")
        else:
            self.hashed_files.add(digest)

    def check_database(self, iteration, full):
        problems, involved = [], []
        db_path = os.path.join(self.server.storage, "metadata.sqlite")
        integrity, foreign = rh.sqlite_checks(db_path)
        if integrity != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {integrity[:10]}")
        if foreign:
            problems.append(f"PRAGMA foreign_key_check: {foreign[:10]}")
        db = rh.open_db_readonly(db_path)
        try:
            blob_rows = db.execute(
                "SELECT r.name, rb.digest, b.size FROM repository_blobs rb "
                "JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest").fetchall()
            manifest_rows = db.execute(
                "SELECT r.name, m.digest, m.size FROM manifests m "
                "JOIN repositories r ON r.id = m.repository_id").fetchall()
            tag_rows = db.execute(
                "SELECT r.name, t.name, t.digest FROM tags t "
                "JOIN repositories r ON r.id = t.repository_id").fetchall()
        finally:
            db.close()
        for repo, digest, size in blob_rows:
            e = self.ledger.blobs.get((repo, digest))
            if e is None or e.state == "partial":
                problems.append(f"database links blob {digest} ({size} bytes) to {repo}, but "
                                + ("it was never pushed there" if e is None else "no completing request reached the server whole"))
                if e:
                    involved.append(e)
                continue
            if e.size != size:
                problems.append(f"{e.label()}: the database records {size} bytes")
            if full or e.iteration >= iteration - 1:
                self.check_file(digest, size, f"blob {repo}@{digest}", problems, rehash=full)
        for repo, digest, size in manifest_rows:
            e = self.ledger.manifests.get((repo, digest))
            if e is None or e.state == "partial":
                problems.append(f"database holds manifest {repo}@{digest} but "
                                + ("it was never pushed" if e is None else "no PUT of it reached the server whole"))
                if e:
                    involved.append(e)
                continue
            if full or e.iteration >= iteration - 1:
                self.check_file(digest, size, f"manifest {repo}@{digest}", problems, rehash=full)
        for repo, tag, digest in tag_rows:
            attempts = self.ledger.tags.get((repo, tag), [])
            if not any(a.digest == digest and a.state != "partial" for a in attempts):
                problems.append(f"database tags {repo}:{tag} -> {digest}; no such PUT reached the server whole "
                                f"(pushes: {[(a.digest[7:19], a.state) for a in attempts[-6:]]})")
        if problems:
            self.fail_with(f"database after the kill of iteration {iteration}", problems, involved)


if __name__ == "__main__":
    unittest.main()
