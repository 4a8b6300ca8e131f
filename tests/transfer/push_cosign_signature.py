#!/usr/bin/env python3
"""Pushes a cosign-style signature of a manifest to a plain-HTTP registry, as
`skopeo copy --sign-by-sigstore-private-key` with use-sigstore-attachments would (Debian's
skopeo is built without it): the attachment manifest of tests/fixtures/oci_images.py's
cosign_signature, its blobs, tagged sha256-<hex>.sig.

usage: push_cosign_signature.py ADDR REPO DIGEST KEY_PEM REFERENCE
prints: TAG MANIFEST_DIGEST"""
import http.client
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from oci_images import OCI_MANIFEST, cosign_signature, sha256  # noqa: E402


def request(addr, method, path, body=b"", headers=None):
    host, port = addr.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def push_blob(addr, repo, digest, data):
    status, location = request(addr, "POST", f"/v2/{repo}/blobs/uploads/")
    if status != 202:
        sys.exit(f"POST /v2/{repo}/blobs/uploads/: status {status}")
    if location.startswith("http"):
        location = "/" + location.split("/", 3)[3]
    location += ("&" if "?" in location else "?") + "digest=" + digest
    status, _ = request(addr, "PUT", location, data,
                        {"Content-Type": "application/octet-stream"})
    if status != 201:
        sys.exit(f"PUT blob {digest}: status {status}")


def main():
    addr, repo, digest, key, reference = sys.argv[1:6]
    tag, manifest, blobs = cosign_signature(key, reference, digest)
    for blob_digest, data in blobs.items():
        push_blob(addr, repo, blob_digest, data)
    status, _ = request(addr, "PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                        {"Content-Type": OCI_MANIFEST})
    if status != 201:
        sys.exit(f"PUT manifest {tag}: status {status}")
    print(tag, sha256(manifest))


if __name__ == "__main__":
    main()
