"""A webhook receiver for the events tests: records every POST it gets, checks its
X-Regmirror-Signature, and can answer 500, hang, or be stopped and started again on the same
port. Python 3 standard library only."""

import hashlib
import hmac
import http.server
import json
import threading
import time


def signature_ok(secret, header, body, max_age=300):
    """The check docs/events.md shows receivers: t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - timestamp) <= max_age and hmac.compare_digest(expected, fields.get("v1", ""))


class Receiver:
    """mode: "ok" (204), "fail" (500) or "hang" (answers only once released)."""

    def __init__(self, port, secret):
        self.port = port
        self.secret = secret
        self.mode = "ok"
        self.requests = []  # (content type, body bytes) of the requests answered 2xx
        self.bad_signatures = 0
        self.attempts = 0
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server = None
        self.thread = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.attempts += 1
                    mode = receiver.mode
                if mode == "hang":
                    receiver.released.wait(30)
                    mode = "fail"  # the registry gave up long ago: this answer is not counted
                if mode == "fail":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                good = signature_ok(receiver.secret, self.headers.get("X-Regmirror-Signature", ""), body)
                with receiver.lock:
                    if good:
                        receiver.requests.append((self.headers.get("Content-Type"), body))
                    else:
                        receiver.bad_signatures += 1
                self.send_response(204 if good else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def cloudevents(self):
        """The CloudEvents received, in arrival order."""
        with self.lock:
            return [json.loads(body) for _, body in self.requests]

    def distribution_events(self):
        with self.lock:
            return [event for _, body in self.requests for event in json.loads(body)["events"]]

    def content_types(self):
        with self.lock:
            return {content_type for content_type, _ in self.requests}

    def wait_for(self, count_of, wanted, timeout=20.0):
        """Waits until count_of(self) >= wanted; returns the last count."""
        deadline = time.monotonic() + timeout
        while True:
            count = count_of(self)
            if count >= wanted or time.monotonic() > deadline:
                return count
            time.sleep(0.05)
