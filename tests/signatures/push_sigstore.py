#!/usr/bin/env python3
"""Pushes a sigstore signature attachment, as skopeo/cosign write it, to a plain-HTTP
registry on loopback:

    push_sigstore.py REGISTRY REPO KEY IDENTITY SIGNED_DIGEST [ATTACH_TO_DIGEST]

The payload names IDENTITY and SIGNED_DIGEST and is signed with the EC private key KEY (PEM);
the attachment is tagged sha256-<hex>.sig for ATTACH_TO_DIGEST (default SIGNED_DIGEST), so a
signature of another manifest can be put where a client looks for this one's."""

import http.client
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import oci_images  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def call(registry, method, target, body=b"", headers=None):
    connection = http.client.HTTPConnection(registry, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {target}: {response.status} {data[:300]!r}")
        return response
    finally:
        connection.close()


def push_blob(registry, repo, digest, data):
    started = call(registry, "POST", f"/v2/{repo}/blobs/uploads/")
    location = urllib.parse.urlsplit(started.getheader("Location"))
    query = (location.query + "&" if location.query else "") + "digest=" + urllib.parse.quote(digest)
    call(registry, "PUT", f"{location.path}?{query}", data,
         {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})


def main():
    registry, repo, key, identity, signed = sys.argv[1:6]
    attach_to = sys.argv[6] if len(sys.argv) > 6 else signed
    _, manifest, blobs = oci_images.cosign_signature(key, identity, signed)
    for digest, data in blobs.items():
        push_blob(registry, repo, digest, data)
    tag = attach_to.replace(":", "-", 1) + ".sig"
    call(registry, "PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})


if __name__ == "__main__":
    main()
