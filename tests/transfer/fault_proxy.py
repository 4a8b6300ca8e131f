#!/usr/bin/env python3
"""An HTTP proxy in front of one registry that streams bodies both ways and injects faults.

Used by the transfer tests to make a real registry misbehave in controlled ways:

  --corrupt-blob DIGEST     GET of that blob: one byte in the middle is flipped (same length)
  --cut-get-after N         GET of a blob: the connection is closed after N body bytes
  --cut-upload-after N      POST/PATCH/PUT to .../blobs/uploads/: after N body bytes (counted
                            over all upload requests since the start or the last cut) the
                            request is abandoned and both connections closed, unanswered
  --stall-upload-after N    as --cut-upload-after, but the client's connection is kept open
                            without reading (the client hangs; a test kills it) for
                            --stall-seconds; the log gets a "stalled" line at once
  --cut-times K             how many times a cut/stall happens (default 1; 0 = always)
  --throttle BYTES_PER_S    bandwidth limit of each body, both directions
  --fail-status CODE        answer CODE instead of forwarding, the first --fail-times K
                            requests whose path matches --fail-match (with --retry-after S)
  --match REGEX             corrupt/cut/stall only requests whose path matches REGEX

Every request is logged as one JSON line to --log (method, path, status, request and
response body bytes, Range/Content-Range headers, fault applied), so a test can assert what
a client did ("a Range request was made", "the second run sent only the rest").

The listening port is written to --port-file once the proxy accepts connections (port 0,
the default, lets the kernel choose: no race with other tests).
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECE = 64 * 1024
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "expect", "proxy-connection",
}
BLOB_PATH = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
UPLOAD_PATH = re.compile(r"^/v2/.+/blobs/uploads/")


class Aborted(Exception):
    """The request was cut or stalled on purpose: no answer is sent."""


class Faults:
    """The configured faults and how often each has fired (shared by all threads)."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.fired = {"cut_get": 0, "cut_upload": 0, "fail": 0}
        self.upload_bytes = 0  # over all upload requests, for --cut/--stall-upload-after
        self.match = re.compile(args.match) if args.match else None
        self.fail_match = re.compile(args.fail_match)

    def applies(self, path):
        return self.match is None or self.match.search(path) is not None

    def take(self, name, limit):
        """True (and counted) if the fault `name` may fire once more."""
        with self.lock:
            if limit != 0 and self.fired[name] >= limit:
                return False
            self.fired[name] += 1
            return True

    def take_fail(self, path):
        a = self.args
        if not a.fail_status or not self.fail_match.search(path):
            return False
        return self.take("fail", a.fail_times)


class Throttle:
    """Paces a body: before() waits until n more bytes fit the rate since the first byte."""

    def __init__(self, rate):
        self.rate = rate
        self.start = time.monotonic()
        self.sent = 0
        # Small pieces when throttled, so that the pace is even within a small body too.
        self.piece = min(PIECE, max(1024, int(rate) // 20)) if rate else PIECE

    def before(self, n):
        if not self.rate:
            return
        self.sent += n
        ahead = self.sent / self.rate - (time.monotonic() - self.start)
        if ahead > 0:
            time.sleep(ahead)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"
    # Set on the server object: upstream (host, port), faults, log file.

    def log_message(self, fmt, *args):  # the JSON log replaces the default stderr lines
        pass

    def do_GET(self):
        self.proxy()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # --- hooks for subclasses (token_server.py) -----------------------------------------

    def authorize(self):
        """Return True to forward the request; or answer it yourself and return False."""
        return True

    def upstream_headers(self):
        """Headers to send upstream (the client's, minus hop-by-hop)."""
        return [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]

    # --- logging -----------------------------------------------------------------------

    def record(self, **fields):
        entry = {
            "time": round(time.time(), 3),
            "method": self.command,
            "path": self.path,
            "request": self.requestline,
            "range": self.headers.get("Range"),
            "content_range": self.headers.get("Content-Range"),
        }
        entry.update(fields)
        line = json.dumps(entry, sort_keys=True)
        with self.server.log_lock:
            self.server.log_file.write(line + "\n")
            self.server.log_file.flush()

    # --- request body ------------------------------------------------------------------

    def body_pieces(self):
        """The request body, de-chunked, in pieces of at most PIECE bytes."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size_line = self.rfile.readline(1024)
                if not size_line:
                    raise ConnectionError("client closed inside a chunked body")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while size > 0:
                    piece = self.rfile.read(min(size, PIECE))
                    if not piece:
                        raise ConnectionError("client closed inside a chunk")
                    size -= len(piece)
                    yield piece
                self.rfile.readline(1024)  # CRLF after the chunk
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                piece = self.rfile.read(min(left, PIECE))
                if not piece:
                    raise ConnectionError("client closed inside the body")
                left -= len(piece)
                yield piece

    def drop_client(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- the proxy ---------------------------------------------------------------------

    def proxy(self):
        if not self.authorize():
            return
        faults = self.server.faults
        args = faults.args
        path = urllib.parse.urlsplit(self.path).path
        if faults.take_fail(self.path):
            for _ in self.body_pieces():
                pass
            body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS" if args.fail_status == 429
                                           else "UNAVAILABLE", "message": "injected fault"}]}).encode()
            self.send_response_only(args.fail_status)
            if args.retry_after is not None:
                self.send_header("Retry-After", str(args.retry_after))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.record(status=args.fail_status, req_bytes=0, resp_bytes=len(body),
                        fault=f"status {args.fail_status}")
            return

        host, port = self.server.upstream
        upstream = http.client.HTTPConnection(host, port, timeout=args.timeout)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        req_bytes = 0
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.upstream_headers():
                upstream.putheader(k, v)
            if chunked:
                upstream.putheader("Transfer-Encoding", "chunked")
            upstream.endheaders()

            is_upload = (self.command in ("POST", "PATCH", "PUT") and UPLOAD_PATH.match(path)
                         and faults.applies(self.path))
            throttle = Throttle(args.throttle)
            for piece in self.body_pieces():
                interrupt = False
                if is_upload:
                    piece, interrupt = self.upload_cut_point(piece)
                throttle.before(len(piece))
                if piece:
                    upstream.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                req_bytes += len(piece)
                if interrupt:
                    self.interrupt_upload(upstream, req_bytes)
            if chunked:
                upstream.send(b"0\r\n\r\n")
            response = upstream.getresponse()
        except Aborted:
            upstream.close()
            return
        except (OSError, http.client.HTTPException) as e:
            upstream.close()
            self.record(status=502, req_bytes=req_bytes, resp_bytes=0, error=str(e))
            try:
                self.send_error(502, f"upstream: {e}")
            except OSError:
                pass
            self.close_connection = True
            return
        try:
            self.relay_response(response, path, req_bytes)
        finally:
            upstream.close()

    def upload_cut_point(self, piece):
        """(what of `piece` to forward, whether the upload is interrupted after it)."""
        faults = self.server.faults
        args = faults.args
        limit = args.cut_upload_after if args.cut_upload_after is not None else args.stall_upload_after
        if limit is None:
            return piece, False
        with faults.lock:
            before = faults.upload_bytes
            faults.upload_bytes += len(piece)
            if before + len(piece) <= limit:
                return piece, False
            if args.cut_times != 0 and faults.fired["cut_upload"] >= args.cut_times:
                return piece, False
            faults.fired["cut_upload"] += 1
            faults.upload_bytes = 0  # with --cut-times 0: the next cut N bytes later
        return piece[: max(0, limit - before)], True

    def interrupt_upload(self, upstream, req_bytes):
        """Abandon the upstream request mid-body; drop (cut) or hang (stall) the client."""
        args = self.server.faults.args
        upstream.close()
        stalled = args.stall_upload_after is not None
        self.record(status=None, req_bytes=req_bytes, resp_bytes=0,
                    fault="stalled upload" if stalled else "cut upload", event="stalled" if stalled else "cut")
        if stalled:
            # Stop reading: the client blocks in send() until it is killed or we give up.
            deadline = time.monotonic() + args.stall_seconds
            while time.monotonic() < deadline:
                time.sleep(0.2)
        self.drop_client()
        raise Aborted()

    def relay_response(self, response, path, req_bytes):
        faults = self.server.faults
        args = faults.args
        status = response.status
        has_body = self.command != "HEAD" and status >= 200 and status not in (204, 304)
        length = response.getheader("Content-Length")

        self.send_response_only(status, response.reason)
        up_netloc = "%s:%d" % self.server.upstream
        for k, v in response.getheaders():
            kl = k.lower()
            if kl in HOP_BY_HOP:
                continue
            if kl == "location":
                # Absolute URLs naming the upstream are rewritten to this proxy.
                parts = urllib.parse.urlsplit(v)
                if parts.netloc == up_netloc:
                    v = urllib.parse.urlunsplit(parts._replace(netloc=self.headers.get("Host", up_netloc)))
            self.send_header(k, v)
        use_chunked = has_body and length is None
        if use_chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if response.getheader("Connection", "").lower() == "close":
            self.close_connection = True
        self.end_headers()

        blob = BLOB_PATH.match(path)
        fault = None
        corrupt_at = None
        if (has_body and blob and self.command == "GET" and status in (200, 206)
                and blob.group(1) in args.corrupt_blob and faults.applies(self.path)):
            # The byte in the middle of the blob; a 206 starts at its Content-Range offset.
            start, total = 0, int(length or 0)
            m = re.match(r"bytes (\d+)-\d+/(\d+)", response.getheader("Content-Range") or "")
            if m:
                start, total = int(m.group(1)), int(m.group(2))
            corrupt_at = total // 2 - start
        cut_at = None
        if (has_body and blob and self.command == "GET" and args.cut_get_after is not None
                and faults.applies(self.path) and faults.take("cut_get", args.cut_times)):
            cut_at = args.cut_get_after

        sent = 0
        throttle = Throttle(args.throttle)
        try:
            while has_body:
                piece = response.read(throttle.piece)
                if not piece:
                    break
                if corrupt_at is not None and sent <= corrupt_at < sent + len(piece):
                    i = corrupt_at - sent
                    piece = piece[:i] + bytes([piece[i] ^ 0xFF]) + piece[i + 1:]
                    fault = f"corrupted byte {corrupt_at}"
                if cut_at is not None and sent + len(piece) >= cut_at:
                    piece = piece[: cut_at - sent]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if use_chunked and piece else piece)
                    sent += len(piece)
                    self.record(status=status, req_bytes=req_bytes, resp_bytes=sent,
                                resp_range=response.getheader("Range"),
                                resp_content_range=response.getheader("Content-Range"),
                                fault=f"cut GET after {cut_at} bytes", event="cut")
                    self.drop_client()
                    return
                throttle.before(len(piece))
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if use_chunked else piece)
                sent += len(piece)
            if use_chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError as e:
            self.close_connection = True
            fault = fault or f"client went away: {e}"
        self.record(status=status, req_bytes=req_bytes, resp_bytes=sent,
                    resp_range=response.getheader("Range"),
                    resp_content_range=response.getheader("Content-Range"),
                    fault=fault)


def add_proxy_arguments(p):
    p.add_argument("--upstream", required=True, help="http://HOST:PORT of the registry")
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (port 0: any free port)")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--log", default="/dev/null", help="JSON line per request")
    p.add_argument("--timeout", type=float, default=300)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_proxy_arguments(p)
    p.add_argument("--corrupt-blob", action="append", default=[], metavar="DIGEST")
    p.add_argument("--cut-get-after", type=int, metavar="N")
    p.add_argument("--cut-upload-after", type=int, metavar="N")
    p.add_argument("--stall-upload-after", type=int, metavar="N")
    p.add_argument("--stall-seconds", type=float, default=120)
    p.add_argument("--cut-times", type=int, default=1, metavar="K", help="0 = always")
    p.add_argument("--throttle", type=float, default=0, metavar="BYTES_PER_S")
    p.add_argument("--fail-status", type=int, metavar="CODE")
    p.add_argument("--fail-times", type=int, default=1, metavar="K", help="0 = always")
    p.add_argument("--fail-match", default=r"^/v2/.+", metavar="REGEX")
    p.add_argument("--retry-after", type=int, metavar="SECONDS")
    p.add_argument("--match", metavar="REGEX")
    args = p.parse_args(argv)
    if args.cut_upload_after is not None and args.stall_upload_after is not None:
        p.error("--cut-upload-after and --stall-upload-after exclude each other")
    return args


def make_server(handler_class, args, faults):
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.port:
        sys.exit("--upstream must be http://HOST:PORT")
    host, port = args.listen.rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), handler_class)
    server.daemon_threads = True
    server.upstream = (up.hostname, up.port)
    server.faults = faults
    server.log_file = open(args.log, "a", buffering=1)
    server.log_lock = threading.Lock()
    return server


def serve(server, args):
    """Announce the port (atomically: a reader never sees half a number), then serve."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    serve(make_server(ProxyHandler, args, Faults(args)), args)


if __name__ == "__main__":
    main()
