#!/usr/bin/env python3
"""GET (or HEAD) one URL from N threads at once and report, per client, one JSON line:
{"client", "status", "content_length" (the header), "bytes", "sha256", "sent" (when the
request went out), "first_byte" (when the first body byte arrived), "done", "error"}; times
are time.time() seconds, the clock the fault proxy logs with. Bodies are hashed as they
arrive, not kept.

    fetch_many.py --url http://127.0.0.1:PORT/v2/up/ns/app/blobs/sha256:... --clients 20
    fetch_many.py --url ... --clients 3 --header "Range: bytes=1048576-"
    fetch_many.py --url ... --clients 2 --method HEAD
"""

import argparse
import hashlib
import http.client
import json
import threading
import time
import urllib.parse


def fetch(url, method, headers, barrier, timeout):
    parts = urllib.parse.urlsplit(url)
    result = {"status": None, "content_length": None, "bytes": 0, "sha256": None, "sent": None, "first_byte": None,
              "done": None, "error": None}
    h = hashlib.sha256()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.connect()
        barrier.wait()
        result["sent"] = time.time()
        conn.request(method, parts.path, headers=headers)
        response = conn.getresponse()
        result["status"] = response.status
        result["content_length"] = response.getheader("Content-Length")
        while True:
            piece = response.read1(256 * 1024)
            if not piece:
                break
            if result["first_byte"] is None:
                result["first_byte"] = time.time()
            result["bytes"] += len(piece)
            h.update(piece)
    except (OSError, http.client.HTTPException) as e:
        result["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    result["done"] = time.time()
    result["sha256"] = "sha256:" + h.hexdigest()
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--method", default="GET", choices=["GET", "HEAD"])
    p.add_argument("--header", action="append", default=[], metavar="NAME: VALUE")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    barrier = threading.Barrier(args.clients)
    results = [None] * args.clients

    def client(i):
        results[i] = fetch(args.url, args.method, headers, barrier, args.timeout)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(results):
        print(json.dumps({"client": i, **r}, sort_keys=True))


if __name__ == "__main__":
    main()
